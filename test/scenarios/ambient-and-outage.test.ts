/**
 * @module test/scenarios/ambient-and-outage: the ambient accessors (`ambient: true`) reached
 * through each adapter, GET and POST with a body; and a store outage failing closed (503), on
 * every adapter.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { memoryStore } from '../../src/stores/memory.ts'
import type { SessionStore } from '../../src/session/store.ts'
import { body, eachAdapter, loginAs, withApp } from '../helpers/scenario.ts'

/** A memory store that can be switched off, as a Redis that went away. */
function flakyStore(): SessionStore & { down: boolean } {
  const inner = memoryStore()
  const s = { down: false } as SessionStore & { down: boolean }
  for (const m of ['get', 'create', 'update', 'rotate', 'touch', 'destroy', 'destroyUserSessions', 'listUserSessions'] as const) {
    ;(s as any)[m] = (...a: unknown[]) => (s.down ? Promise.reject(new Error('ECONNREFUSED')) : (inner as any)[m](...a))
  }
  return s
}

eachAdapter('ambient accessors', (fw) => {
  test('with ambient: true, currentUser() and loginUser() work without a request argument', () =>
    withApp(fw, { ambient: true }, async (_t, c) => {
      assert.equal(await body(await c.get('/ambient')), 'ambient:anonymous')
      assert.equal(await body(await c.post('/ambient?login=1', { filler: 'x'.repeat(2000) })), 'ambient:1')
      assert.equal(await body(await c.get('/ambient')), 'ambient:1')
      assert.equal(await body(await c.post('/ambient', { a: 'b' })), 'ambient:1')
      assert.equal(await body(await c.get('/')), 'user:1')
    }))

  test('without ambient, the accessors throw ContextError', () =>
    withApp(fw, {}, async (_t, c) => {
      assert.equal(await body(await c.get('/ambient')), 'no-context')
    }))
})

eachAdapter('store outage', (fw) => {
  test('guards answer 503 (not a login redirect, not a pass) while the store is down; service resumes after', () => {
    const store = flakyStore()
    return withApp(fw, { store, loginView: '/login' }, async (_t, c) => {
      await loginAs(c, '1')
      store.down = true
      const res = await c.get('/private')
      assert.equal(res.status, 503)
      assert.equal(res.headers.get('retry-after'), '5')
      assert.doesNotMatch(await res.text(), /ECONNREFUSED|at .*\.ts/)
      const api = await c.get('/private', { headers: { accept: 'application/json' } })
      assert.equal(api.status, 503)
      assert.equal((await api.json()).code, 'DOORMAN_STORE_UNAVAILABLE')
      store.down = false
      assert.equal(await body(await c.get('/private')), 'private:1')
    })
  })

  test('a route that loads the user during an outage answers 503, not 500 (Express: authErrorHandler)', () => {
    const store = flakyStore()
    return withApp(fw, { store }, async (_t, c) => {
      await loginAs(c, '1')
      store.down = true
      const res = await c.get('/')
      assert.equal(res.status, 503)
      assert.doesNotMatch(await res.text(), /ECONNREFUSED/)
    })
  })
})
