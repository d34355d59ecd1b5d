/**
 * @module test/scenarios/contract-pages: the minimal examples' routes, every bullet of the
 * contract (issue #2), on Hono, Express and Fastify alike.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { closeBrowser } from '../helpers/scenario.ts'
import { eachExample, login, withExample } from '../helpers/examples.ts'

const LOGIN_MESSAGE = ['message', 'Please log in to access this page.']

eachExample('contract: pages', (fw) => {
  test('GET / greets the anonymous user, then the logged-in one', () =>
    withExample(fw, {}, async (c) => {
      const anon = await c.get('/')
      assert.equal(anon.status, 200)
      assert.equal(await anon.text(), 'Hello, anonymous')
      await login(c, 'alice', 'wonderland')
      assert.equal(await (await c.get('/')).text(), 'Hello, alice')
    }))

  test('GET /login is an HTML form with username, password and remember, posting back with next', () =>
    withExample(fw, {}, async (c) => {
      const res = await c.get('/login?next=%2Fprivate')
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type') ?? '', /text\/html/)
      const html = await res.text()
      assert.match(html, /<form[^>]*method="post"/i)
      assert.match(html, /action="\/login\?next=%2Fprivate"/)
      for (const field of ['username', 'password', 'remember']) assert.match(html, new RegExp(`name="${field}"`))
    }))

  test('POST /login: success redirects to / and logs in without a remember cookie', () =>
    withExample(fw, {}, async (c) => {
      const res = await login(c, 'alice', 'wonderland')
      assert.ok(res.status === 302 || res.status === 303, `status ${res.status}`)
      assert.equal(res.headers.get('location'), '/')
      assert.ok(c.cookie('session'))
      assert.equal(c.cookie('remember_token'), undefined)
      assert.equal(await (await c.get('/private')).text(), 'Private page for alice')
    }))

  test('POST /login: remember=on issues remember_token, which restores the user after the browser closes', () =>
    withExample(fw, {}, async (c) => {
      await login(c, 'alice', 'wonderland', { remember: true })
      assert.ok(c.cookie('remember_token'))
      closeBrowser(c)
      assert.equal(c.cookie('session'), undefined)
      assert.equal(await (await c.get('/')).text(), 'Hello, alice')
    }))

  test('POST /login?next=/private redirects to next; a hostile next falls back to /', () =>
    withExample(fw, {}, async (c) => {
      const ok = await login(c, 'alice', 'wonderland', { query: '?next=%2Fprivate%3Fa%3D1' })
      assert.equal(ok.headers.get('location'), '/private?a=1')
      for (const bad of ['//evil.com', 'https://evil.com/', '/\\evil.com', 'javascript:alert(1)', '/%2F%2Fevil.com']) {
        const res = await login(c, 'alice', 'wonderland', { query: `?next=${encodeURIComponent(bad)}` })
        assert.equal(res.headers.get('location'), '/', bad)
      }
      const twice = await login(c, 'alice', 'wonderland', { query: '?next=%2Fa&next=%2Fb' })
      assert.equal(twice.headers.get('location'), '/')
    }))

  test('POST /login: wrong credentials give 401 and flash the error', () =>
    withExample(fw, {}, async (c) => {
      for (const [u, p] of [['alice', 'nope'], ['nobody', 'wonderland'], ['', '']]) {
        const res = await login(c, u, p)
        assert.equal(res.status, 401, `${u}/${p}`)
        assert.deepEqual(await (await c.get('/flashes')).json(), [['error', 'Invalid username or password.']])
        assert.equal(await (await c.get('/')).text(), 'Hello, anonymous')
      }
    }))

  test('POST /login: an inactive user gets 403 and stays anonymous', () =>
    withExample(fw, {}, async (c) => {
      const res = await login(c, 'bob', 'builder', { remember: true })
      assert.equal(res.status, 403)
      assert.equal(c.cookie('remember_token'), undefined)
      assert.equal(await (await c.get('/')).text(), 'Hello, anonymous')
      assert.equal((await login(c, 'bob', 'wrong')).status, 401)
    }))

  test('POST /login: the non-ASCII id 佐藤 logs in and is remembered', () =>
    withExample(fw, {}, async (c) => {
      await login(c, 'sato', 'sato-pass', { remember: true })
      closeBrowser(c)
      assert.equal(await (await c.get('/private')).text(), 'Private page for sato')
      const me = await c.get('/api/me', { headers: { accept: 'application/json' } })
      assert.deepEqual(await me.json(), { id: '佐藤', username: 'sato' })
    }))

  test('POST /logout logs out, deletes the remember cookie and redirects to /', () =>
    withExample(fw, {}, async (c) => {
      await login(c, 'alice', 'wonderland', { remember: true })
      const res = await c.post('/logout')
      assert.ok(res.status === 302 || res.status === 303)
      assert.equal(res.headers.get('location'), '/')
      assert.equal(c.cookie('remember_token'), undefined)
      assert.equal(await (await c.get('/')).text(), 'Hello, anonymous')
      closeBrowser(c)
      assert.equal(await (await c.get('/')).text(), 'Hello, anonymous')
    }))

  test('GET /private: anonymous browsers go to /login?next=%2Fprivate with the login message flashed', () =>
    withExample(fw, {}, async (c) => {
      const res = await c.get('/private')
      assert.equal(res.status, 302)
      assert.equal(res.headers.get('location'), '/login?next=%2Fprivate')
      assert.deepEqual(await (await c.get('/flashes')).json(), [LOGIN_MESSAGE])
    }))

  test('GET /fresh: fresh logins pass; remembered ones go to /reauth?next=%2Ffresh', () =>
    withExample(fw, {}, async (c) => {
      await login(c, 'alice', 'wonderland', { remember: true })
      assert.equal(await (await c.get('/fresh')).text(), 'Fresh page for alice')
      closeBrowser(c)
      const res = await c.get('/fresh')
      assert.equal(res.status, 302)
      assert.equal(res.headers.get('location'), '/reauth?next=%2Ffresh')
      assert.deepEqual(await (await c.get('/flashes')).json(), [['message', 'Please reauthenticate to access this page.']])
      const anon = await (await withAnon(c)).get('/fresh')
      assert.equal(anon.headers.get('location'), '/login?next=%2Ffresh')
    }))

  test('GET/POST /reauth: the form asks for the password; the right one confirms the login', () =>
    withExample(fw, {}, async (c) => {
      await login(c, 'alice', 'wonderland', { remember: true })
      closeBrowser(c)
      const form = await c.get('/reauth?next=%2Ffresh')
      assert.equal(form.status, 200)
      const html = await form.text()
      assert.match(html, /name="password"/)
      assert.match(html, /action="\/reauth\?next=%2Ffresh"/)
      assert.equal((await c.post('/reauth?next=%2Ffresh', { password: 'nope' })).status, 401)
      assert.equal((await c.get('/fresh')).status, 302)
      const ok = await c.post('/reauth?next=%2Ffresh', { password: 'wonderland' })
      assert.ok(ok.status === 302 || ok.status === 303)
      assert.equal(ok.headers.get('location'), '/fresh')
      assert.equal(await (await c.get('/fresh')).text(), 'Fresh page for alice')
      const evil = await c.post('/reauth?next=%2F%2Fevil.com', { password: 'wonderland' })
      assert.equal(evil.headers.get('location'), '/')
    }))

  test('GET /reauth needs a login', () =>
    withExample(fw, {}, async (c) => {
      const res = await c.get('/reauth')
      assert.equal(res.status, 302)
      assert.equal(res.headers.get('location'), '/login?next=%2Freauth')
    }))

  test('GET /api/me: a session user gets JSON', () =>
    withExample(fw, {}, async (c) => {
      await login(c, 'alice', 'wonderland')
      const res = await c.get('/api/me')
      assert.equal(res.status, 200)
      assert.deepEqual(await res.json(), { id: '1', username: 'alice' })
    }))

  test('GET /api/me: a Bearer token authenticates that request only, with no cookie set', () =>
    withExample(fw, {}, async (c) => {
      const res = await c.get('/api/me', { headers: { authorization: 'Bearer alice-token' } })
      assert.equal(res.status, 200)
      assert.deepEqual(await res.json(), { id: '1', username: 'alice' })
      assert.deepEqual(res.headers.getSetCookie(), [])
      assert.equal(await (await c.get('/')).text(), 'Hello, anonymous')
    }))

  test('GET /api/me: anonymous JSON clients and bad tokens get 401 JSON with WWW-Authenticate', () =>
    withExample(fw, {}, async (c) => {
      const variants: Record<string, string>[] = [{ accept: 'application/json' }, { authorization: 'Bearer wrong' }, { authorization: 'Basic YWxpY2U6d29uZGVybGFuZA==' }]
      for (const headers of variants) {
        const res = await c.get('/api/me', { headers })
        assert.equal(res.status, 401, JSON.stringify(headers))
        assert.ok(res.headers.get('www-authenticate'))
        assert.match(res.headers.get('content-type') ?? '', /application\/json/)
        assert.equal((await res.json()).error, 'unauthorized')
      }
      assert.equal((await c.get('/api/me')).status, 302)
    }))

  test('GET /flashes returns and consumes [[category, message], ...]', () =>
    withExample(fw, {}, async (c) => {
      assert.deepEqual(await (await c.get('/flashes')).json(), [])
      await c.get('/private')
      await login(c, 'alice', 'bad')
      assert.deepEqual(await (await c.get('/flashes')).json(), [LOGIN_MESSAGE, ['error', 'Invalid username or password.']])
      assert.deepEqual(await (await c.get('/flashes')).json(), [])
    }))
})

// A client with no cookies at all, on the same app.
async function withAnon(c: import('../helpers/client.ts').Client) {
  const anon = c.clone()
  anon.jar.clear()
  return anon
}
