import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { testRememberTokenStore, testStore } from '../src/testing/index.ts'
import { sqliteSchema, sqliteStore } from '../src/stores/sqlite.ts'
import { ConfigError } from '../src/errors.ts'
import type { SessionRecord } from '../src/session/store.ts'

testStore('sqlite store', () => sqliteStore({ db: new Database(':memory:') }))
testRememberTokenStore('sqlite store', () => sqliteStore({ db: new Database(':memory:') }))

function rec(userId: string, now: number, expiresAt: number): SessionRecord {
  return { userId, data: { _user_id: userId }, createdAt: now - 10, lastSeenAt: now - 10, expiresAt, ip: null, userAgent: null, rememberSelector: null }
}

/** Run `fn` with a database file path in a fresh temporary folder, removed afterwards. */
async function inTempDir(fn: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-sqlite-'))
  try {
    await fn(join(dir, 'sessions.db'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const count = (db: Database.Database, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n

describe('sqlite store: schema, sweeping, errors', () => {
  it('creates its tables on first use, under the prefix, and exports the same SQL', async () => {
    const db = new Database(':memory:')
    const store = sqliteStore({ db, tablePrefix: 'app_' })
    assert.equal(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'app_sessions'`).get(), undefined)
    await store.get('x')
    const names = (db.prepare(`SELECT name FROM sqlite_master ORDER BY name`).all() as { name: string }[]).map((r) => r.name)
    for (const n of ['app_sessions', 'app_remember_tokens', 'app_sessions_user_id', 'app_sessions_expires_at', 'app_remember_tokens_user_id', 'app_remember_tokens_expires_at']) {
      assert.ok(names.includes(n), n)
    }
    assert.match(sqliteSchema('app_'), /CREATE TABLE IF NOT EXISTS app_sessions/)
    // Idempotent: running it again (a migration, a second process) is harmless.
    db.exec(sqliteSchema('app_'))
  })

  it('with createSchema: false, uses tables a migration made', async () => {
    const db = new Database(':memory:')
    db.exec(sqliteSchema('m_'))
    const store = sqliteStore({ db, tablePrefix: 'm_', createSchema: false })
    const now = Math.floor(Date.now() / 1000)
    await store.create('k', rec('u', now, now + 60), 60)
    assert.equal((await store.get('k'))!.userId, 'u')
    await assert.rejects(sqliteStore({ db: new Database(':memory:'), createSchema: false }).get('k'), /no such table/)
  })

  it('adds the epoch column to remember-token tables made before it existed', async () => {
    const db = new Database(':memory:')
    db.exec(sqliteSchema('old_').replace(',\n  epoch TEXT', ''))
    assert.ok(!(db.prepare(`PRAGMA table_info(old_remember_tokens)`).all() as { name: string }[]).some((c) => c.name === 'epoch'))
    const store = sqliteStore({ db, tablePrefix: 'old_' })
    const now = Math.floor(Date.now() / 1000)
    const t = { selector: 's', validatorHash: 'h', previousHash: null, rotatedAt: null, userId: 'u', createdAt: now, expiresAt: now + 60, lastUsedAt: now, epoch: 'tag' }
    await store.createToken(t, 60)
    assert.deepEqual(await store.getToken('s'), t)
  })

  it('keeps stores with different prefixes in one database apart', async () => {
    const db = new Database(':memory:')
    const a = sqliteStore({ db, tablePrefix: 'a_' })
    const b = sqliteStore({ db, tablePrefix: 'b_' })
    const now = Math.floor(Date.now() / 1000)
    await a.create('k', rec('u', now, now + 60), 60)
    assert.equal(await b.get('k'), null)
  })

  it('refuses a table prefix that is not a plain identifier', () => {
    for (const tablePrefix of ['x; DROP TABLE users; --', '1abc', 'a-b', 'a b']) {
      assert.throws(() => sqliteStore({ db: new Database(':memory:'), tablePrefix }), ConfigError)
    }
    assert.throws(() => sqliteStore({ db: {} as any }), ConfigError)
  })

  it('sweeps expired rows from writes, at most once per sweepInterval', async () => {
    const db = new Database(':memory:')
    let ms = Date.now()
    const store = sqliteStore({ db, sweepInterval: 60, now: () => ms })
    const now = Math.floor(ms / 1000)
    // Rows that are already past their expiry (written straight to the table).
    await store.get('init')
    const insert = db.prepare(`INSERT INTO doorman_sessions (id, user_id, data, created_at, last_seen_at, expires_at) VALUES (?, 'u', '{}', ?, ?, ?)`)
    for (let i = 0; i < 5; i++) insert.run(`old-${i}`, now - 100, now - 100, now - 1)
    db.prepare(`INSERT INTO doorman_remember_tokens (selector, user_id, validator_hash, created_at, expires_at, last_used_at) VALUES ('t-old', 'u', 'h', ?, ?, ?)`).run(now - 100, now - 1, now - 100)
    await store.create('live-1', rec('u', now, now + 3600), 3600) // first write sweeps
    assert.equal(count(db, 'doorman_sessions'), 1)
    assert.equal(count(db, 'doorman_remember_tokens'), 0)
    insert.run('old-late', now - 100, now - 100, now - 1)
    await store.create('live-2', rec('u', now, now + 3600), 3600) // within the interval: no sweep
    assert.equal(count(db, 'doorman_sessions'), 3)
    ms += 61_000
    await store.touch('live-2', now + 61, now + 3661, 3600) // interval passed: sweeps
    assert.equal(count(db, 'doorman_sessions'), 2)
  })

  it('sweep() deletes every expired row on demand, in batches', async () => {
    const db = new Database(':memory:')
    const store = sqliteStore({ db, sweepInterval: 0 })
    const now = Math.floor(Date.now() / 1000)
    await store.get('init')
    const insert = db.prepare(`INSERT INTO doorman_sessions (id, user_id, data, created_at, last_seen_at, expires_at) VALUES (?, 'u', '{}', ?, ?, ?)`)
    db.transaction(() => {
      for (let i = 0; i < 1200; i++) insert.run(`old-${i}`, now - 100, now - 100, now - 1)
    })()
    await store.create('live', rec('u', now, now + 3600), 3600)
    assert.equal(count(db, 'doorman_sessions'), 1201) // sweepInterval 0: writes never sweep
    let total = 0
    for (let n = -1; n !== 0; ) total += n = await store.sweep()
    assert.equal(total, 1200)
    assert.equal(count(db, 'doorman_sessions'), 1)
  })

  it('lets driver errors through (the backend turns them into a 503)', async () => {
    const db = new Database(':memory:')
    const store = sqliteStore({ db })
    await store.get('x')
    db.close()
    await assert.rejects(store.get('x'))
    await assert.rejects(store.getToken('x'))
  })

  it('works on a database file in WAL mode shared by two handles', () =>
    inTempDir(async (file) => {
      const db1 = new Database(file)
      db1.pragma('journal_mode = WAL')
      const db2 = new Database(file)
      const a = sqliteStore({ db: db1 })
      const b = sqliteStore({ db: db2 })
      const now = Math.floor(Date.now() / 1000)
      await a.create('k', rec('u', now, now + 60), 60)
      assert.equal((await b.get('k'))!.userId, 'u')
      await b.destroy('k')
      assert.equal(await a.update('k', rec('u', now, now + 60), 60), false)
      db1.close()
      db2.close()
    }))

  it('works with mmap_size set as the docs recommend, next to a handle without it', () =>
    inTempDir(async (file) => {
      const mapped = new Database(file)
      mapped.pragma('journal_mode = WAL')
      mapped.pragma('mmap_size = 1073741824')
      const plain = new Database(file)
      const a = sqliteStore({ db: mapped })
      const b = sqliteStore({ db: plain })
      const now = Math.floor(Date.now() / 1000)
      // Enough rows that the file spans many pages, and a checkpoint so reads come from the mapping.
      const keys = Array.from({ length: 300 }, (_, i) => `k${i}`)
      for (const k of keys) await b.create(k, rec(`u-${k}`, now, now + 60), 60)
      plain.pragma('wal_checkpoint(TRUNCATE)')
      for (const k of keys) assert.equal((await a.get(k))!.userId, `u-${k}`)
      assert.equal(await a.touch('k7', now, now + 120, 60), true)
      assert.equal((await b.get('k7'))!.expiresAt, now + 120)
      await a.destroy('k8')
      assert.equal(await b.get('k8'), null)
      mapped.close()
      plain.close()
    }))
})
