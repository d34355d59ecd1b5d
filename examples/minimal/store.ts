/**
 * @module examples/minimal/store: the session store named by `SESSION_STORE`.
 *
 * | `SESSION_STORE`    | Sessions live in                      | Also reads                                    |
 * | ------------------ | ------------------------------------- | --------------------------------------------- |
 * | `cookie` (default) | sealed cookies: nothing to run        |                                               |
 * | `memory`           | this process (lost on restart)        |                                               |
 * | `sqlite`           | a SQLite file (better-sqlite3)        | `SQLITE_PATH` (default `./data/minimal.sqlite`) |
 * | `redis`            | Redis (node-redis)                    | `REDIS_URL` (required), `REDIS_PREFIX`        |
 * | `postgres`         | PostgreSQL (pg)                       | `DATABASE_URL` (required), `DATABASE_SCHEMA`  |
 *
 * `REDIS_PREFIX` is the key prefix (default `doorman:`) and `DATABASE_SCHEMA` the schema of the
 * tables (default: the connection's `search_path`), so several apps can share one server. The
 * drivers are loaded only when chosen, with the settings of docs/stores/*.md: while the server is
 * down requests fail fast (doorman answers 503), and service resumes by itself when it is back.
 * Cookie sessions cannot be listed or revoked one by one: see docs/revocation.md.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { SessionStore } from 'doorman-login'
import { memoryStore } from 'doorman-login/stores/memory'
import type { StoreConnection } from './user-table.ts'

/** The store (undefined for sealed cookies), its connection, and how to release it. */
export interface OpenedStore {
  store: SessionStore | undefined
  /** The connection the store uses, so the app can keep its users beside the sessions. */
  connection: StoreConnection
  close(): Promise<void>
}

const KINDS = ['cookie', 'memory', 'sqlite', 'redis', 'postgres']

function required(env: Record<string, string | undefined>, name: string, kind: string, example: string): string {
  const v = env[name]?.trim()
  if (!v) throw new Error(`SESSION_STORE=${kind} needs ${name} (e.g. ${name}=${example})`)
  return v
}

/** Open the store for `env.SESSION_STORE` (connecting to Redis or PostgreSQL first). */
export async function storeFromEnv(env: Record<string, string | undefined> = process.env): Promise<OpenedStore> {
  const kind = env.SESSION_STORE || 'cookie'
  switch (kind) {
    case 'cookie':
      return { store: undefined, connection: { kind: 'none' }, close: async () => {} }
    case 'memory':
      return { store: memoryStore(), connection: { kind: 'none' }, close: async () => {} }
    case 'sqlite': {
      const path = env.SQLITE_PATH || './data/minimal.sqlite'
      const [{ default: Database }, { sqliteStore }] = await Promise.all([import('better-sqlite3'), import('doorman-login/stores/sqlite')])
      mkdirSync(dirname(path), { recursive: true })
      const db = new Database(path)
      db.pragma('journal_mode = WAL')
      db.pragma('busy_timeout = 5000')
      return { store: sqliteStore({ db }), connection: { kind: 'sqlite', db }, close: async () => void db.close() }
    }
    case 'redis': {
      const url = required(env, 'REDIS_URL', kind, 'redis://127.0.0.1:6379')
      const [{ createClient }, { redisStore }] = await Promise.all([import('redis'), import('doorman-login/stores/redis')])
      const client = createClient({
        url,
        disableOfflineQueue: true, // fail fast while disconnected
        socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) },
        commandOptions: { timeout: 2000 },
      })
      client.on('error', (e: Error) => console.warn(`redis: ${e.message}`))
      await client.connect()
      const prefix = env.REDIS_PREFIX || 'doorman:'
      return { store: redisStore({ client, prefix }), connection: { kind: 'redis', client, prefix }, close: async () => void (await client.close()) }
    }
    case 'postgres': {
      const connectionString = required(env, 'DATABASE_URL', kind, 'postgres://user@127.0.0.1:5432/app')
      const [{ default: pg }, { postgresStore }] = await Promise.all([import('pg'), import('doorman-login/stores/postgres')])
      const pool = new pg.Pool({ connectionString, connectionTimeoutMillis: 2000, query_timeout: 5000, max: 10 })
      pool.on('error', (e) => console.warn(`postgres: ${e.message}`)) // idle clients cut by a restart
      const schema = env.DATABASE_SCHEMA || undefined
      return { store: postgresStore({ pool, schema }), connection: { kind: 'postgres', pool, schema }, close: () => pool.end() }
    }
    default:
      throw new Error(`SESSION_STORE must be one of ${KINDS.join(', ')} (got ${JSON.stringify(kind)})`)
  }
}

/** Close `close` (the store's connection) on Ctrl-C and SIGTERM, then exit. */
export function closeOnExit(close: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void close().finally(() => process.exit(0)))
  }
}
