/**
 * @module test/scenarios/parity-login: Flask-Login parity C (loginUser, logoutUser,
 * confirmLogin, isFresh, isRemembered), on every adapter.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { body, closeBrowser, eachAdapter, loginAs, record, state, withApp } from '../helpers/scenario.ts'

eachAdapter('C. loginUser / logoutUser / confirmLogin', (fw) => {
  test('test_login_user: true, current in the same request, fresh, not remembered', () =>
    withApp(fw, {}, async (_t, c) => {
      const res = await loginAs(c, '1')
      assert.deepEqual(await res.json(), { ok: true, user: '1' })
      const s = await state(c)
      assert.equal(s.user, '1')
      assert.equal(s.fresh, true)
      assert.equal(s.remembered, false)
    }))

  test('test_login_persists', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1')
      assert.equal(await body(await c.get('/')), 'user:1')
      assert.equal(await body(await c.get('/')), 'user:1')
    }))

  test('test_login_user_not_fresh (fresh: false)', () =>
    withApp(fw, {}, async (_t, c) => {
      assert.equal((await (await loginAs(c, '1', { fresh: '0' })).json()).ok, true)
      const s = await state(c)
      assert.equal(s.user, '1')
      assert.equal(s.fresh, false)
    }))

  test('test_authentication_is_fresh (even with remember)', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      assert.equal((await state(c)).fresh, true)
    }))

  test('test_login_inactive_user: false and still anonymous', () =>
    withApp(fw, {}, async (t, c) => {
      const loggedIn = record(t.manager, 'loggedIn')
      const res = await loginAs(c, '2', { remember: '1' })
      assert.deepEqual(await res.json(), { ok: false, user: null })
      assert.deepEqual(res.headers.getSetCookie(), [])
      assert.equal(loggedIn.length, 0)
      assert.equal((await state(c)).anonymous, true)
    }))

  test('test_login_inactive_user_forced', () =>
    withApp(fw, {}, async (_t, c) => {
      assert.deepEqual(await (await loginAs(c, '2', { force: '1' })).json(), { ok: true, user: '2' })
      // The loader still refuses inactive users on later requests: forcing is for this login only.
      assert.equal(await body(await c.get('/')), 'anonymous')
    }))

  test('test_login_user_emits_signal: loggedIn fires once with the user', () =>
    withApp(fw, {}, async (t, c) => {
      const heard = record(t.manager, 'loggedIn')
      await loginAs(c, '1', { remember: '1', fresh: '0' })
      assert.equal(heard.length, 1)
      assert.equal(heard[0].user.id, '1')
      assert.equal(heard[0].remember, true)
      assert.equal(heard[0].fresh, false)
      assert.equal(heard[0].request.method, 'POST')
    }))

  test('test_logout_logs_out_current_user: true, anonymous at once', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1')
      assert.deepEqual(await (await c.request('/logout', { method: 'POST' })).json(), { ok: true })
      assert.equal((await state(c)).anonymous, true)
    }))

  test('test_logout_persists', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1')
      await c.request('/logout', { method: 'POST' })
      assert.equal(await body(await c.get('/')), 'anonymous')
      assert.equal(await body(await c.get('/')), 'anonymous')
    }))

  test('test_logout_emits_signal: loggedOut fires once with the user who left', () =>
    withApp(fw, {}, async (t, c) => {
      await loginAs(c, '1')
      const heard = record(t.manager, 'loggedOut')
      await c.request('/logout', { method: 'POST' })
      assert.equal(heard.length, 1)
      assert.equal((heard[0].user as { id: string }).id, '1')
    }))

  test('test_logout_without_current_user: tolerated, the event says nobody', () =>
    withApp(fw, {}, async (t, c) => {
      const heard = record(t.manager, 'loggedOut')
      const res = await c.request('/logout', { method: 'POST' })
      assert.equal(res.status, 200)
      assert.deepEqual(await res.json(), { ok: true })
      assert.equal(heard.length, 1)
      assert.equal(heard[0].user, null)
    }))

  test('test_logout_stays_logged_out_with_remember_me', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      const res = await c.request('/logout', { method: 'POST' })
      assert.ok(res.headers.getSetCookie().some((l) => /^remember_token=;.*Max-Age=0/.test(l)))
      assert.equal(c.cookie('remember_token'), undefined)
      closeBrowser(c)
      assert.equal(await body(await c.get('/')), 'anonymous')
    }))

  test('test_logout_stays_logged_out_with_remember_me_custom_duration', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1', duration: '25200' })
      await c.request('/logout', { method: 'POST' })
      closeBrowser(c)
      assert.equal(await body(await c.get('/')), 'anonymous')
    }))

  test('test_confirm_login: a remembered login becomes fresh, still remembered', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      closeBrowser(c)
      let s = await state(c)
      assert.equal(s.fresh, false)
      assert.equal(s.remembered, true)
      assert.deepEqual(await (await c.request('/confirm', { method: 'POST' })).json(), { fresh: true })
      s = await state(c)
      assert.equal(s.fresh, true)
      assert.equal(s.remembered, true)
    }))

  test('test_user_login_confirmed_signal_fired', () =>
    withApp(fw, {}, async (t, c) => {
      await loginAs(c, '1', { fresh: '0' })
      const heard = record(t.manager, 'loginConfirmed')
      await c.request('/confirm', { method: 'POST' })
      assert.equal(heard.length, 1)
      assert.equal((heard[0].user as { id: string }).id, '1')
    }))

  test('test_login_user_remembered: isRemembered in the login request and the next ones', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      assert.equal((await state(c)).remembered, true)
    }))

  test('test_remember_me_is_unfresh: a restored login is not fresh', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      closeBrowser(c)
      const s = await state(c)
      assert.equal(s.user, '1')
      assert.equal(s.fresh, false)
      assert.equal(s.remembered, true)
    }))

  test('a login without remember is not remembered, and drops an older remember cookie', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      await loginAs(c, '3')
      assert.equal(c.cookie('remember_token'), undefined)
      assert.equal((await state(c)).remembered, false)
    }))
})
