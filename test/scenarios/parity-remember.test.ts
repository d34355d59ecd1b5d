/**
 * @module test/scenarios/parity-remember: Flask-Login parity D (remember me), on every adapter.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '../../src/errors.ts'
import { OTHER_SECRET } from '../apps/common.ts'
import { testTarget } from '../helpers/adapters.ts'
import { Client } from '../helpers/client.ts'
import { body, closeBrowser, eachAdapter, loginAs, record, state, withApp } from '../helpers/scenario.ts'

// Flask-Login's CookieEncodingTestCase: SECRET_KEY "deterministic", user id "1".
const FLASK_COOKIE =
  '1|0e9e6e9855fbe6df7906ec4737578a1d491b38d3fd5246c1561016e189d6516043286501ca43257c938e60aad77acec5ce916b94ca9d00c0bb6f9883ae4b82ae'
const FLASK = { remember: { format: 'flask-login' as const, flaskSecretKey: 'deterministic' } }

eachAdapter('D. remember me', (fw) => {
  test('test_remember_me: the cookie restores the user after the browser closes', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      closeBrowser(c)
      assert.equal(await body(await c.get('/')), 'user:1')
    }))

  test('defaults: remember_token, HttpOnly, SameSite=Lax, Path=/, 365 days, not Secure over HTTP', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      const r = c.cookieEntry('remember_token')!
      assert.deepEqual([r.httpOnly, r.sameSite, r.path, r.maxAge, r.secure, r.domain], [true, 'Lax', '/', 31536000, false, undefined])
    }))

  test('Secure over HTTPS (a trusted proxy says so)', () =>
    withApp(fw, { trustProxy: true }, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      assert.equal(c.cookieEntry('remember_token')!.secure, true)
      assert.equal(c.cookieEntry('session')!.secure, true)
    }, { headers: { 'x-forwarded-proto': 'https' }, https: true }))

  test('test_remember_me_custom_duration: per-login duration (seconds or "7h")', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1', duration: '25200' })
      assert.equal(c.cookieEntry('remember_token')!.maxAge, 25200)
      await loginAs(c, '1', { remember: '1', duration: '7h' })
      assert.equal(c.cookieEntry('remember_token')!.maxAge, 25200)
      closeBrowser(c)
      assert.equal(await body(await c.get('/')), 'user:1')
    }))

  test('test_remember_me_accepts_duration_as_int (and as a duration value)', async () => {
    for (const duration of [172800, '2d', { days: 2 }]) {
      await withApp(fw, { remember: { duration } }, async (_t, c) => {
        await loginAs(c, '1', { remember: '1' })
        assert.equal(c.cookieEntry('remember_token')!.maxAge, 172800, JSON.stringify(duration))
      })
    }
  })

  test('test_remember_me_uses_custom_cookie_parameters', () =>
    withApp(fw, { remember: { name: 'myname', duration: { days: 2 }, path: '/mypath', domain: '.localhost.local', sameSite: 'Strict', httpOnly: false, secure: true } }, async (_t, c) => {
      const res = await loginAs(c, '1', { remember: '1' })
      const line = res.headers.getSetCookie().find((l) => l.startsWith('myname='))!
      assert.ok(line, 'no myname cookie')
      assert.match(line, /; Max-Age=172800(;|$)/)
      assert.match(line, /; Domain=\.localhost\.local(;|$)/)
      assert.match(line, /; Path=\/mypath(;|$)/)
      assert.match(line, /; Secure(;|$)/)
      assert.match(line, /; SameSite=Strict(;|$)/)
      assert.doesNotMatch(line, /HttpOnly/)
      assert.equal(res.headers.getSetCookie().some((l) => l.startsWith('remember_token=')), false)
    }))

  test('test_remember_me_custom_duration_uses_custom_cookie', () =>
    withApp(fw, { remember: { name: 'myname', duration: 172800 } }, async (_t, c) => {
      await loginAs(c, '1', { remember: '1', duration: '25200' })
      assert.equal(c.cookieEntry('myname')!.maxAge, 25200)
      closeBrowser(c)
      assert.equal(await body(await c.get('/')), 'user:1')
    }))

  test('test_remember_me_with_invalid_duration: the option fails at start-up, naming it', async () => {
    await assert.rejects(testTarget(fw, { remember: { duration: '123' } }), (e: unknown) => e instanceof ConfigError && e.option === 'remember.duration')
  })

  test('test_remember_me_with_invalid_custom_duration: the call throws an error naming duration', () =>
    withApp(fw, {}, async (_t, c) => {
      const res = await loginAs(c, '1', { remember: '1', duration: '123x' })
      assert.equal(res.status, 400)
      assert.match((await res.json()).error, /`duration`/)
      assert.equal(c.cookie('remember_token'), undefined)
    }))

  test('test_remember_me_refresh_every_request: off, a restore does not re-issue the cookie', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      const first = c.cookie('remember_token')
      closeBrowser(c)
      await c.get('/')
      assert.equal(c.lastSetCookie.some((l) => l.startsWith('remember_token=')), false)
      assert.equal(await body(await c.get('/')), 'user:1')
      assert.equal(c.lastSetCookie.length, 0)
      assert.equal(c.cookie('remember_token'), first)
    }))

  test('test_remember_me_refresh_every_request: on, each request that carried it gets a new expiry', () => {
    let now = 1_700_000_000_000
    return withApp(fw, { remember: { refreshEachRequest: true }, now: () => now }, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      const first = c.cookie('remember_token')
      now += 60_000
      assert.equal(await body(await c.get('/')), 'user:1')
      const line = c.lastSetCookie.find((l) => l.startsWith('remember_token='))
      assert.ok(line, 'the remember cookie was not refreshed')
      assert.match(line, /Max-Age=31536000/)
      assert.notEqual(c.cookie('remember_token'), first)
    })
  })

  test('refresh each request never creates a cookie for a login without remember', () =>
    withApp(fw, { remember: { refreshEachRequest: true } }, async (_t, c) => {
      await loginAs(c, '1')
      await c.get('/')
      await c.get('/private')
      assert.equal(c.cookie('remember_token'), undefined)
    }))

  test('test_user_loaded_from_cookie_fired: once, with the user', () =>
    withApp(fw, {}, async (t, c) => {
      await loginAs(c, '1', { remember: '1' })
      closeBrowser(c)
      const heard = record(t.manager, 'loadedFromCookie')
      await state(c)
      await c.get('/')
      assert.equal(heard.length, 1)
      assert.equal(heard[0].user.id, '1')
    }))

  test('test_invalid_remember_cookie: forged, truncated or foreign cookies are ignored and dropped', async () => {
    let foreign = ''
    await withApp(fw, { secret: OTHER_SECRET }, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      foreign = c.cookie('remember_token')!
    })
    await withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      const good = c.cookie('remember_token')!
      const flipped = good.slice(0, 20) + (good[20] === 'A' ? 'B' : 'A') + good.slice(21)
      for (const bad of ['foo', flipped, good.slice(0, -6), foreign, FLASK_COOKIE]) {
        const b = new Client(c.target)
        b.setCookie('remember_token', bad)
        const res = await b.get('/')
        assert.equal(await body(res), 'anonymous', bad)
        assert.equal(b.cookie('remember_token'), undefined, `not dropped: ${bad}`)
      }
    })
  })

  test('test_remember_me_user_id: a non-ASCII id round-trips (佐藤)', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '佐藤', { remember: '1' })
      closeBrowser(c)
      assert.equal(await body(await c.get('/')), 'user:佐藤')
    }))

  test('Flask-Login compat: the exact Flask-Login cookie for secret "deterministic" and id 1', () =>
    withApp(fw, FLASK, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      assert.equal(c.cookie('remember_token'), FLASK_COOKIE)
    }))

  test('Flask-Login compat: a cookie minted by the Flask app logs the user in; a forged one does not', () =>
    withApp(fw, FLASK, async (_t, c) => {
      c.setCookie('remember_token', FLASK_COOKIE)
      let s = await state(c)
      assert.equal(s.user, '1')
      assert.equal(s.fresh, false)
      const b = new Client(c.target)
      b.setCookie('remember_token', FLASK_COOKIE.replace('1|', '3|'))
      s = await state(b)
      assert.equal(s.user, null)
    }))

  test('Flask-Login compat: a non-ASCII id round-trips', () =>
    withApp(fw, FLASK, async (_t, c) => {
      await loginAs(c, '佐藤', { remember: '1' })
      closeBrowser(c)
      assert.equal(await body(await c.get('/')), 'user:佐藤')
    }))

  test('the default format is not Flask-Login\'s forgeable one', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      assert.doesNotMatch(c.cookie('remember_token')!, /^1\|/)
      assert.match(c.cookie('remember_token')!, /^v1\./)
    }))
})
