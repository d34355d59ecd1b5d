/**
 * @module test/helpers/example-stores: each `SESSION_STORE` of the minimal examples as a test
 * environment. Every app build gets its own SQLite file, Redis key prefix or PostgreSQL schema
 * (so one test's sessions never show up in another's device list); `cleanup()` removes them all.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { connectRedis, deletePrefix } from './redis-clients.ts'
import { databaseUrl, redisUrl, serviceSkip } from './services.ts'
import { testPool } from './stores.ts'

export type ExampleStoreKind = 'cookie' | 'memory' | 'sqlite' | 'redis' | 'postgres'

/** One `SESSION_STORE` of the examples. */
export interface ExampleStore {
  kind: ExampleStoreKind
  /** `describe` skip option: a reason when the server is missing (throws under CI=true). */
  skip: string | false
  /** The environment of a new app build, in a namespace of its own. */
  env(): Record<string, string>
  /** Remove what the builds left behind (files, keys, schemas). */
  cleanup(): Promise<void>
}

/** Every store kind; `ns` comes from `testNamespace(import.meta.url)`. */
export function exampleStores(ns: string): ExampleStore[] {
  let n = 0
  let dir: string | undefined
  return [
    { kind: 'cookie', skip: false, env: () => ({}), cleanup: async () => {} },
    { kind: 'memory', skip: false, env: () => ({ SESSION_STORE: 'memory' }), cleanup: async () => {} },
    {
      kind: 'sqlite',
      skip: false,
      env() {
        dir ??= mkdtempSync(path.join(tmpdir(), 'doorman-minimal-'))
        return { SESSION_STORE: 'sqlite', SQLITE_PATH: path.join(dir, `${++n}`, 'sessions.sqlite') }
      },
      async cleanup() {
        if (dir) rmSync(dir, { recursive: true, force: true })
        dir = undefined
      },
    },
    {
      kind: 'redis',
      skip: serviceSkip('redis'),
      env: () => ({ SESSION_STORE: 'redis', REDIS_URL: redisUrl()!, REDIS_PREFIX: `${ns}:${++n}:` }),
      async cleanup() {
        const c = await connectRedis('node-redis', redisUrl()!)
        try {
          await deletePrefix('node-redis', c.client, `${ns}:`)
        } finally {
          await c.close()
        }
      },
    },
    {
      kind: 'postgres',
      skip: serviceSkip('postgres'),
      env: () => ({ SESSION_STORE: 'postgres', DATABASE_URL: databaseUrl()!, DATABASE_SCHEMA: `${ns}_${++n}` }),
      async cleanup() {
        const pool = testPool()
        try {
          const { rows } = await pool.query('SELECT nspname FROM pg_namespace WHERE left(nspname, $1) = $2', [ns.length + 1, `${ns}_`])
          for (const r of rows) await pool.query(`DROP SCHEMA "${r.nspname}" CASCADE`)
        } finally {
          await pool.end()
        }
      },
    },
  ]
}
