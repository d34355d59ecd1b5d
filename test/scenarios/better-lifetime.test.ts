/**
 * @module test/scenarios/better-lifetime: idle and absolute timeouts checked on the server (a
 * fake clock through the manager's `now`), and secret rotation, over HTTP on every adapter.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { memoryStore } from '../../src/stores/memory.ts'
import { OTHER_SECRET, TEST_SECRET } from '../apps/common.ts'
import { Client } from '../helpers/client.ts'
import { body, eachAdapter, loginAs, state, withApp } from '../helpers/scenario.ts'

const T0 = 1_700_000_000_000
const MIN = 60_000

eachAdapter('idle and absolute timeouts', (fw) => {
  for (const mode of ['cookie', 'store'] as const) {
    test(`idle timeout (${mode}): unused for longer than idleTimeout means anonymous`, () => {
      let now = T0
      const store = mode === 'store' ? { store: memoryStore({ now: () => now }) } : {}
      return withApp(fw, { now: () => now, session: { idleTimeout: '30m', absoluteTimeout: '8h' }, ...store }, async (_t, c) => {
        await loginAs(c, '1')
        now += 29 * MIN
        assert.equal(await body(await c.get('/')), 'user:1')
        now += 29 * MIN
        assert.equal(await body(await c.get('/')), 'user:1', 'activity keeps the session alive')
        now += 31 * MIN
        assert.equal(await body(await c.get('/')), 'anonymous')
      })
    })

    test(`absolute timeout (${mode}): however active, the session ends`, () => {
      let now = T0
      const store = mode === 'store' ? { store: memoryStore({ now: () => now }) } : {}
      return withApp(fw, { now: () => now, session: { idleTimeout: '30m', absoluteTimeout: '2h' }, ...store }, async (_t, c) => {
        await loginAs(c, '1')
        for (let i = 0; i < 4; i++) {
          now += 25 * MIN
          assert.equal(await body(await c.get('/')), 'user:1', `after ${(i + 1) * 25} min`)
        }
        now += 25 * MIN
        assert.equal(await body(await c.get('/')), 'anonymous')
      })
    })
  }

  test('a remember cookie outlives the session and restores a new, non-fresh one', () => {
    let now = T0
    return withApp(fw, { now: () => now, session: { idleTimeout: '30m' } }, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      now += 3 * 3600_000
      const s = await state(c)
      assert.equal(s.user, '1')
      assert.equal(s.fresh, false)
    })
  })

  test('the remember cookie\'s own expiry is checked on the server, not the browser\'s Max-Age', () => {
    let now = T0
    return withApp(fw, { now: () => now }, async (_t, c) => {
      await loginAs(c, '1', { remember: '1', duration: '1d' })
      now += 2 * 86400_000
      c.deleteCookie('session')
      assert.equal(await body(await c.get('/')), 'anonymous')
    })
  })

  test('activity is recorded at most every touchInterval (no cookie on every request)', () => {
    let now = T0
    return withApp(fw, { now: () => now, session: { idleTimeout: '30m', touchInterval: '5m' } }, async (_t, c) => {
      await loginAs(c, '1')
      now += 2 * MIN
      assert.deepEqual((await c.get('/')).headers.getSetCookie(), [])
      now += 4 * MIN
      assert.equal((await c.get('/')).headers.getSetCookie().length, 1)
      now += 1 * MIN
      assert.deepEqual((await c.get('/')).headers.getSetCookie(), [])
    })
  })
})

eachAdapter('secret rotation', (fw) => {
  test('an old secret second in the list still opens; cookies are re-issued under the new one; a removed secret means anonymous', async () => {
    const old = new Map<string, string>()
    await withApp(fw, { secret: TEST_SECRET }, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      old.set('session', c.cookie('session')!).set('remember_token', c.cookie('remember_token')!)
    })
    const reissued = new Map<string, string>()
    await withApp(fw, { secret: [OTHER_SECRET, TEST_SECRET] }, async (_t, c) => {
      c.setCookie('session', old.get('session')!)
      const res = await c.get('/')
      assert.equal(await res.text(), 'user:1')
      assert.ok(res.headers.getSetCookie().some((l) => l.startsWith('session=')), 're-issued under the new key')
      assert.notEqual(c.cookie('session'), old.get('session'))
      reissued.set('session', c.cookie('session')!)
      const r = new Client(c.target)
      r.setCookie('remember_token', old.get('remember_token')!)
      assert.equal(await body(await r.get('/')), 'user:1')
    })
    await withApp(fw, { secret: OTHER_SECRET }, async (_t, c) => {
      c.setCookie('session', reissued.get('session')!)
      assert.equal(await body(await c.get('/')), 'user:1')
      const stale = new Client(c.target)
      stale.setCookie('session', old.get('session')!)
      stale.setCookie('remember_token', old.get('remember_token')!)
      assert.equal(await body(await stale.get('/')), 'anonymous')
      assert.equal(stale.cookie('remember_token'), undefined)
    })
  })
})
