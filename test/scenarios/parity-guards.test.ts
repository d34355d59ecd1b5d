/**
 * @module test/scenarios/parity-guards: Flask-Login parity F (guards), plus the guards doorman
 * does better: JSON 401s for API clients, `freshLoginRequired({ within })` and protect-everything
 * with exemptions, on every adapter.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { body, eachAdapter, loginAs, withApp } from '../helpers/scenario.ts'

const VIEW = { loginView: '/login', refreshView: '/reauth' }

eachAdapter('F. guards', (fw) => {
  test('test_login_required_decorator: anonymous is refused, a user gets through', () =>
    withApp(fw, {}, async (_t, c) => {
      assert.equal((await c.get('/private')).status, 401)
      await loginAs(c, '1')
      const res = await c.get('/private')
      assert.equal(res.status, 200)
      assert.equal(await res.text(), 'private:1')
    }))

  test('test_fresh_login_required_decorator: anonymous → unauthorized, non-fresh → needs refresh, confirmed → through', () =>
    withApp(fw, {}, async (t, c) => {
      const unauthorized: unknown[] = []
      const refresh: unknown[] = []
      t.manager.on('unauthorized', (p) => void unauthorized.push(p))
      t.manager.on('needsRefresh', (p) => void refresh.push(p))
      assert.equal((await c.get('/fresh')).status, 401)
      assert.equal(unauthorized.length, 1)
      await loginAs(c, '1', { remember: '1' })
      assert.equal(await body(await c.get('/fresh')), 'fresh:1')
      c.deleteCookie('session')
      assert.equal((await c.get('/fresh')).status, 401)
      assert.equal(refresh.length, 1)
      await c.request('/confirm', { method: 'POST' })
      assert.equal(await body(await c.get('/fresh')), 'fresh:1')
    }))

  test('test_options_call_exempt: OPTIONS passes both kinds of guard', () =>
    withApp(fw, VIEW, async (_t, c) => {
      const res = await c.request('/private', { method: 'OPTIONS' })
      assert.equal(res.status, 200)
      assert.equal(await res.text(), 'private:none')
    }))

  test('exempt methods are configurable', () =>
    withApp(fw, { ...VIEW, exemptMethods: ['DELETE'] }, async (_t, c) => {
      assert.equal((await c.request('/private', { method: 'OPTIONS' })).status, 302)
      assert.equal(await body(await c.request('/private', { method: 'DELETE' })), 'private:none')
    }))

  test('JSON clients get 401 JSON with WWW-Authenticate instead of a redirect', () =>
    withApp(fw, VIEW, async (_t, c) => {
      const variants: Record<string, string>[] = [
        { accept: 'application/json' },
        { accept: 'application/json, text/html;q=0.9' },
        { accept: 'application/problem+json' },
        { authorization: 'Bearer unknown' },
        { authorization: 'Basic Zm9vOmJhcg==' },
        { 'x-requested-with': 'XMLHttpRequest' },
      ]
      for (const headers of variants) {
        const res = await c.get('/private', { headers })
        assert.equal(res.status, 401, JSON.stringify(headers))
        assert.equal(res.headers.get('www-authenticate'), 'Bearer')
        assert.equal(res.headers.get('location'), null)
        assert.deepEqual(await res.json(), { error: 'unauthorized', code: 'DOORMAN_UNAUTHORIZED', message: 'Please log in to access this page.' })
      }
      // JSON answers flash nothing; a browser that merely accepts JSON among HTML gets the redirect.
      assert.deepEqual(await (await c.get('/flashes')).json(), [])
      for (const accept of ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text/html, application/json;q=0.5', '*/*']) {
        assert.equal((await c.get('/private', { headers: { accept } })).status, 302, accept)
      }
    }))

  test('the challenge is configurable; needs-refresh for JSON clients is a step-up 401', () =>
    withApp(fw, { ...VIEW, wwwAuthenticate: 'Bearer realm="api"' }, async (_t, c) => {
      assert.equal((await c.get('/private', { headers: { accept: 'application/json' } })).headers.get('www-authenticate'), 'Bearer realm="api"')
      await loginAs(c, '1', { fresh: '0' })
      const res = await c.get('/fresh', { headers: { accept: 'application/json' } })
      assert.equal(res.status, 401)
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api" error="insufficient_user_authentication"')
      assert.equal((await res.json()).error, 'needs_refresh')
    }))

  test('freshLoginRequired({ within }): a login confirmed within the window passes, an older one does not', () => {
    let now = 1_700_000_000_000
    return withApp(fw, { ...VIEW, now: () => now }, async (_t, c) => {
      await loginAs(c, '1')
      now += 30_000
      assert.equal(await body(await c.get('/fresh-within')), 'fresh-within:1')
      now += 31_000
      assert.equal((await c.get('/fresh-within')).headers.get('location'), '/reauth?next=%2Ffresh-within')
      assert.equal(await body(await c.get('/fresh')), 'fresh:1')
      assert.equal((await (await c.get('/state?within=60')).json()).freshWithin, false)
      await c.request('/confirm', { method: 'POST' })
      assert.equal(await body(await c.get('/fresh-within')), 'fresh-within:1')
    })
  })

  test('freshLoginRequired({ within }) refuses a non-fresh login whatever its age', () =>
    withApp(fw, VIEW, async (_t, c) => {
      await loginAs(c, '1', { fresh: '0' })
      assert.equal((await c.get('/fresh-within')).status, 302)
    }))
})

eachAdapter('protect everything, with exemptions (#411, #247)', (fw) => {
  test('anonymous requests are refused except on exempt paths', () =>
    withApp(fw, VIEW, async (_t, c) => {
      assert.equal((await c.get('/area/private')).headers.get('location'), '/login?next=%2Farea%2Fprivate')
      assert.equal(await body(await c.get('/area/login')), 'area login')
      assert.equal(await body(await c.get('/area/public/info')), 'area public')
      await loginAs(c, '1')
      assert.equal(await body(await c.get('/area/private')), 'area-private:1')
    }))

  test('OPTIONS is exempt from protect() too', () =>
    withApp(fw, VIEW, async (_t, c) => {
      assert.notEqual((await c.request('/area/private', { method: 'OPTIONS' })).status, 302)
    }))

  test('trick spellings of an exempt path stay protected (never the private page, never 500)', () =>
    withApp(fw, VIEW, async (_t, c) => {
      const tricks = [
        '/area//login',
        '//area/login',
        '/area/login/../private',
        '/area/public/../private',
        '/area/public/%2e%2e/private',
        '/area/%6cogin',
        '/area/public%2finfo',
        '/area/public%2F..%2Fprivate',
        '/area/login%2f..%2fprivate',
        '/area/public\\..\\private',
        '/area/LOGIN',
        '/area/login/',
        '/area/public',
        '/area/./private',
      ]
      for (const path of tricks) {
        for (const raw of fw === 'express' ? [false, true] : [false]) {
          const res = await c.get(path, { raw })
          const text = await res.text()
          assert.ok(res.status < 500, `${path} (raw ${raw}) → ${res.status}`)
          assert.ok(!text.includes('area-private'), `${path} (raw ${raw}) reached the private page`)
          assert.ok(res.status !== 200 || text === 'area login' || text === 'area public', `${path} (raw ${raw}) → 200 ${text}`)
          if (text === 'area login' || text === 'area public') assert.ok(['/area/login', '/area/public/info'].includes(path), `${path} was treated as exempt`)
        }
      }
    }))
})
