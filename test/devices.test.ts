/** @module doorman/devices.test: the device list and revocation through a real fetch app (ASVS 7.1.2, 7.4.x, 7.5.2). */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AuthError, ConfigError, NoStoreError, StoreError, createLoginManager } from 'doorman-login'
import { memoryStore } from 'doorman-login/stores/memory'
import { SECRET, makeApp, type Client } from './helpers/auth-app.ts'

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

async function loggedIn(app: ReturnType<typeof makeApp>, name: string, opts: { user?: string; remember?: boolean; ip?: string } = {}) {
  const c = app.client(name, opts.ip)
  const r = await c.get(`/login?id=${opts.user ?? 'alice'}${opts.remember ? '&remember' : ''}`)
  assert.equal(r.body.ok, true)
  return c
}

const who = async (c: Client) => (await c.get('/me')).body.user

/** The session cookie is gone but the remember cookie is kept: can the device come back? */
async function comesBack(app: ReturnType<typeof makeApp>, c: Client): Promise<boolean> {
  const again = app.client('again')
  if (c.remember) again.jar.set('remember_token', c.remember)
  return (await who(again)) !== null
}

describe('device list', () => {
  test('listSessions: one entry per device, oldest first, with ISO times, IP, user agent and current', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a', { ip: '203.0.113.7' })
    app.advance(10)
    const b = await loggedIn(app, 'b', { ip: '198.51.100.2', remember: true })
    await loggedIn(app, 'c', { user: 'bob' })
    const list = (await b.get('/sessions')).body
    assert.equal(list.length, 2, 'only this user’s sessions')
    assert.deepEqual(Object.keys(list[0]).sort(), ['createdAt', 'current', 'id', 'ip', 'lastSeenAt', 'remembered', 'userAgent'])
    assert.deepEqual(list.map((s: any) => [s.ip, s.userAgent, s.current, s.remembered]), [
      ['203.0.113.7', 'a-agent/1.0', false, false],
      ['198.51.100.2', 'b-agent/1.0', true, true],
    ])
    for (const s of list) assert.match(s.createdAt, ISO)
    assert.equal(Date.parse(list[1].createdAt) - Date.parse(list[0].createdAt), 10_000)
    assert.equal((await a.get('/sessions')).body.filter((s: any) => s.current).length, 1)
    // The admin listing is the same list, nobody current.
    const admin = await app.manager.listUserSessions('alice')
    assert.deepEqual(admin.map((s) => s.id), list.map((s: any) => s.id))
    assert.ok(admin.every((s) => s.current === false))
  })

  test('anonymous requests list nothing', async () => {
    const app = makeApp()
    assert.deepEqual((await app.client().get('/sessions')).body, [])
  })
})

describe('revocation', () => {
  test('revokeSession ends that device’s session and its remember token (it cannot come back)', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a')
    const b = await loggedIn(app, 'b', { remember: true })
    const target = (await a.get('/sessions')).body.find((s: any) => !s.current)
    assert.equal((await a.get(`/revoke?id=${target.id}`)).body.ok, true)
    assert.equal(await who(b), null)
    assert.equal(await comesBack(app, b), false, 'the Mastodon lesson: the remember cookie died with the session')
    assert.equal(await who(a), 'alice')
  })

  test('a device restored by its remember cookie is revoked together with that cookie', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a')
    const b = await loggedIn(app, 'b', { remember: true })
    b.restart()
    assert.equal(await who(b), 'alice')
    const target = (await a.get('/sessions')).body.find((s: any) => !s.current && s.userAgent === 'b-agent/1.0')
    await a.get(`/revoke?id=${target.id}`)
    assert.equal(await who(b), null)
    assert.equal(await comesBack(app, b), false)
  })

  test('a browser restart keeps one row per device: the restore ends the session the series made before', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a', { remember: true })
    const b = await loggedIn(app, 'b', { remember: true })
    const before = (await a.get('/sessions')).body.map((s: any) => s.id)
    for (const c of [a, b, a, b]) {
      c.restart()
      assert.equal(await who(c), 'alice')
    }
    const list = (await a.get('/sessions')).body
    assert.deepEqual(list.map((s: any) => s.userAgent).sort(), ['a-agent/1.0', 'b-agent/1.0'], 'two browsers, two rows (not six)')
    assert.ok(list.every((s: any) => !before.includes(s.id) && s.remembered))
    assert.equal(app.store!.size, 2)
    // "Sign out all other devices" counts devices, not ghosts.
    assert.equal((await a.get('/revoke-others')).body.ended, 1)
    assert.equal(await who(b), null)
    assert.equal(await comesBack(app, b), false)
    assert.equal(await who(a), 'alice')
    assert.equal(await comesBack(app, a), true, 'this device’s token survives')
  })

  test('revokeSession refuses another user’s session and malformed ids', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a')
    const bob = await loggedIn(app, 'bob', { user: 'bob' })
    const [bobs] = await app.manager.listUserSessions('bob')
    assert.equal((await a.get(`/revoke?id=${bobs.id}`)).body.ok, false)
    assert.equal((await a.get(`/revoke?id=${encodeURIComponent('../x;')}`)).body.ok, false)
    assert.equal((await app.client('anon').get(`/revoke?id=${bobs.id}`)).body.ok, false)
    assert.equal(await who(bob), 'bob')
  })

  test('revoking the current session is a logout (and ends this device’s token)', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a', { remember: true })
    const [me] = (await a.get('/sessions')).body
    const value = a.remember!
    const r = await a.get(`/revoke?id=${me.id}`)
    assert.equal(r.body.ok, true)
    assert.equal(r.set.get('remember_token'), '')
    assert.equal(await who(a), null)
    const again = app.client('again')
    again.jar.set('remember_token', value)
    assert.equal(await who(again), null)
  })

  test('revokeOtherSessions ends the others (sessions and tokens) and keeps this one', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a', { remember: true })
    const b = await loggedIn(app, 'b', { remember: true })
    const c = await loggedIn(app, 'c')
    assert.equal((await a.get('/revoke-others')).body.ended, 2)
    assert.equal(await who(b), null)
    assert.equal(await who(c), null)
    assert.equal(await comesBack(app, b), false)
    assert.equal(await who(a), 'alice')
    assert.equal((await a.get('/sessions')).body.length, 1)
    assert.equal(await comesBack(app, a), true, 'this device keeps its remember token')
  })

  test('logoutEverywhere ends every session and token, this one included', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a', { remember: true })
    const b = await loggedIn(app, 'b', { remember: true })
    await a.get('/logout-everywhere')
    for (const c of [a, b]) {
      assert.equal(await who(c), null)
      assert.equal(await comesBack(app, c), false)
    }
    assert.deepEqual(await app.manager.listUserSessions('alice'), [])
  })

  test('manager.revokeUserSessions (admin) makes every client of the user anonymous', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a', { remember: true })
    const b = await loggedIn(app, 'b')
    const bob = await loggedIn(app, 'bob', { user: 'bob' })
    assert.equal(await app.manager.revokeUserSessions('alice'), 2)
    assert.equal(await who(a), null)
    assert.equal(await who(b), null)
    assert.equal(await comesBack(app, a), false)
    assert.equal(await who(bob), 'bob')
  })
})

describe('credentialsChanged', () => {
  test('store: other sessions and tokens die; this one continues on a rotated session, still remembered', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a', { remember: true })
    const b = await loggedIn(app, 'b', { remember: true })
    const oldSession = a.session!
    const oldRemember = a.remember!
    const r = await a.get('/password')
    assert.equal(r.body.ok, true)
    assert.ok(a.session && a.session !== oldSession, 'rotated session id')
    assert.ok(a.remember && a.remember !== oldRemember, 'a new remember token for this device')
    assert.deepEqual((await a.get('/me')).body, { user: 'alice', fresh: true, remembered: true, viaRequest: false })
    assert.equal(await who(b), null)
    assert.equal(await comesBack(app, b), false)
    const replay = app.client('a')
    replay.jar.set('session', oldSession)
    assert.equal(await who(replay), null, 'the pre-change session cookie is dead')
    replay.jar.clear()
    replay.jar.set('remember_token', oldRemember)
    assert.equal(await who(replay), null, 'the pre-change remember cookie is dead')
    assert.equal(await comesBack(app, a), true, 'the new one works')
  })

  test('a device without remember-me stays without it', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a')
    await a.get('/password')
    assert.equal(a.remember, undefined)
    assert.equal(await who(a), 'alice')
  })

  test('called while logged out (a reset link): every session ends, nobody is logged in', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a', { remember: true })
    const anon = app.client('anon')
    assert.equal((await anon.get('/password?id=alice')).body.ok, false)
    assert.equal(await who(anon), null)
    assert.equal(await who(a), null)
    assert.equal(await comesBack(app, a), false)
  })

  test('cookie sessions: the new auth epoch ends the other sessions and sealed remember cookies', async () => {
    const app = makeApp({ withStore: false })
    const a = await loggedIn(app, 'a', { remember: true })
    const b = await loggedIn(app, 'b', { remember: true })
    const oldSession = a.session!
    assert.equal((await a.get('/password')).body.ok, true)
    assert.notEqual(a.session, oldSession)
    assert.deepEqual((await a.get('/me')).body, { user: 'alice', fresh: true, remembered: true, viaRequest: false })
    assert.equal(await who(b), null)
    assert.equal(await comesBack(app, b), false)
    assert.equal(await comesBack(app, a), true)
    const replay = app.client('a')
    replay.jar.set('session', oldSession)
    assert.equal(await who(replay), null, 'a copy of the pre-change cookie is dead too')
  })

  test('cookie sessions without authEpoch: credentialsChanged cannot keep its promise and says so', async () => {
    const app = makeApp({ withStore: false, authEpoch: undefined })
    const a = await loggedIn(app, 'a')
    await assert.rejects(() => a.get('/password'), (e: any) => e instanceof NoStoreError && e.code === 'DOORMAN_NO_STORE')
    assert.equal(await who(a), 'alice')
  })
})

describe('during a store outage', () => {
  test('the device list and revocation fail closed with StoreError (503), and work again after', async () => {
    const app = makeApp()
    const a = await loggedIn(app, 'a')
    await loggedIn(app, 'b')
    const store = app.store!
    // Every method of the store fails, as when its server is unreachable.
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(store)).filter((k) => k !== 'constructor' && typeof (store as any)[k] === 'function')
    const down = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))
    for (const k of methods) (store as any)[k] = down
    const lines: unknown[] = []
    const error = console.error
    console.error = (...args: unknown[]) => void lines.push(args)
    const stderr = process.stderr.write
    process.stderr.write = ((chunk: unknown) => (lines.push(chunk), true)) as typeof process.stderr.write
    try {
      for (const ask of [
        () => app.manager.listUserSessions('alice'),
        () => app.manager.revokeUserSessions('alice'),
      ]) {
        await assert.rejects(ask, (e: any) => e instanceof StoreError && e.code === 'DOORMAN_STORE_UNAVAILABLE' && e.status === 503)
      }
    } finally {
      console.error = error
      process.stderr.write = stderr
      for (const k of methods) delete (store as any)[k]
    }
    assert.ok(lines.length <= 1, `one line for the outage at most, got ${JSON.stringify(lines)}`)
    assert.equal((await a.get('/sessions')).body.length, 2, 'back once the store is')
  })
})

describe('without a store', () => {
  test('the device list and revocation throw NoStoreError (DOORMAN_NO_STORE)', async () => {
    const app = makeApp({ withStore: false })
    const a = await loggedIn(app, 'a')
    for (const path of ['/sessions', '/revoke?id=x', '/revoke-others', '/logout-everywhere']) {
      await assert.rejects(() => a.get(path), (e: any) => e instanceof AuthError && e.code === 'DOORMAN_NO_STORE', path)
    }
    await assert.rejects(() => app.manager.listUserSessions('alice'), NoStoreError)
    await assert.rejects(() => app.manager.revokeUserSessions('alice'), NoStoreError)
  })

  test('maxSessionsPerUser without a store is a start-up ConfigError; bad values too', () => {
    const base = { secret: SECRET, userLoader: () => null }
    assert.throws(() => createLoginManager({ ...base, maxSessionsPerUser: 2 }), (e: any) => e instanceof ConfigError && e.option === 'maxSessionsPerUser')
    assert.throws(() => createLoginManager({ ...base, store: memoryStore(), maxSessionsPerUser: 0 }), ConfigError)
    assert.throws(() => createLoginManager({ ...base, store: memoryStore(), sessionCapPolicy: 'lifo' as any }), ConfigError)
    assert.equal(createLoginManager({ ...base, store: memoryStore(), maxSessionsPerUser: 3 }).sessionCap?.policy, 'evict-oldest')
  })
})

describe('maxSessionsPerUser', () => {
  test("'evict-oldest': the third login ends the oldest session and its remember token", async () => {
    const app = makeApp({ maxSessionsPerUser: 2 })
    const a = await loggedIn(app, 'a', { remember: true })
    app.advance(1)
    const b = await loggedIn(app, 'b')
    app.advance(1)
    const c = await loggedIn(app, 'c')
    assert.equal(await who(a), null)
    assert.equal(await comesBack(app, a), false)
    assert.equal(await who(b), 'alice')
    assert.equal(await who(c), 'alice')
    const ev = app.events.filter((e) => e.name === 'sessionLimitReached')
    assert.deepEqual(ev.map((e) => [e.payload.userId, e.payload.policy, e.payload.evicted]), [['alice', 'evict-oldest', 1]])
    // Logging in again on a device that already has a session does not count twice.
    await c.get('/login?id=alice')
    assert.equal(await who(b), 'alice')
    assert.equal((await app.manager.listUserSessions('alice')).length, 2)
  })

  test("'refuse': the third login returns false and changes nothing; the others stay", async () => {
    const app = makeApp({ maxSessionsPerUser: 2, sessionCapPolicy: 'refuse' })
    const a = await loggedIn(app, 'a')
    const b = await loggedIn(app, 'b')
    const c = app.client('c')
    const r = await c.get('/login?id=alice&remember')
    assert.equal(r.body.ok, false)
    assert.equal(r.set.size, 0, 'no cookie was set')
    assert.equal(await who(c), null)
    assert.equal(await who(a), 'alice')
    assert.equal(await who(b), 'alice')
    assert.deepEqual(app.events.filter((e) => e.name === 'sessionLimitReached').map((e) => e.payload.policy), ['refuse'])
    // Once a device logs out there is room again.
    await a.get('/logout')
    assert.equal((await c.get('/login?id=alice')).body.ok, true)
  })
})
