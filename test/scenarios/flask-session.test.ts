/**
 * @module test/scenarios/flask-session: `session: { format: 'flask' }` on every adapter, in process:
 * doorman's login, logout, flashes and protection written in Flask's cookie as Flask-Login writes
 * them, and Flask-made cookies (built here with the codec the vectors test against real Flask)
 * read back as the same user, freshness and flashes.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeFlaskSession, encodeFlaskSession, flaskLoginIdentifier, FlaskTuple, FlaskUUID } from '../../src/index.ts'
import { FlaskLoginRemember } from '../../src/remember.ts'
import { body, closeBrowser, eachAdapter, loginAs, state, withApp } from '../helpers/scenario.ts'

const KEY = 'flask-shared-secret-key-0123456789abcdef'
const OLD = 'flask-previous-secret-key-9876543210zyx'
const FLASK = { session: { format: 'flask' as const, flaskSecretKey: KEY }, remember: { format: 'flask-login' as const, flaskSecretKey: KEY } }
// X-Forwarded-For makes Flask-Login 0.6's address the same on every adapter (it always reads the header).
const HEADERS = { 'x-forwarded-for': '203.0.113.9', 'user-agent': 'doorman-test/1.0' }
const ID = flaskLoginIdentifier('0.6', { forwardedFor: '203.0.113.9', userAgent: 'doorman-test/1.0' }) as string
const now = () => Math.floor(Date.now() / 1000)
const read = async (cookie: string | undefined) => (cookie ? (await decodeFlaskSession(cookie, { secretKey: KEY }))?.data ?? null : null)
const flaskCookie = (data: Record<string, unknown>, at = now()) => encodeFlaskSession(data, { secretKey: KEY, now: at })

eachAdapter('Flask session format', (fw) => {
  test("doorman's login is Flask-Login's session: _user_id, _fresh, _id (0.6 formula)", () =>
    withApp(fw, FLASK, async (_t, c) => {
      await loginAs(c, '1')
      const s = await read(c.cookie('session'))
      assert.ok(s, 'the session cookie is a Flask cookie')
      assert.deepEqual([s._user_id, s._fresh, s._id], ['1', true, ID])
      assert.equal(await body(await c.get('/')), 'user:1')
      assert.equal(c.lastSetCookie.length, 0, 'a non-permanent session is not re-sent')
    }, { headers: HEADERS }))

  test("a Flask login is doorman's user, fresh, and Flask's other values survive doorman's writes", () =>
    withApp(fw, FLASK, async (_t, c) => {
      const cart = new FlaskUUID('12345678-1234-5678-1234-567812345678')
      c.setCookie('session', await flaskCookie({ _user_id: '1', _fresh: true, _id: ID, cart, point: FlaskTuple.of(3, 4), _flashes: [FlaskTuple.of('message', 'from flask')] }))
      const st = await state(c)
      assert.deepEqual([st.user, st.fresh], ['1', true])
      assert.deepEqual(await c.json('/flashes'), [['message', 'from flask']])
      const s = (await read(c.cookie('session')))!
      assert.equal(s._flashes, undefined, 'the flash was consumed on the doorman side')
      assert.ok(s.point instanceof FlaskTuple && s.cart instanceof FlaskUUID && (s.cart as FlaskUUID).hex === cart.hex)
    }, { headers: HEADERS }))

  test('a flash set by doorman is a Flask flash: a list of (category, message) tuples', () =>
    withApp(fw, FLASK, async (_t, c) => {
      await c.get('/flash?m=Saved&c=success')
      const s = (await read(c.cookie('session')))!
      const flashes = s._flashes as unknown[]
      assert.ok(flashes[0] instanceof FlaskTuple)
      assert.deepEqual([...(flashes[0] as FlaskTuple)], ['success', 'Saved'])
    }, { headers: HEADERS }))

  test('logout on either side ends the login for both', () =>
    withApp(fw, FLASK, async (_t, c) => {
      await loginAs(c, '1')
      await c.get('/flash?m=Bye')
      await c.request('/logout', { method: 'POST' })
      const s = (await read(c.cookie('session')))!
      assert.equal(s._user_id, undefined)
      assert.equal(s._flashes !== undefined, true, 'flashes survive logout, as in Flask-Login')
      // Flask-Login's logout_user pops _user_id, _fresh and _id and keeps the rest.
      c.setCookie('session', await flaskCookie({ theme: 'dark' }))
      assert.equal(await body(await c.get('/')), 'anonymous')
    }, { headers: HEADERS }))

  test('basic protection: another client makes the login non-fresh; strong logs it out', async () => {
    await withApp(fw, FLASK, async (_t, c) => {
      c.setCookie('session', await flaskCookie({ _user_id: '1', _fresh: true, _id: ID }))
      const st = await state(c, { headers: { 'user-agent': 'another/2.0' } })
      assert.deepEqual([st.user, st.fresh], ['1', false])
      assert.equal((await read(c.cookie('session')))!._fresh, false)
    }, { headers: HEADERS })
    await withApp(fw, { ...FLASK, sessionProtection: 'strong' }, async (_t, c) => {
      c.setCookie('session', await flaskCookie({ _user_id: '1', _fresh: true, _id: ID }))
      assert.equal((await state(c, { headers: { 'user-agent': 'another/2.0' } })).user, null)
    }, { headers: HEADERS })
  })

  test('permanent sessions: Max-Age is PERMANENT_SESSION_LIFETIME and each request re-signs them', () =>
    withApp(fw, { ...FLASK, session: { ...FLASK.session, permanentSessionLifetime: 3600 } }, async (_t, c) => {
      c.setCookie('session', await flaskCookie({ _user_id: '1', _fresh: true, _id: ID, _permanent: true }, now() - 60))
      assert.equal(await body(await c.get('/')), 'user:1')
      assert.equal(c.cookieEntry('session')!.maxAge, 3600)
      assert.equal((await read(c.cookie('session')))!._permanent, true)
      // Older than the lifetime: Flask's max_age refuses it, permanent or not.
      c.setCookie('session', await flaskCookie({ _user_id: '1', _id: ID }, now() - 3601))
      assert.equal(await body(await c.get('/')), 'anonymous')
    }, { headers: HEADERS }))

  test("remember me: Flask-Login's cookie restores a non-fresh login in Flask's session", () =>
    withApp(fw, FLASK, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      assert.equal(c.cookie('remember_token'), await new FlaskLoginRemember(KEY).encode('1'))
      closeBrowser(c)
      assert.equal(await body(await c.get('/')), 'user:1')
      const s = (await read(c.cookie('session')))!
      assert.deepEqual([s._user_id, s._fresh, s._id], ['1', false, ID])
    }, { headers: HEADERS }))

  test('a tampered, foreign-key or sealed cookie is no session', () =>
    withApp(fw, FLASK, async (_t, c) => {
      const good = await flaskCookie({ _user_id: '1', _fresh: true, _id: ID })
      for (const bad of [good.slice(0, -2), await encodeFlaskSession({ _user_id: '1' }, { secretKey: 'not-the-key-0123456789-abcdefgh' }), 'Fe26.2**x']) {
        c.setCookie('session', bad)
        assert.equal(await body(await c.get('/')), 'anonymous')
      }
    }, { headers: HEADERS }))

  test('an emptied session deletes the cookie; a fallback-key cookie is re-signed under the current key', () =>
    withApp(fw, { ...FLASK, session: { ...FLASK.session, flaskSecretKey: [KEY, OLD] } }, async (_t, c) => {
      c.setCookie('session', await encodeFlaskSession({ _user_id: '1', _fresh: true, _id: ID }, { secretKey: OLD }))
      assert.equal(await body(await c.get('/')), 'user:1')
      assert.ok(await decodeFlaskSession(c.cookie('session')!, { secretKey: KEY }), 're-signed with the current key')
      c.setCookie('session', await flaskCookie({ theme: 'dark' }))
      await c.get('/flashes')
      assert.ok(c.lastSetCookie.length === 0, 'reading nothing changes nothing')
      c.setCookie('session', await flaskCookie({ _flashes: [FlaskTuple.of('message', 'x')] }))
      await c.get('/flashes')
      assert.match(c.lastSetCookie.join('\n'), /^session=;.*Max-Age=0/m)
    }, { headers: HEADERS }))

  test('login with a remember duration keeps _remember_seconds, as Flask-Login does; logout drops it', () =>
    withApp(fw, FLASK, async (_t, c) => {
      await loginAs(c, '1', { remember: '1', duration: '3600' })
      assert.equal((await read(c.cookie('session')))!._remember_seconds, 3600)
      await c.request('/logout', { method: 'POST' })
      assert.equal((await read(c.cookie('session')))?._remember_seconds, undefined)
    }, { headers: HEADERS }))

  test('REMEMBER_COOKIE_REFRESH_EACH_REQUEST re-sends the cookie for the duration kept in _remember_seconds', () =>
    withApp(fw, { ...FLASK, remember: { ...FLASK.remember, refreshEachRequest: true } }, async (_t, c) => {
      await loginAs(c, '1', { remember: '1', duration: '7200' })
      await c.get('/')
      assert.equal(c.cookieEntry('remember_token')!.maxAge, 7200)
      c.setCookie('session', await flaskCookie({ _user_id: '1', _fresh: true, _id: ID, _remember_seconds: 1800.0 }))
      await c.get('/')
      assert.equal(c.cookieEntry('remember_token')!.maxAge, 1800)
    }, { headers: HEADERS }))
})
