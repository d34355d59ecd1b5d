/**
 * Every store doorman ships, opened against the test servers, for tests that must hold on all of
 * them (logout races, outages, several processes). Each case opens an empty store in its own
 * namespace and closes (and cleans up) after itself.
 */
import Database from 'better-sqlite3'
import pg from 'pg'
import { memoryStore } from '../../src/stores/memory.ts'
import { sqliteStore } from '../../src/stores/sqlite.ts'
import { redisStore } from '../../src/stores/redis.ts'
import { postgresStore } from '../../src/stores/postgres.ts'
import { randomToken } from '../../src/crypto/primitives.ts'
import type { SessionStore } from '../../src/session/store.ts'
import { databaseUrl, redisUrl, serviceSkip } from './services.ts'
import { connectRedis, deletePrefix, type RedisFlavour } from './redis-clients.ts'

/** An open store and how to close it. */
export interface OpenStore {
  store: SessionStore
  /** The driver's client (redis client or pg Pool), when there is one. */
  client?: any
  close(): Promise<void>
}

/** One store to run a test against. */
export interface StoreCase {
  name: string
  kind: 'memory' | 'sqlite' | 'redis' | 'postgres'
  /** `describe` skip option (throws under CI when the server is missing). */
  skip: string | false
  open(): Promise<OpenStore>
}

/** A pg Pool configured as docs/stores/postgres.md recommends (fails fast when the server is down). */
export function testPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl(), connectionTimeoutMillis: 2000, max: 10 })
  pool.on('error', () => {}) // idle clients cut by a server restart; the next query reports
  return pool
}

function redisCase(flavour: RedisFlavour, ns: string): StoreCase {
  return {
    name: `redis (${flavour})`,
    kind: 'redis',
    skip: serviceSkip('redis'),
    async open() {
      const c = await connectRedis(flavour, redisUrl()!)
      const prefix = `${ns}:${flavour}:${randomToken(6)}:`
      return {
        store: redisStore({ client: c.client, prefix }),
        client: c.client,
        async close() {
          await deletePrefix(flavour, c.client, prefix).catch(() => {})
          await c.close()
        },
      }
    },
  }
}

/** Memory, SQLite, Redis through both clients, and PostgreSQL. `ns` comes from `testNamespace`. */
export function storeCases(ns: string): StoreCase[] {
  return [
    { name: 'memory', kind: 'memory', skip: false, open: async () => ({ store: memoryStore(), close: async () => {} }) },
    {
      name: 'sqlite',
      kind: 'sqlite',
      skip: false,
      async open() {
        const db = new Database(':memory:')
        return { store: sqliteStore({ db }), client: db, close: async () => void db.close() }
      },
    },
    redisCase('node-redis', ns),
    redisCase('ioredis', ns),
    {
      name: 'postgres (pg Pool)',
      kind: 'postgres',
      skip: serviceSkip('postgres'),
      async open() {
        const pool = testPool()
        const tablePrefix = `r${randomToken(4).toLowerCase().replace(/[^a-z0-9]/g, 'x')}_`
        return {
          store: postgresStore({ pool, schema: ns, tablePrefix }),
          client: pool,
          async close() {
            await pool.query(`DROP TABLE IF EXISTS "${ns}"."${tablePrefix}sessions", "${ns}"."${tablePrefix}remember_tokens"`).catch(() => {})
            await pool.end()
          },
        }
      },
    },
  ]
}
