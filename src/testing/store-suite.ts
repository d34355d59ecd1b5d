/**
 * @module internal/testing/store-suite: the conformance suite every `SessionStore` must pass.
 *
 * It registers `node:test` tests; run it from a test file with a factory that returns a fresh,
 * empty store each time (a new key prefix, schema or database).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { SessionRecord, SessionStore } from '../session/store.ts'
import { randomToken } from '../crypto/primitives.ts'
import { rotationTests } from './store-rotation.ts'

/** Options of {@link testStore}. */
export interface TestStoreOptions {
  /** Skip the whole suite with this reason (e.g. the server is not installed). */
  skip?: string | false
  /** Called after the suite, to close clients. */
  teardown?: () => Promise<void> | void
}

function record(userId: string, over: Partial<SessionRecord> = {}): SessionRecord {
  const now = Math.floor(Date.now() / 1000)
  return {
    userId,
    data: { _user_id: userId, theme: 'dark', nested: { list: [1, 'two', null], uni: '佐藤 ✓' } },
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 3600,
    ip: '127.0.0.1',
    userAgent: 'test-agent',
    rememberSelector: null,
    ...over,
  }
}

const id = () => randomToken(32)

/**
 * Register the store conformance tests.
 *
 * @param name - suite name, e.g. `'redis store'`.
 * @param makeStore - returns a fresh store for one test.
 * @example
 * ```ts
 * import { testStore } from 'doorman-login/testing'
 * testStore('my store', async () => new MyStore(client))
 * ```
 */
export function testStore(name: string, makeStore: () => Promise<SessionStore> | SessionStore, options: TestStoreOptions = {}): void {
  describe(`${name}: SessionStore conformance`, { skip: options.skip || false }, () => {
    it('returns null for an unknown id', async () => {
      const s = await makeStore()
      assert.equal(await s.get(id()), null)
    })

    it('round-trips a record exactly, JSON and Unicode included', async () => {
      const s = await makeStore()
      const k = id()
      const rec = record('佐藤')
      await s.create(k, rec, 3600)
      assert.deepEqual(await s.get(k), rec)
    })

    it('returns copies: mutating a result does not change the store', async () => {
      const s = await makeStore()
      const k = id()
      await s.create(k, record('u1'), 3600)
      const got = (await s.get(k))!
      ;(got.data as any).theme = 'light'
      assert.equal(((await s.get(k))!.data as any).theme, 'dark')
    })

    it('update replaces an existing record and reports true', async () => {
      const s = await makeStore()
      const k = id()
      await s.create(k, record('u1'), 3600)
      const next = record('u1', { data: { _user_id: 'u1', theme: 'light' } })
      assert.equal(await s.update(k, next, 3600), true)
      assert.deepEqual((await s.get(k))!.data, { _user_id: 'u1', theme: 'light' })
    })

    it('update never re-creates a destroyed record (logout is final)', async () => {
      const s = await makeStore()
      const k = id()
      await s.create(k, record('u1'), 3600)
      await s.destroy(k)
      assert.equal(await s.update(k, record('u1'), 3600), false)
      assert.equal(await s.get(k), null)
    })

    it('touch refreshes activity only while the record exists', async () => {
      const s = await makeStore()
      const k = id()
      const rec = record('u1')
      await s.create(k, rec, 3600)
      assert.equal(await s.touch(k, rec.lastSeenAt + 10, rec.expiresAt + 10, 3610), true)
      const got = (await s.get(k))!
      assert.equal(got.lastSeenAt, rec.lastSeenAt + 10)
      assert.equal(got.expiresAt, rec.expiresAt + 10)
      assert.deepEqual(got.data, rec.data)
      await s.destroy(k)
      assert.equal(await s.touch(k, rec.lastSeenAt + 20, rec.expiresAt + 20, 3620), false)
      assert.equal(await s.get(k), null)
    })

    it('a record past its expiresAt reads as missing', async () => {
      const s = await makeStore()
      const k = id()
      const now = Math.floor(Date.now() / 1000)
      await s.create(k, record('u1', { createdAt: now - 100, lastSeenAt: now - 100, expiresAt: now - 1 }), 3600)
      assert.equal(await s.get(k), null)
    })

    it('destroy is idempotent', async () => {
      const s = await makeStore()
      const k = id()
      await s.destroy(k)
      await s.create(k, record('u1'), 3600)
      await s.destroy(k)
      await s.destroy(k)
      assert.equal(await s.get(k), null)
    })

    it('lists a user’s sessions oldest first, and only theirs', async () => {
      const s = await makeStore()
      const now = Math.floor(Date.now() / 1000)
      const user = `u-${randomToken(6)}`
      const ids = [id(), id(), id()]
      for (let i = 0; i < 3; i++) await s.create(ids[i], record(user, { createdAt: now - 30 + i * 10, lastSeenAt: now }), 3600)
      await s.create(id(), record(`other-${user}`), 3600)
      const list = await s.listUserSessions(user)
      assert.deepEqual(list.map((x) => x.id), ids)
      assert.ok(list.every((x) => x.record.userId === user))
      assert.deepEqual(await s.listUserSessions(`nobody-${user}`), [])
    })

    it('destroyUserSessions ends every session of the user but the one kept', async () => {
      const s = await makeStore()
      const user = `u-${randomToken(6)}`
      const [a, b, c, other] = [id(), id(), id(), id()]
      for (const k of [a, b, c]) await s.create(k, record(user), 3600)
      await s.create(other, record(`other-${user}`), 3600)
      assert.equal(await s.destroyUserSessions(user, b), 2)
      assert.equal(await s.get(a), null)
      assert.equal(await s.get(c), null)
      assert.notEqual(await s.get(b), null)
      assert.notEqual(await s.get(other), null)
      assert.equal(await s.destroyUserSessions(user), 1)
      assert.deepEqual(await s.listUserSessions(user), [])
      assert.equal(await s.update(b, record(user), 3600), false)
    })

    it('concurrent updates racing a destroy never resurrect the session', async () => {
      const s = await makeStore()
      const k = id()
      await s.create(k, record('u1'), 3600)
      const writes = Array.from({ length: 20 }, (_, i) => s.update(k, record('u1', { data: { i } }), 3600))
      const kill = s.destroy(k)
      await Promise.all([...writes, kill])
      await Promise.all(Array.from({ length: 5 }, () => s.update(k, record('u1'), 3600)))
      assert.equal(await s.get(k), null)
      assert.deepEqual((await s.listUserSessions('u1')).filter((x) => x.id === k), [])
    })

    rotationTests(makeStore, record)

    it('a session kept alive by touch stays listed and revocable with its user', async () => {
      const s = await makeStore()
      const now = Math.floor(Date.now() / 1000)
      const user = `u-${randomToken(6)}`
      const k = id()
      // Created to expire in 2 s, then kept alive: whatever indexes the store keeps must follow.
      await s.create(k, record(user, { expiresAt: now + 2 }), 2)
      assert.equal(await s.touch(k, now + 1, now + 3600, 3600), true)
      await new Promise((r) => setTimeout(r, 2200))
      assert.deepEqual((await s.listUserSessions(user)).map((x) => x.id), [k])
      assert.equal(await s.destroyUserSessions(user), 1)
      assert.equal(await s.get(k), null)
    })

    it('destroySessionsBySelector (optional) ends exactly the sessions of that remember series', async (t) => {
      const s = await makeStore()
      if (typeof s.destroySessionsBySelector !== 'function') return t.skip('the store does not implement it')
      const user = `u-${randomToken(6)}`
      const [sel, other] = [randomToken(16), randomToken(16)]
      const [a, b, c, d] = [id(), id(), id(), id()]
      await s.create(a, record(user, { rememberSelector: sel }), 3600)
      await s.create(b, record(user, { rememberSelector: other }), 3600)
      await s.create(c, record(user), 3600)
      await s.create(d, record(user), 3600)
      // A session linked to the series later, by an update.
      assert.equal(await s.update(d, record(user, { rememberSelector: sel }), 3600), true)
      assert.equal(await s.destroySessionsBySelector(sel), 2)
      assert.equal(await s.get(a), null)
      assert.equal(await s.get(d), null)
      assert.notEqual(await s.get(b), null)
      assert.notEqual(await s.get(c), null)
      assert.equal(await s.destroySessionsBySelector(sel), 0)
      assert.equal(await s.destroySessionsBySelector(randomToken(16)), 0)
      assert.deepEqual((await s.listUserSessions(user)).map((x) => x.id).sort(), [b, c].sort())
    })

    it('keeps many sessions apart', async () => {
      const s = await makeStore()
      const keys = Array.from({ length: 50 }, id)
      await Promise.all(keys.map((k, i) => s.create(k, record(`user-${i % 5}`, { data: { i } }), 3600)))
      const got = await Promise.all(keys.map((k) => s.get(k)))
      got.forEach((r, i) => assert.deepEqual(r!.data, { i }))
    })

    if (options.teardown) it('tears down', async () => options.teardown!())
  })
}
