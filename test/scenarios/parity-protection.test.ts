/**
 * @module test/scenarios/parity-protection: Flask-Login parity G (session protection), with the
 * fixes doorman makes (#685 strong + remember, #700 proxies), on every adapter.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { RequestAuth } from '../../src/auth.ts'
import type { LoginManager } from '../../src/manager.ts'
import type { TestUser } from '../apps/common.ts'
import { body, closeBrowser, eachAdapter, loginAs, record, state, withApp } from '../helpers/scenario.ts'

const OTHER_UA = { 'user-agent': 'different' }
const sha512 = (s: string) => createHash('sha512').update(s).digest('hex')

/** A session holding a user id but no client identifier, as a test helper might seed it. */
async function seededCookie(manager: LoginManager<TestUser>): Promise<string> {
  const auth = new RequestAuth(manager, { method: 'GET', url: 'http://localhost/', header: () => null, remoteAddress: '127.0.0.1' })
  const s = await auth.session()
  s.set('_user_id', '1')
  s.set('_fresh', true)
  const [line] = await auth.commit()
  return line.slice(line.indexOf('=') + 1, line.indexOf(';'))
}

eachAdapter('G. session protection', (fw) => {
  test('the client identifier is SHA-512 hex of "<ip>|<user agent>", stored at login', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1')
      assert.deepEqual(await (await c.get('/session/get?k=_id')).json(), { value: sha512('127.0.0.1|test-agent') })
    }, { headers: { 'user-agent': 'test-agent' } }))

  test('test_session_protection_basic_passes_successive_requests', () =>
    withApp(fw, { sessionProtection: 'basic' }, async (t, c) => {
      const heard = record(t.manager, 'sessionProtected')
      await loginAs(c, '1', { remember: '1' })
      assert.equal(await body(await c.get('/')), 'user:1')
      assert.equal((await state(c)).fresh, true)
      assert.equal(heard.length, 0)
    }))

  test('test_session_protection_strong_passes_successive_requests', () =>
    withApp(fw, { sessionProtection: 'strong' }, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      assert.equal(await body(await c.get('/')), 'user:1')
      assert.equal((await state(c)).fresh, true)
    }))

  test('test_session_protection_skip_when_basic_and_anonymous: nothing written, no event', () =>
    withApp(fw, { sessionProtection: 'basic' }, async (t, c) => {
      const heard = record(t.manager, 'sessionProtected')
      const res = await c.get('/', { headers: OTHER_UA })
      assert.equal(await res.text(), 'anonymous')
      assert.deepEqual(res.headers.getSetCookie(), [])
      assert.equal(heard.length, 0)
    }))

  test('test_session_protection_skip_when_off_and_anonymous', () =>
    withApp(fw, { sessionProtection: 'off' }, async (t, c) => {
      const heard = record(t.manager, 'sessionProtected')
      const res = await c.get('/state')
      assert.deepEqual(res.headers.getSetCookie(), [])
      assert.equal(heard.length, 0)
    }))

  test('test_session_protection_basic_marks_session_unfresh', () =>
    withApp(fw, { sessionProtection: 'basic' }, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      assert.equal(await body(await c.get('/', { headers: OTHER_UA })), 'user:1')
      const s = await state(c)
      assert.equal(s.user, '1')
      assert.equal(s.fresh, false)
    }))

  test('test_session_protection_basic_fires_signal', () =>
    withApp(fw, { sessionProtection: 'basic' }, async (t, c) => {
      await loginAs(c, '1', { remember: '1' })
      const heard = record(t.manager, 'sessionProtected')
      await c.get('/', { headers: OTHER_UA })
      assert.equal(heard.length, 1)
      assert.equal(heard[0].mode, 'basic')
    }))

  test('test_session_protection_strong_deletes_session: doorman keys go, app keys stay, remember cookie deleted', () =>
    withApp(fw, { sessionProtection: 'strong' }, async (_t, c) => {
      await c.get('/session/set?k=foo&v=bar')
      await loginAs(c, '1', { remember: '1' })
      const res = await c.get('/', { headers: OTHER_UA })
      assert.equal(await res.text(), 'anonymous')
      assert.equal(c.cookie('remember_token'), undefined)
      assert.deepEqual(await (await c.get('/session/get?k=foo')).json(), { value: 'bar' })
      const s = await state(c)
      assert.equal(s.user, null)
      assert.deepEqual(s.keys.filter((k) => k.startsWith('_') && k !== '_flashes'), [])
    }))

  test('test_session_protection_strong_fires_signal_user_agent', () =>
    withApp(fw, { sessionProtection: 'strong' }, async (t, c) => {
      await loginAs(c, '1', { remember: '1' })
      const heard = record(t.manager, 'sessionProtected')
      await c.get('/', { headers: OTHER_UA })
      assert.equal(heard.length, 1)
      assert.equal(heard[0].mode, 'strong')
    }))

  test('test_session_protection_strong_fires_signal_x_forwarded_for (behind a trusted proxy)', () =>
    withApp(fw, { sessionProtection: 'strong', trustProxy: true }, async (t, c) => {
      await c.request('/login-as?id=1', { method: 'POST', headers: { 'x-forwarded-for': '10.1.1.1' } })
      const heard = record(t.manager, 'sessionProtected')
      assert.equal(await body(await c.get('/', { headers: { 'x-forwarded-for': '10.1.1.2' } })), 'anonymous')
      assert.equal(heard.length, 1)
    }))

  test('test_login_persists_with_signle_x_forwarded_for / many_x_forwarded_for (trusted proxy)', () =>
    withApp(fw, { sessionProtection: 'strong', trustProxy: true }, async (_t, c) => {
      await c.request('/login-as?id=1', { method: 'POST', headers: { 'x-forwarded-for': '10.1.1.1' } })
      assert.equal(await body(await c.get('/', { headers: { 'x-forwarded-for': '10.1.1.1' } })), 'user:1')
      assert.equal(await body(await c.get('/', { headers: { 'x-forwarded-for': '10.1.1.1, 10.1.1.2' } })), 'user:1')
    }))

  test('X-Forwarded-For is ignored unless trustProxy (#700): a spoofed header changes nothing', () =>
    withApp(fw, { sessionProtection: 'strong' }, async (t, c) => {
      const heard = record(t.manager, 'sessionProtected')
      await c.request('/login-as?id=1', { method: 'POST', headers: { 'x-forwarded-for': '10.1.1.1' } })
      assert.equal(await body(await c.get('/', { headers: { 'x-forwarded-for': '10.9.9.9' } })), 'user:1')
      assert.equal(heard.length, 0)
      assert.deepEqual(await (await c.get('/session/get?k=_id')).json(), { value: sha512('127.0.0.1|ua') })
    }, { headers: { 'user-agent': 'ua' } }))

  test('trustProxy: N trusts the Nth address from the right', () =>
    withApp(fw, { sessionProtection: 'strong', trustProxy: 1 }, async (_t, c) => {
      await c.request('/login-as?id=1', { method: 'POST', headers: { 'x-forwarded-for': 'spoofed, 10.1.1.1' } })
      assert.equal(await body(await c.get('/', { headers: { 'x-forwarded-for': 'other-spoof, 10.1.1.1' } })), 'user:1')
      assert.equal(await body(await c.get('/', { headers: { 'x-forwarded-for': 'spoofed, 10.1.1.2' } })), 'anonymous')
    }))

  test('test_session_protection_basic_skips_when_remember_me / strong_skips_when_remember_me', async () => {
    for (const mode of ['basic', 'strong'] as const) {
      await withApp(fw, { sessionProtection: mode }, async (t, c) => {
        await loginAs(c, '1', { remember: '1' })
        closeBrowser(c)
        const heard = record(t.manager, 'sessionProtected')
        assert.equal(await body(await c.get('/')), 'user:1')
        assert.equal(heard.length, 0, mode)
      })
    }
  })

  test('strong mode and remember-me work together (#685): the restored session is bound to the client', () =>
    withApp(fw, { sessionProtection: 'strong' }, async (t, c) => {
      await loginAs(c, '1', { remember: '1' })
      closeBrowser(c)
      const heard = record(t.manager, 'sessionProtected')
      assert.equal(await body(await c.get('/')), 'user:1')
      assert.equal(await body(await c.get('/private')), 'private:1')
      assert.equal(await body(await c.get('/')), 'user:1')
      assert.equal(heard.length, 0)
      // ...and a stolen pair used from another client is still refused.
      const thief = c.clone({ headers: OTHER_UA })
      thief.deleteCookie('remember_token')
      assert.equal(await body(await thief.get('/')), 'anonymous')
    }))

  test('test_permanent_strong_session_protection_marks_session_unfresh / fires_signal', () =>
    withApp(fw, { sessionProtection: 'strong' }, async (t, c) => {
      await loginAs(c, '1', { permanent: '1' })
      assert.ok(c.cookieEntry('session')!.maxAge! > 0)
      const heard = record(t.manager, 'sessionProtected')
      assert.equal(await body(await c.get('/', { headers: OTHER_UA })), 'user:1')
      assert.equal((await state(c)).fresh, false)
      assert.equal(heard.length, 1)
      assert.equal(heard[0].mode, 'basic')
    }))

  test('a session seeded without an identifier: off → the user as seeded', () =>
    withApp(fw, { sessionProtection: 'off' }, async (t, c) => {
      c.setCookie('session', await seededCookie(t.manager))
      const s = await state(c)
      assert.equal(s.user, '1')
      assert.equal(s.fresh, true)
    }))

  test('a session seeded without an identifier: basic → the user, not fresh', () =>
    withApp(fw, { sessionProtection: 'basic' }, async (t, c) => {
      c.setCookie('session', await seededCookie(t.manager))
      const s = await state(c)
      assert.equal(s.user, '1')
      assert.equal(s.fresh, false)
    }))

  test('a session seeded without an identifier: strong → anonymous', () =>
    withApp(fw, { sessionProtection: 'strong' }, async (t, c) => {
      c.setCookie('session', await seededCookie(t.manager))
      assert.equal((await state(c)).user, null)
    }))
})
