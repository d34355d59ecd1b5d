import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { testRememberTokenStore, testStore } from '../src/testing/index.ts'
import { postgresSchema, postgresStore, type PgQuery } from '../src/stores/postgres.ts'
import { ConfigError } from '../src/errors.ts'
import type { SessionRecord } from '../src/session/store.ts'
import { databaseUrl, serviceSkip, testNamespace } from './helpers/services.ts'

const skip = serviceSkip('postgres')
const schema = testNamespace(import.meta.url)

let pool: pg.Pool | undefined
const getPool = () => {
  if (!pool) {
    pool = new pg.Pool({ connectionString: databaseUrl(), connectionTimeoutMillis: 5000, max: 10 })
    pool.on('error', () => {})
  }
  return pool
}
let n = 0
// Each test gets its own tables (a new prefix in the file's schema): a fresh, empty store.
const make = () => postgresStore({ pool: getPool(), schema, tablePrefix: `t${n++}_` })
testStore('postgres store (pg Pool)', make, { skip })
testRememberTokenStore('postgres store (pg Pool)', make, { skip })

// The `postgres` (porsager) shape: `sql.unsafe(text, values)` resolving to rows with a `count`.
// The library is not installed here; this drives the same code path over pg.
const porsagerLike = () => ({
  unsafe: (text: string, values?: any[]) => getPool().query(text, values).then((r: any) => {
    const last = Array.isArray(r) ? r[r.length - 1] : r
    return Object.assign(last.rows, { count: last.rowCount })
  }),
})
testStore('postgres store (postgres.js shape)', () => postgresStore({ pool: porsagerLike(), schema, tablePrefix: `p${n++}_` }), { skip })

function rec(userId: string, now: number, expiresAt: number): SessionRecord {
  return { userId, data: { _user_id: userId }, createdAt: now - 10, lastSeenAt: now - 10, expiresAt, ip: '::1', userAgent: 'ua', rememberSelector: null }
}

describe('postgres store: schema, sweeping, queries, errors', { skip }, () => {
  const q = (text: string, values?: unknown[]) => getPool().query(text, values as any[])
  const count = async (table: string) => Number((await q(`SELECT count(*) AS n FROM "${schema}"."${table}"`)).rows[0].n)

  before(async () => {
    await q(`DROP SCHEMA IF EXISTS "${schema}_race" CASCADE`)
  })
  after(async () => {
    await q(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await q(`DROP SCHEMA IF EXISTS "${schema}_race" CASCADE`)
    await pool?.end()
  })

  it('creates its schema safely when many processes start at once (advisory lock)', async () => {
    const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: databaseUrl(), max: 4 }))
    try {
      const stores = pools.flatMap((p) => [0, 1, 2, 3].map(() => postgresStore({ pool: p, schema: `${schema}_race` })))
      await Promise.all(stores.map((s) => s.get('x')))
      const tables = (await q(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [`${schema}_race`])).rows.map((r) => r.tablename)
      assert.deepEqual(tables, ['doorman_remember_tokens', 'doorman_sessions'])
    } finally {
      await Promise.all(pools.map((p) => p.end()))
    }
  })

  it('after the schema is ready, a get is exactly one query', async () => {
    const seen: string[] = []
    const query: PgQuery = (text, values) => {
      seen.push(text)
      return getPool().query(text, values as any[])
    }
    const store = postgresStore({ query, schema, tablePrefix: 'count_' })
    await store.get('a')
    seen.length = 0
    await store.get('b')
    await store.get('c')
    assert.equal(seen.length, 2)
    assert.match(seen[0], /^SELECT .* WHERE id = \$1 AND expires_at > \$2$/)
  })

  it('runs no DDL (no table locks) when the schema is already complete', async () => {
    await postgresStore({ pool: getPool(), schema, tablePrefix: 'done_' }).get('x')
    const seen: string[] = []
    const query: PgQuery = (text, values) => {
      seen.push(text)
      return getPool().query(text, values as any[])
    }
    await postgresStore({ query, schema, tablePrefix: 'done_' }).get('x')
    assert.equal(seen.length, 2)
    assert.match(seen[0], /^SELECT to_regclass/)
    assert.ok(!seen.some((t) => /CREATE|ALTER/.test(t)))
  })

  it('adds the epoch column to remember-token tables made before it existed', async () => {
    await q(postgresSchema({ schema, tablePrefix: 'old_' }).replace(',\n  epoch text', '').replace(/ALTER TABLE[^;]*;/, ''))
    const cols = async () => (await q(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'old_remember_tokens'`, [schema])).rows.map((r) => r.column_name)
    assert.ok(!(await cols()).includes('epoch'))
    const store = postgresStore({ pool: getPool(), schema, tablePrefix: 'old_' })
    const now = Math.floor(Date.now() / 1000)
    const t = { selector: 's', validatorHash: 'h', previousHash: null, rotatedAt: null, userId: 'u', createdAt: now, expiresAt: now + 60, lastUsedAt: now, epoch: 'tag' }
    await store.createToken(t, 60)
    assert.deepEqual(await store.getToken('s'), t)
    assert.ok((await cols()).includes('epoch'))
  })

  it('retries schema creation after a failure instead of caching it', async () => {
    let fail = true
    const query: PgQuery = (text, values) => {
      if (fail) return Promise.reject(new Error('connect ECONNREFUSED'))
      return getPool().query(text, values as any[])
    }
    const store = postgresStore({ query, schema, tablePrefix: 'retry_' })
    await assert.rejects(store.get('a'), /ECONNREFUSED/)
    fail = false
    assert.equal(await store.get('a'), null)
  })

  it('with createSchema: false, uses tables a migration made', async () => {
    await q(postgresSchema({ schema, tablePrefix: 'mig_' }))
    const store = postgresStore({ pool: getPool(), schema, tablePrefix: 'mig_', createSchema: false })
    const now = Math.floor(Date.now() / 1000)
    await store.create('k', rec('u', now, now + 60), 60)
    assert.equal((await store.get('k'))!.userId, 'u')
    await assert.rejects(postgresStore({ pool: getPool(), schema, tablePrefix: 'nothere_', createSchema: false }).get('k'), /does not exist/)
  })

  it('refuses schema and prefix names that are not plain identifiers', () => {
    for (const bad of ['a"; DROP TABLE users; --', '1abc', 'a-b', '']) {
      assert.throws(() => postgresStore({ pool: getPool(), schema: bad }), ConfigError)
    }
    assert.throws(() => postgresStore({ pool: getPool(), tablePrefix: 'x y' }), ConfigError)
    assert.throws(() => postgresStore({} as any), ConfigError)
  })

  it('sweeps expired rows from writes (beside the request), at most once per interval', async () => {
    let ms = Date.now()
    const store = postgresStore({ pool: getPool(), schema, tablePrefix: 'sw_', sweepInterval: 60, now: () => ms })
    const now = Math.floor(ms / 1000)
    await store.get('init')
    for (let i = 0; i < 5; i++) await q(`INSERT INTO "${schema}".sw_sessions (id, user_id, data, created_at, last_seen_at, expires_at) VALUES ($1, 'u', '{}', $2, $2, $3)`, [`old-${i}`, now - 100, now - 1])
    await q(`INSERT INTO "${schema}".sw_remember_tokens (selector, user_id, validator_hash, created_at, expires_at, last_used_at) VALUES ('old', 'u', 'h', $1, $2, $1)`, [now - 100, now - 1])
    await store.create('live', rec('u', now, now + 3600), 3600) // first write starts a sweep
    const deadline = Date.now() + 10_000
    // The background sweep deletes sessions, then tokens: wait for both before asserting.
    while (((await count('sw_sessions')) !== 1 || (await count('sw_remember_tokens')) !== 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
    }
    assert.equal(await count('sw_sessions'), 1)
    assert.equal(await count('sw_remember_tokens'), 0)
    await q(`INSERT INTO "${schema}".sw_sessions (id, user_id, data, created_at, last_seen_at, expires_at) VALUES ('late', 'u', '{}', $1, $1, $2)`, [now - 100, now - 1])
    await store.touch('live', now, now + 3600, 3600) // within the interval: no sweep
    assert.equal(await store.sweep(), 1) // on demand
    assert.equal(await count('sw_sessions'), 1)
  })

  it('lets driver errors through (the backend turns them into a 503)', async () => {
    const p = new pg.Pool({ connectionString: databaseUrl() })
    const store = postgresStore({ pool: p, schema })
    await store.get('x')
    await p.end()
    await assert.rejects(store.get('x'))
    await assert.rejects(store.rotateToken('s', 'a', 'b', 1))
  })
})
