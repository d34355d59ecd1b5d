/** @module doorman/remember-tokens.test: per-device remember-me tokens through a real app (security.md §5). */

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { ConfigError, StoredRemember, createLoginManager } from 'doorman-login'
import { SealedRemember } from '../src/remember.ts'
import { memoryStore } from 'doorman-login/stores/memory'
import { SECRET, makeApp } from './helpers/auth-app.ts'

const FORMAT = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/
const selectorOf = (v: string) => v.split('.')[0]
const sha = (s: string) => createHash('sha256').update(s).digest('base64url')

/** A client logged in with remember-me whose browser then restarted (no session cookie). */
async function remembered(app: ReturnType<typeof makeApp>, name = 'dev', user = 'alice') {
  const c = app.client(name)
  assert.equal((await c.get(`/login?id=${user}&remember`)).body.ok, true)
  c.restart()
  return c
}

describe('stored remember tokens: issue and restore', () => {
  test('with a token-keeping store the default format is StoredRemember; format sealed forces the cookie token', () => {
    const store = memoryStore()
    const base = { secret: SECRET, userLoader: () => null, store }
    assert.ok(createLoginManager(base).remember instanceof StoredRemember)
    assert.ok(createLoginManager({ ...base, remember: { format: 'sealed' } }).remember instanceof SealedRemember)
    assert.ok(createLoginManager({ secret: SECRET, userLoader: () => null }).remember instanceof SealedRemember)
    assert.throws(() => createLoginManager({ secret: SECRET, remember: { format: 'stored' } }), ConfigError)
    assert.throws(() => createLoginManager({ ...base, remember: { rotationGrace: -1 } }), ConfigError)
    assert.equal((createLoginManager({ ...base, remember: { rotationGrace: '30s' } }).remember as StoredRemember).rotationGrace, 30)
  })

  test('the cookie is selector.validator; the store keeps only SHA-256 of the validator and the absolute expiry', async () => {
    const app = makeApp()
    const c = app.client()
    await c.get('/login?id=alice&remember')
    const value = c.remember!
    assert.match(value, FORMAT)
    const [selector, validator] = value.split('.')
    const rec = (await app.store!.getToken(selector))!
    assert.equal(rec.userId, 'alice')
    assert.equal(rec.validatorHash, sha(validator))
    assert.equal(rec.expiresAt, app.nowSeconds() + 365 * 86400)
    assert.ok(!JSON.stringify(rec).includes(validator), 'the plaintext validator is never stored')
    assert.equal(typeof rec.epoch, 'string', 'the auth-epoch tag rides along (a MAC, not the raw epoch)')
    assert.notEqual(rec.epoch, '1')
  })

  test('a restore makes a new, non-fresh session linked to the token, and rotates the validator', async () => {
    const app = makeApp()
    const c = await remembered(app)
    const old = c.remember!
    const r = await c.get('/me')
    assert.deepEqual(r.body, { user: 'alice', fresh: false, remembered: true, viaRequest: false })
    assert.ok(r.set.get('session'), 'a new session cookie')
    const fresh = r.set.get('remember_token')!
    assert.match(fresh, FORMAT)
    assert.notEqual(fresh, old)
    assert.equal(selectorOf(fresh), selectorOf(old), 'same series')
    const [s] = (await app.store!.listUserSessions('alice')).filter((x) => x.record.rememberSelector === selectorOf(old))
    assert.ok(s, 'the new session record names the token that created it')
    assert.equal(app.events.filter((e) => e.name === 'loadedFromCookie').length, 1)
    // The next request rides the session; the rotated cookie is still a valid credential.
    assert.deepEqual((await c.get('/me')).body, { user: 'alice', fresh: false, remembered: true, viaRequest: false })
  })

  test('the previous validator is accepted within the grace window without a new cookie, then is theft', async () => {
    const app = makeApp()
    const c = await remembered(app)
    const old = c.remember!
    const first = await c.get('/me')
    const current = first.set.get('remember_token')!
    // A second tab still holding the old cookie, 30 s later: accepted, and it must not overwrite the new cookie.
    app.advance(30)
    const tab = app.client('dev')
    tab.jar.set('remember_token', old)
    const late = await tab.get('/me')
    assert.equal(late.body.user, 'alice')
    assert.equal(late.set.has('remember_token'), false, 'no remember Set-Cookie from the grace path')
    assert.equal(app.events.some((e) => e.name === 'rememberTokenTheftSuspected'), false)
    // After the window the old validator means someone else holds a copy.
    app.advance(31)
    const thief = app.client('thief')
    thief.jar.set('remember_token', old)
    const r = await thief.get('/me')
    assert.equal(r.body.user, null)
    assert.equal(r.set.get('remember_token'), '', 'the cookie is cleared')
    const theft = app.events.filter((e) => e.name === 'rememberTokenTheftSuspected')
    assert.equal(theft.length, 1)
    assert.equal(theft[0].payload.userId, 'alice')
    assert.equal(await app.store!.getToken(selectorOf(old)), null, 'the series is deleted')
    // The sessions that series created die with it, and the current validator is dead too.
    assert.equal((await c.get('/me')).body.user, null)
    assert.equal((await tab.get('/me')).body.user, null, 'the grace-path session is gone too')
    c.restart()
    c.jar.set('remember_token', current)
    assert.equal((await c.get('/me')).body.user, null)
  })

  test('rotationGrace is an option', async () => {
    const app = makeApp({ remember: { rotationGrace: 5 } })
    const c = await remembered(app)
    const old = c.remember!
    await c.get('/me')
    app.advance(6)
    const other = app.client('other')
    other.jar.set('remember_token', old)
    assert.equal((await other.get('/me')).body.user, null)
    assert.equal(app.events.filter((e) => e.name === 'rememberTokenTheftSuspected').length, 1)
  })

  test('five parallel requests after a browser restart, same old cookie: all authenticated, no theft', async () => {
    const app = makeApp()
    const c = await remembered(app)
    const old = c.remember!
    const replies = await Promise.all(Array.from({ length: 5 }, () => c.get('/me', { cookie: `remember_token=${old}` })))
    for (const r of replies) assert.equal(r.body.user, 'alice')
    assert.equal(app.events.some((e) => e.name === 'rememberTokenTheftSuspected'), false)
    const rotated = replies.filter((r) => r.set.get('remember_token'))
    assert.equal(rotated.length, 1, 'exactly one response (the CAS winner) carries the new cookie')
    assert.equal(replies.some((r) => r.set.get('remember_token') === ''), false, 'nobody clears it')
    // The winner's cookie keeps working after the grace window.
    app.advance(120)
    const next = app.client('dev')
    next.jar.set('remember_token', rotated[0].set.get('remember_token')!)
    assert.equal((await next.get('/me')).body.user, 'alice')
  })

  test('rotation never extends the absolute expiry; past it the token logs nobody in', async () => {
    const app = makeApp({ remember: { duration: 3600 } })
    const c = await remembered(app)
    const sel = selectorOf(c.remember!)
    const expiresAt = (await app.store!.getToken(sel))!.expiresAt
    app.advance(1800)
    const r = await c.get('/me')
    assert.equal(r.body.user, 'alice')
    assert.ok(r.set.get('remember_token'), 'rotated')
    assert.equal((await app.store!.getToken(sel))!.expiresAt, expiresAt, 'rotation kept the absolute expiry')
    // The rotated cookie's Max-Age is what is left, not a new full duration.
    const line = r.lines.find((l) => l.startsWith('remember_token='))!
    assert.equal(Number(/Max-Age=(\d+)/i.exec(line)![1]), 1800)
    app.advance(1801)
    c.restart()
    const gone = await c.get('/me')
    assert.equal(gone.body.user, null)
    assert.equal(gone.set.get('remember_token'), '')
  })
})

describe('stored remember tokens: revocation', () => {
  test('logout revokes only this device’s token; another device’s remember cookie still works', async () => {
    const app = makeApp()
    const a = app.client('a')
    const b = app.client('b')
    await a.get('/login?id=alice&remember')
    await b.get('/login?id=alice&remember')
    const aValue = a.remember!
    const r = await a.get('/logout')
    assert.equal(r.set.get('remember_token'), '')
    assert.equal(await app.store!.getToken(selectorOf(aValue)), null)
    b.restart()
    assert.equal((await b.get('/me')).body.user, 'alice')
    const replay = app.client('a')
    replay.jar.set('remember_token', aValue)
    assert.equal((await replay.get('/me')).body.user, null)
  })

  test('a logout with someone else’s selector and a made-up validator deletes nothing', async () => {
    const app = makeApp()
    const victim = await remembered(app, 'victim')
    const sel = selectorOf(victim.remember!)
    const attacker = app.client('attacker')
    await attacker.get('/login?id=bob')
    attacker.jar.set('remember_token', `${sel}.${'A'.repeat(42)}w`)
    await attacker.get('/logout')
    assert.ok(await app.store!.getToken(sel))
    assert.equal((await victim.get('/me')).body.user, 'alice')
  })

  test('an auth-epoch change (password changed elsewhere) makes every remember token useless, and deletes it', async () => {
    const app = makeApp()
    const a = await remembered(app, 'a')
    const b = await remembered(app, 'b')
    app.users.get('alice')!.epoch++
    for (const c of [a, b]) {
      const sel = selectorOf(c.remember!)
      const r = await c.get('/me')
      assert.equal(r.body.user, null)
      assert.equal(r.set.get('remember_token'), '')
      assert.equal(await app.store!.getToken(sel), null)
    }
  })

  test('logoutEverywhere revokes every token of the user', async () => {
    const app = makeApp()
    const a = app.client('a')
    await a.get('/login?id=alice&remember')
    const b = await remembered(app, 'b')
    const c = await remembered(app, 'c')
    await a.get('/logout-everywhere')
    assert.equal((await a.get('/me')).body.user, null)
    for (const x of [b, c]) assert.equal((await x.get('/me')).body.user, null)
    assert.equal(app.store!.tokenCount, 0)
  })

  test('disabling a user makes every device anonymous and its remember token no longer logs in (row gone)', async () => {
    const app = makeApp()
    const a = app.client('a')
    await a.get('/login?id=alice&remember')
    const b = await remembered(app, 'b')
    const sel = selectorOf(b.remember!)
    app.users.get('alice')!.isActive = false
    assert.equal((await a.get('/me')).body.user, null)
    const r = await b.get('/me')
    assert.equal(r.body.user, null)
    assert.equal(r.set.get('remember_token'), '')
    assert.equal(await app.store!.getToken(sel), null)
    app.users.get('alice')!.isActive = true
    const replay = app.client('b')
    replay.jar.set('remember_token', b.remember ?? `${sel}.x`)
    assert.equal((await replay.get('/me')).body.user, null)
  })
})

describe('stored remember tokens: malformed cookies', () => {
  const goodSel = 'A'.repeat(21) + 'Q'
  const goodVal = 'B'.repeat(42) + 'w'
  const cases: [string, string][] = [
    ['short selector', `${'A'.repeat(21)}.${goodVal}`],
    ['long validator', `${goodSel}.${goodVal}A`],
    ['bad base64', `${'A'.repeat(21)}+.${goodVal}`],
    ['non-canonical base64 (padding bits set)', `${'A'.repeat(21)}B.${goodVal}`],
    ['extra dots', `${goodSel}.${goodVal}.x`],
    ['no dot', `${goodSel}${goodVal}x`],
    ['5 KB', 'A'.repeat(5 * 1024)],
    ['empty parts', '.'],
    ['unicode', `${'é'.repeat(22)}.${goodVal}`],
  ]
  for (const [name, value] of cases) {
    test(`${name}: ignored without a store lookup, and the request loader still runs`, async () => {
      const app = makeApp()
      let lookups = 0
      const get = app.store!.getToken.bind(app.store!)
      app.store!.getToken = async (s) => (lookups++, get(s))
      const c = app.client()
      const r = await c.get('/me', { cookie: `remember_token=${value}`, 'x-api-key': 'k-carol' })
      assert.equal(r.body.user, 'carol')
      assert.equal(r.body.viaRequest, true)
      assert.equal(lookups, 0)
      assert.equal(app.events.some((e) => e.name === 'rememberTokenTheftSuspected'), false)
    })
  }

  test('a well-formed but unknown selector is ignored (no theft), and the request loader still runs', async () => {
    const app = makeApp()
    const r = await app.client().get('/me', { cookie: `remember_token=${goodSel}.${goodVal}`, 'x-api-key': 'k-carol' })
    assert.equal(r.body.user, 'carol')
    assert.equal(app.events.some((e) => e.name === 'rememberTokenTheftSuspected'), false)
  })
})
