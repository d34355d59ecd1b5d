/**
 * @module test/scenarios/better-rotation: where doorman does better than Flask-Login on
 * session identity: rotation on login, re-authentication and logout (with `next` and flashes
 * surviving), fixation against a planted valid session, and the per-user auth epoch; in both
 * cookie modes where it is observable, on every adapter.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { memoryStore } from '../../src/stores/memory.ts'
import { Client } from '../helpers/client.ts'
import { body, eachAdapter, loginAs, record, state, withApp } from '../helpers/scenario.ts'

const STORE = () => ({ store: memoryStore() })

eachAdapter('rotation', (fw) => {
  test('login, re-login, confirmLogin and logout each issue a new session; the old one is dead (store)', () =>
    withApp(fw, STORE(), async (_t, c) => {
      await loginAs(c, '1')
      const first = c.clone()
      await loginAs(c, '3')
      assert.notEqual(c.cookie('session'), first.cookie('session'))
      assert.equal(await body(await first.get('/')), 'anonymous')
      const second = c.clone()
      await c.request('/confirm', { method: 'POST' })
      assert.notEqual(c.cookie('session'), second.cookie('session'))
      assert.equal(await body(await second.get('/')), 'anonymous')
      assert.equal(await body(await c.get('/')), 'user:3')
      const third = c.clone()
      await c.request('/logout', { method: 'POST' })
      assert.equal(await body(await third.get('/')), 'anonymous')
      assert.equal(await body(await c.get('/')), 'anonymous')
    }))

  test('login rotates the sealed session too (the pre-login cookie stays anonymous)', () =>
    withApp(fw, {}, async (_t, c) => {
      await c.get('/flash?m=hello')
      const before = c.clone()
      await loginAs(c, '1')
      assert.notEqual(c.cookie('session'), before.cookie('session'))
      assert.equal((await state(before)).user, null)
    }))

  test('flashes survive login and logout', () =>
    withApp(fw, STORE(), async (_t, c) => {
      await c.get('/flash?m=before-login')
      await loginAs(c, '1')
      assert.deepEqual(await (await c.get('/flashes')).json(), [['message', 'before-login']])
      await c.get('/flash?m=before-logout&c=info')
      await c.request('/logout', { method: 'POST' })
      assert.deepEqual(await (await c.get('/flashes')).json(), [['info', 'before-logout']])
    }))

  test('the session-kept next survives login (useSessionForNext)', () =>
    withApp(fw, { loginView: '/login', useSessionForNext: true, ...STORE() }, async (_t, c) => {
      assert.equal((await c.get('/private?tab=2')).headers.get('location'), '/login')
      const res = await c.post('/login', { id: '1' })
      assert.equal(res.status, 303)
      assert.equal(res.headers.get('location'), '/private?tab=2')
    }))

  test('app data survives a re-login of the same user, not a switch to another user', () =>
    withApp(fw, {}, async (_t, c) => {
      await c.get('/session/set?k=cart&v=3')
      await loginAs(c, '1')
      assert.deepEqual(await (await c.get('/session/get?k=cart')).json(), { value: '3' })
      await loginAs(c, '1')
      assert.deepEqual(await (await c.get('/session/get?k=cart')).json(), { value: '3' })
      await loginAs(c, '3')
      assert.deepEqual(await (await c.get('/session/get?k=cart')).json(), { value: null })
    }))
})

eachAdapter('fixation against a planted, valid session', (fw) => {
  test('sealed cookies: the attacker\'s valid anonymous session is not logged in by the victim\'s login', () =>
    withApp(fw, {}, async (_t, attacker) => {
      await attacker.get('/flash?m=planted')
      const planted = attacker.cookie('session')!
      const victim = new Client(attacker.target)
      victim.setCookie('session', planted)
      await loginAs(victim, '1')
      assert.notEqual(victim.cookie('session'), planted)
      assert.equal((await state(attacker)).user, null)
      assert.equal((await attacker.get('/private')).status, 401)
    }))

  test('store: the attacker\'s valid logged-in session is destroyed when the victim logs in over it', () =>
    withApp(fw, STORE(), async (_t, attacker) => {
      await loginAs(attacker, '3')
      const planted = attacker.cookie('session')!
      const victim = new Client(attacker.target)
      victim.setCookie('session', planted)
      assert.equal(await body(await victim.get('/')), 'user:3')
      await loginAs(victim, '1')
      assert.notEqual(victim.cookie('session'), planted)
      assert.equal(await body(await victim.get('/')), 'user:1')
      // The planted token names no session any more: neither the victim's nor the attacker's.
      assert.equal(await body(await attacker.get('/')), 'anonymous')
    }))

  test('store: logging out makes the pre-logout cookie worthless (replay is anonymous)', () =>
    withApp(fw, STORE(), async (_t, c) => {
      await loginAs(c, '1')
      const replay = c.clone()
      await c.request('/logout', { method: 'POST' })
      assert.equal(await body(await replay.get('/')), 'anonymous')
      assert.equal((await replay.get('/private')).status, 401)
    }))
})

eachAdapter('auth epoch (log out everywhere)', (fw) => {
  test('changing a user\'s epoch ends every session and sealed remember cookie of that user', () => {
    const epochs: Record<string, string> = { '1': 'v1', '3': 'v1' }
    return withApp(fw, { authEpoch: (u) => epochs[u.id] }, async (t, c) => {
      const mismatch = record(t.manager, 'epochMismatch')
      await loginAs(c, '1', { remember: '1' })
      const laptop = c.clone()
      const other = new Client(c.target)
      await loginAs(other, '3')
      assert.equal(await body(await laptop.get('/')), 'user:1')
      epochs['1'] = 'v2'
      assert.equal(await body(await c.get('/')), 'anonymous')
      assert.equal(c.cookie('remember_token'), undefined)
      laptop.deleteCookie('session')
      assert.equal(await body(await laptop.get('/')), 'anonymous')
      assert.equal(await body(await other.get('/')), 'user:3')
      assert.ok(mismatch.length >= 2)
      assert.equal(mismatch[0].userId, '1')
      await loginAs(c, '1', { remember: '1' })
      assert.equal(await body(await c.get('/')), 'user:1')
    })
  })
})
