/**
 * @module internal/testing/throttle-suite: the conformance suite every `ThrottleStore` must pass.
 *
 * It registers `node:test` tests; run it from a test file with a factory that returns a fresh,
 * empty store each time (or one whose keys other tests never use: every test here uses new keys).
 * Times are passed in, never read from a clock, so the suite runs the same on every engine.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { ThrottleStore } from '../throttle/types.ts'
import { randomToken } from '../crypto/primitives.ts'

/** Options of {@link testThrottleStore}. */
export interface TestThrottleStoreOptions {
  /** Skip the whole suite with this reason (e.g. the server is not installed). */
  skip?: string | false
  /** Called after the suite, to close clients. */
  teardown?: () => Promise<void> | void
}

const key = () => `p:${randomToken(16)}`
const T0 = 1_900_000_000

/**
 * Register the throttle store conformance tests.
 *
 * @param name - suite name, e.g. `'redis throttle store'`.
 * @param makeStore - returns a store for one test.
 * @example
 * ```ts
 * import { testThrottleStore } from 'doorman-login/testing'
 * testThrottleStore('my throttle store', () => myThrottleStore(client))
 * ```
 */
export function testThrottleStore(name: string, makeStore: () => Promise<ThrottleStore> | ThrottleStore, options: TestThrottleStoreOptions = {}): void {
  describe(`${name}: ThrottleStore conformance`, { skip: options.skip || false }, () => {
    if (options.teardown) after(options.teardown)

    it('a first hit opens a window of the given length', async () => {
      const s = await makeStore()
      const k = key()
      assert.equal(await s.peek(k, T0), null)
      assert.deepEqual(await s.hit(k, 900, T0), { count: 1, pending: 0, first: T0, last: T0, expiresAt: T0 + 900 })
      assert.deepEqual(await s.peek(k, T0), { count: 1, pending: 0, first: T0, last: T0, expiresAt: T0 + 900 })
    })

    it('later hits count up and move `last`; the window does not slide', async () => {
      const s = await makeStore()
      const k = key()
      await s.hit(k, 900, T0)
      assert.deepEqual(await s.hit(k, 900, T0 + 10), { count: 2, pending: 0, first: T0, last: T0 + 10, expiresAt: T0 + 900 })
      assert.deepEqual(await s.hit(k, 900, T0 + 899), { count: 3, pending: 0, first: T0, last: T0 + 899, expiresAt: T0 + 900 })
    })

    it('at the end of the window the bucket is gone, and the next hit starts again', async () => {
      const s = await makeStore()
      const k = key()
      await s.hit(k, 60, T0)
      await s.hit(k, 60, T0 + 1)
      assert.equal(await s.peek(k, T0 + 60), null)
      assert.deepEqual(await s.hit(k, 60, T0 + 61), { count: 1, pending: 0, first: T0 + 61, last: T0 + 61, expiresAt: T0 + 121 })
    })

    it('deltas: pending up and down, count and pending together, never below zero, `last` only moves with count', async () => {
      const s = await makeStore()
      const k = key()
      assert.deepEqual(await s.hit(k, 900, T0, { pending: 1 }), { count: 0, pending: 1, first: T0, last: T0, expiresAt: T0 + 900 })
      assert.deepEqual(await s.hit(k, 900, T0 + 5, { pending: 1 }), { count: 0, pending: 2, first: T0, last: T0, expiresAt: T0 + 900 })
      assert.deepEqual(await s.hit(k, 900, T0 + 6, { count: 1, pending: -1 }), { count: 1, pending: 1, first: T0, last: T0 + 6, expiresAt: T0 + 900 })
      assert.deepEqual(await s.hit(k, 900, T0 + 7, { pending: -5 }), { count: 1, pending: 0, first: T0, last: T0 + 6, expiresAt: T0 + 900 })
      assert.deepEqual(await s.hit(k, 900, T0 + 8, { count: -3 }), { count: 0, pending: 0, first: T0, last: T0 + 6, expiresAt: T0 + 900 })
    })

    it('peek never writes', async () => {
      const s = await makeStore()
      const k = key()
      await s.peek(k, T0)
      assert.equal((await s.hit(k, 30, T0 + 1)).count, 1)
      await s.peek(k, T0 + 2)
      assert.equal((await s.hit(k, 30, T0 + 3)).count, 2)
    })

    it('reset deletes one bucket (and is a no-op when there is none)', async () => {
      const s = await makeStore()
      const [a, b] = [key(), key()]
      await s.hit(a, 900, T0)
      await s.hit(b, 900, T0)
      await s.reset(a)
      await s.reset(key())
      assert.equal(await s.peek(a, T0), null)
      assert.equal((await s.peek(b, T0))?.count, 1)
      assert.equal((await s.hit(a, 900, T0 + 1)).count, 1)
    })

    it('concurrent hits are atomic: 40 parallel hits count to 40, each seeing a distinct count', async () => {
      const s = await makeStore()
      const k = key()
      const results = await Promise.all(Array.from({ length: 40 }, () => s.hit(k, 900, T0)))
      assert.deepEqual(results.map((r) => r.count).sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i + 1))
      assert.equal((await s.peek(k, T0))?.count, 40)
    })

    it('long windows and keys of every throttle kind', async () => {
      const s = await makeStore()
      for (const prefix of ['a:', 'n:', 'p:', 't:']) {
        const k = prefix + randomToken(32)
        assert.deepEqual(await s.hit(k, 30 * 86400, T0), { count: 1, pending: 0, first: T0, last: T0, expiresAt: T0 + 30 * 86400 })
      }
    })
  })
}
