/**
 * @module test/scenarios/parity-hygiene: Flask-Login parity H (no needless Set-Cookie, the user
 * in templates, the loginAs test helper) and the cache headers that go with every cookie, on
 * every adapter.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loginAs as loginAsHelper } from '../../src/testing/login-as.ts'
import { USERS } from '../apps/common.ts'
import { body, eachAdapter, loginAs, state, withApp } from '../helpers/scenario.ts'

const UA = { headers: { 'user-agent': 'ua' } }
const noStoreAndVary = (res: Response, what: string) => {
  assert.ok(res.headers.getSetCookie().length > 0, `${what}: no Set-Cookie`)
  assert.equal(res.headers.get('cache-control'), 'no-store', `${what}: cache-control`)
  assert.ok(/(^|,\s*)Cookie(\s*,|$)/i.test(res.headers.get('vary') ?? ''), `${what}: vary ${res.headers.get('vary')}`)
}

eachAdapter('H. hygiene, templates, testing', (fw) => {
  test('test_session_not_modified: a request that changes nothing sends no Set-Cookie', () =>
    withApp(fw, {}, async (_t, c) => {
      for (const path of ['/', '/noop', '/state', '/private', '/flashes', '/next']) {
        assert.deepEqual((await c.get(path)).headers.getSetCookie(), [], `anonymous ${path}`)
      }
      await loginAs(c, '1', { remember: '1' })
      for (const path of ['/', '/noop', '/state', '/private', '/fresh', '/locals']) {
        assert.deepEqual((await c.get(path)).headers.getSetCookie(), [], `logged in ${path}`)
      }
    }))

  test('test_not_fresh_not_modified: a non-fresh loginAs session passes basic protection untouched', async () => {
    await withApp(fw, { sessionProtection: 'basic' }, async (t, c) => {
      const login = await loginAsHelper(t.manager, USERS['3'], { fresh: false, userAgent: 'ua' })
      const res = await c.get('/', { headers: { cookie: login.cookieHeader, 'user-agent': 'ua' } })
      assert.equal(await res.text(), 'user:3')
      assert.deepEqual(res.headers.getSetCookie(), [])
    })
  })

  test('Cache-Control: no-store and Vary: Cookie go with every Set-Cookie', () =>
    withApp(fw, { loginView: '/login', useSessionForNext: false }, async (_t, c) => {
      noStoreAndVary(await c.get('/private'), 'unauthorized redirect')
      noStoreAndVary(await c.get('/flash?m=hi'), 'flash')
      noStoreAndVary(await loginAs(c, '1', { remember: '1' }), 'login')
      noStoreAndVary(await c.request('/confirm', { method: 'POST' }), 'confirm')
      noStoreAndVary(await c.request('/logout', { method: 'POST' }), 'logout')
      noStoreAndVary(await c.post('/login', { id: '1' }), 'form login redirect')
    }))

  test('pages for a logged-in user are private, no-store, Vary: Cookie, even without a cookie set', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1')
      const res = await c.get('/')
      assert.deepEqual(res.headers.getSetCookie(), [])
      assert.match(res.headers.get('cache-control') ?? '', /no-store/)
      assert.match(res.headers.get('vary') ?? '', /Cookie/i)
      // An anonymous page that touched nothing is left to the app's caching.
      const anon = await c.clone().get('/noop')
      assert.equal(anon.headers.get('vary')?.match(/Cookie/i) ?? null, null)
    }))

  test('test_user_context_processor: templates see the anonymous user, then the logged-in one', () =>
    withApp(fw, {}, async (_t, c) => {
      assert.equal(await body(await c.get('/locals')), 'anonymous')
      await loginAs(c, '1')
      assert.equal(await body(await c.get('/locals')), 'user:1')
    }))

  test('test_user_arg_to_test_client: loginAs logs a user in, fresh and not remembered', () =>
    withApp(fw, {}, async (t, c) => {
      // The helper binds the session to the client it names: the test client must send that UA.
      const login = await loginAsHelper(t.manager, USERS['1'], { userAgent: 'ua' })
      c.setCookie('session', login.cookies.find((x) => x.name === 'session')!.value)
      const s = await state(c)
      assert.equal(s.user, '1')
      assert.equal(s.fresh, true)
      assert.equal(s.remembered, false)
    }, UA))

  test('test_fresh_login_arg_to_test_client: loginAs with fresh: false', () =>
    withApp(fw, {}, async (t, c) => {
      const login = await loginAsHelper(t.manager, USERS['1'], { fresh: false, userAgent: 'ua' })
      const res = await c.get('/state', { headers: { cookie: login.cookieHeader } })
      const s = await res.json()
      assert.equal(s.user, '1')
      assert.equal(s.fresh, false)
      assert.deepEqual(res.headers.getSetCookie(), [])
    }, UA))

  test('test_remembered_login_arg_to_test_client: loginAs with remember restores after the session is gone', () =>
    withApp(fw, {}, async (t, c) => {
      const login = await loginAsHelper(t.manager, USERS['1'], { remember: true, userAgent: 'ua' })
      const remember = login.cookies.find((x) => x.name === 'remember_token')!
      c.setCookie('remember_token', remember.value)
      const s = await state(c)
      assert.equal(s.user, '1')
      assert.equal(s.remembered, true)
      assert.equal(s.fresh, false)
    }, UA))

  test('loginAs sessions pass strong protection for the same client, and only for it', () =>
    withApp(fw, { sessionProtection: 'strong' }, async (t, c) => {
      const login = await loginAsHelper(t.manager, USERS['1'], { userAgent: 'ua' })
      assert.equal(await body(await c.get('/', { headers: { cookie: login.cookieHeader, 'user-agent': 'ua' } })), 'user:1')
      assert.equal(await body(await c.get('/', { headers: { cookie: login.cookieHeader, 'user-agent': 'other' } })), 'anonymous')
    }))

  test('loginAs gives browser cookies in Playwright\'s shape', () =>
    withApp(fw, {}, async (t) => {
      const login = await loginAsHelper(t.manager, USERS['1'], { remember: true, origin: 'https://app.test' })
      const cookies = login.browserCookies()
      assert.deepEqual(cookies.map((x) => [x.name, x.url, x.httpOnly, x.secure, x.sameSite]), [
        ['session', 'https://app.test', true, true, 'Lax'],
        ['remember_token', 'https://app.test', true, true, 'Lax'],
      ])
    }))
})
