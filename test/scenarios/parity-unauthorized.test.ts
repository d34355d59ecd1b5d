/**
 * @module test/scenarios/parity-unauthorized: Flask-Login parity E (unauthorized and
 * needs-refresh flows), on every adapter.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TestAppOptions } from '../apps/common.ts'
import { body, eachAdapter, loginAs, record, withApp } from '../helpers/scenario.ts'

const flashes = async (c: import('../helpers/client.ts').Client) => (await c.get('/flashes')).json()
const VIEW: TestAppOptions = { loginView: '/login', refreshView: '/reauth' }

eachAdapter('E. unauthorized', (fw) => {
  test('test_unauthorized_fires_unauthorized_signal: once, before the handler runs', () => {
    let heardWhenHandled = -1
    let heard: unknown[] = []
    return withApp(fw, { unauthorizedHandler: async () => ((heardWhenHandled = heard.length), new Response('no', { status: 401 })) }, async (t, c) => {
      heard = record(t.manager, 'unauthorized')
      await c.get('/private')
      assert.equal(heard.length, 1)
      assert.equal(heardWhenHandled, 1)
    })
  })

  test('test_unauthorized_uses_authorized_handler: its response is used as it is', () =>
    withApp(fw, { loginView: '/login', unauthorizedHandler: async () => new Response('This is secret!', { status: 418, headers: { 'x-custom': 'yes' } }) }, async (_t, c) => {
      const res = await c.get('/private', { headers: { accept: 'application/json' } })
      assert.equal(res.status, 418)
      assert.equal(res.headers.get('x-custom'), 'yes')
      assert.equal(await res.text(), 'This is secret!')
      assert.equal(res.headers.get('location'), null)
    }))

  test('test_unauthorized_aborts_with_401: no handler and no login view', () =>
    withApp(fw, {}, async (_t, c) => {
      const res = await c.get('/private')
      assert.equal(res.status, 401)
      assert.equal(res.headers.get('location'), null)
      assert.deepEqual(await flashes(c), [])
    }))

  test('test_unauthorized_redirects_to_login_view: 302 with next as a relative path and query', () =>
    withApp(fw, VIEW, async (_t, c) => {
      let res = await c.get('/private')
      assert.equal(res.status, 302)
      assert.equal(res.headers.get('location'), '/login?next=%2Fprivate')
      res = await c.get('/private?x=1&y=%C3%A9')
      assert.equal(res.headers.get('location'), '/login?next=%2Fprivate%3Fx%3D1%26y%3D%25C3%25A9')
    }))

  test('a login view with a query keeps it; the next field name is configurable', () =>
    withApp(fw, { loginView: '/login?lang=fr', nextField: 'n' }, async (_t, c) => {
      assert.equal((await c.get('/private')).headers.get('location'), '/login?lang=fr&n=%2Fprivate')
    }))

  test('a login view on another origin gets the absolute current URL as next', () =>
    withApp(fw, { loginView: 'https://auth.example/login' }, async (_t, c) => {
      const loc = new URL((await c.get('/private')).headers.get('location')!)
      assert.equal(loc.origin, 'https://auth.example')
      const next = new URL(loc.searchParams.get('next')!)
      assert.equal(next.protocol, 'http:')
      assert.equal(next.pathname, '/private')
    }))

  test('test_unauthorized_flashes_message_with_login_view: default message and category', () =>
    withApp(fw, VIEW, async (_t, c) => {
      await c.get('/private')
      assert.deepEqual(await flashes(c), [['message', 'Please log in to access this page.']])
    }))

  test('test_unauthorized_flashes_message_with_login_view: custom message and category', () =>
    withApp(fw, { ...VIEW, loginMessage: 'Log in!', loginMessageCategory: 'login' }, async (_t, c) => {
      await c.get('/private')
      assert.deepEqual(await flashes(c), [['login', 'Log in!']])
    }))

  test('test_unauthorized_flash_message_localized', () =>
    withApp(fw, { ...VIEW, loginMessage: 'Log in!', loginMessageCategory: 'login', localize: (m) => (m === 'Log in!' ? 'Einloggen' : m) }, async (_t, c) => {
      await c.get('/private')
      assert.deepEqual(await flashes(c), [['login', 'Einloggen']])
    }))

  test('an empty login message flashes nothing (and writes no cookie)', () =>
    withApp(fw, { ...VIEW, loginMessage: '' }, async (_t, c) => {
      const res = await c.get('/private')
      assert.equal(res.status, 302)
      assert.deepEqual(res.headers.getSetCookie(), [])
      assert.deepEqual(await flashes(c), [])
    }))

  test('test_unauthorized_with_next_in_session: no query; the session holds next, read once', () =>
    withApp(fw, { ...VIEW, useSessionForNext: true }, async (_t, c) => {
      const res = await c.get('/private?x=1')
      assert.equal(res.status, 302)
      assert.equal(res.headers.get('location'), '/login')
      assert.deepEqual(await (await c.get('/next')).json(), { next: '/private?x=1' })
      assert.deepEqual(await (await c.get('/next')).json(), { next: '/fallback' })
    }))

  test('test_unauthorized_with_next_in_strong_session', () =>
    withApp(fw, { ...VIEW, useSessionForNext: true, sessionProtection: 'strong' }, async (_t, c) => {
      assert.equal((await c.get('/private')).headers.get('location'), '/login')
      await c.get('/')
      const res = await c.post('/login', { id: '1' })
      assert.equal(res.headers.get('location'), '/private')
      assert.equal(await body(await c.get('/private')), 'private:1')
    }))

  test('test_unauthorized_uses_blueprint_login_view: per-area and per-route views, app view for the rest', () =>
    withApp(fw, { loginView: '/app_login', loginViews: { '/admin': '/admin_login' } }, async (_t, c) => {
      assert.equal((await c.get('/private')).headers.get('location'), '/app_login?next=%2Fprivate')
      assert.equal((await c.get('/admin/page')).headers.get('location'), '/admin_login?next=%2Fadmin%2Fpage')
      assert.equal((await c.get('/private-view')).headers.get('location'), '/route-login?next=%2Fprivate-view')
    }))

  test('test_set_login_view_without_blueprints: an area view alone, 401 elsewhere', () =>
    withApp(fw, { loginViews: { '/admin': '/admin_login' } }, async (_t, c) => {
      assert.equal((await c.get('/admin/page')).headers.get('location'), '/admin_login?next=%2Fadmin%2Fpage')
      assert.equal((await c.get('/private')).status, 401)
    }))

  test('test_unauthorized_uses_host_from_config_when_available (forceHostForRedirects)', () =>
    withApp(fw, { loginView: '/login', forceHostForRedirects: 'good.com' }, async (_t, c) => {
      const res = await c.get('/private', { headers: { 'x-forwarded-host': 'proxy.com' } })
      assert.equal(res.headers.get('location'), '//good.com/login?next=%2Fprivate')
    }))

  test('test_unauthorized_uses_host_from_next_url: without it, no host from the request', () =>
    withApp(fw, { loginView: '/login', trustProxy: true }, async (_t, c) => {
      const res = await c.get('/private', { headers: { 'x-forwarded-host': 'proxy.com' } })
      assert.equal(res.headers.get('location'), '/login?next=%2Fprivate')
    }))
})

eachAdapter('E. needs refresh', (fw) => {
  test('test_needs_refresh_aborts_401: no handler and no refresh view', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { fresh: '0' })
      assert.equal((await c.get('/fresh')).status, 401)
    }))

  test('test_redirects_to_refresh_view', () =>
    withApp(fw, VIEW, async (_t, c) => {
      await loginAs(c, '1', { fresh: '0' })
      const res = await c.get('/fresh')
      assert.equal(res.status, 302)
      assert.equal(res.headers.get('location'), '/reauth?next=%2Ffresh')
    }))

  test('test_needs_refresh_fires_flash_when_redirect_to_refresh_view (default, then custom)', async () => {
    await withApp(fw, VIEW, async (_t, c) => {
      await loginAs(c, '1', { fresh: '0' })
      await c.get('/fresh')
      assert.deepEqual(await flashes(c), [['message', 'Please reauthenticate to access this page.']])
    })
    await withApp(fw, { ...VIEW, needsRefreshMessage: 'Refresh', needsRefreshMessageCategory: 'refresh' }, async (_t, c) => {
      await loginAs(c, '1', { fresh: '0' })
      await c.get('/fresh')
      assert.deepEqual(await flashes(c), [['refresh', 'Refresh']])
    })
  })

  test('test_needs_refresh_flash_message_localized', () =>
    withApp(fw, { ...VIEW, needsRefreshMessage: 'Refresh', needsRefreshMessageCategory: 'refresh', localize: (m) => (m === 'Refresh' ? 'Aktualisieren' : m) }, async (_t, c) => {
      await loginAs(c, '1', { fresh: '0' })
      await c.get('/fresh')
      assert.deepEqual(await flashes(c), [['refresh', 'Aktualisieren']])
    }))

  test('test_needs_refresh_uses_handler', () =>
    withApp(fw, { ...VIEW, needsRefreshHandler: async () => new Response('Needs Refresh!', { status: 403 }) }, async (_t, c) => {
      await loginAs(c, '1', { fresh: '0' })
      const res = await c.get('/fresh')
      assert.equal(res.status, 403)
      assert.equal(await res.text(), 'Needs Refresh!')
    }))

  test('test_needs_refresh_fires_needs_refresh_signal: once, with the user', () =>
    withApp(fw, VIEW, async (t, c) => {
      await loginAs(c, '1', { fresh: '0' })
      const heard = record(t.manager, 'needsRefresh')
      const unauthorized = record(t.manager, 'unauthorized')
      await c.get('/fresh')
      assert.equal(heard.length, 1)
      assert.equal((heard[0].user as { id: string }).id, '1')
      assert.equal(unauthorized.length, 0)
    }))

  test('test_refresh_with_next_in_session', () =>
    withApp(fw, { ...VIEW, useSessionForNext: true }, async (_t, c) => {
      await loginAs(c, '1', { fresh: '0' })
      assert.equal((await c.get('/fresh')).headers.get('location'), '/reauth')
      assert.deepEqual(await (await c.get('/next')).json(), { next: '/fresh' })
    }))

  test('per-area and per-route refresh views', () =>
    withApp(fw, { ...VIEW, refreshViews: { '/admin': '/admin/reauth' } }, async (_t, c) => {
      await loginAs(c, '1', { fresh: '0' })
      assert.equal((await c.get('/admin/fresh')).headers.get('location'), '/admin/reauth?next=%2Fadmin%2Ffresh')
      assert.equal((await c.get('/fresh-view')).headers.get('location'), '/route-reauth?next=%2Ffresh-view')
      assert.equal((await c.get('/fresh')).headers.get('location'), '/reauth?next=%2Ffresh')
    }))

  test('anonymous on a fresh-only route goes to the login view, not the refresh view', () =>
    withApp(fw, VIEW, async (t, c) => {
      const heard = record(t.manager, 'needsRefresh')
      assert.equal((await c.get('/fresh')).headers.get('location'), '/login?next=%2Ffresh')
      assert.equal(heard.length, 0)
    }))
})
