/**
 * @module internal/testing/remember-suite: the conformance suite every `RememberTokenStore` must pass.
 *
 * It registers `node:test` tests; run it from a test file with a factory that returns a fresh,
 * empty store each time (a new key prefix, schema or database). What it pins down is what the
 * remember-me strategy relies on (security.md §5): a series reads back exactly, an expired series
 * reads as missing and cannot rotate, rotation is a compare-and-swap that exactly one of many
 * concurrent requests wins, and deletion is final.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { RememberTokenRecord, RememberTokenStore, SessionStore } from '../session/store.ts'
import { randomToken } from '../crypto/primitives.ts'

/** Options of {@link testRememberTokenStore}. */
export interface TestRememberTokenStoreOptions {
  /** Skip the whole suite with this reason (e.g. the server is not installed). */
  skip?: string | false
  /** Called after the suite, to close clients. */
  teardown?: () => Promise<void> | void
}

const nowSeconds = () => Math.floor(Date.now() / 1000)
const hash = () => randomToken(32)

function token(userId: string, over: Partial<RememberTokenRecord> = {}): RememberTokenRecord {
  const now = nowSeconds()
  return {
    selector: randomToken(16),
    validatorHash: hash(),
    previousHash: null,
    rotatedAt: null,
    userId,
    createdAt: now,
    expiresAt: now + 30 * 24 * 3600,
    lastUsedAt: now,
    epoch: randomToken(16),
    ...over,
  }
}

const ttlOf = (t: RememberTokenRecord) => Math.max(1, t.expiresAt - nowSeconds())

/**
 * Register the remember-token store conformance tests.
 *
 * @param name - suite name, e.g. `'redis store'`.
 * @param makeStore - returns a fresh store for one test.
 * @param options - skip reason and teardown.
 * @example
 * ```ts
 * import { testRememberTokenStore } from 'doorman-login/testing'
 * testRememberTokenStore('my store', async () => new MyStore(client))
 * ```
 */
export function testRememberTokenStore(
  name: string,
  makeStore: () => Promise<RememberTokenStore> | RememberTokenStore,
  options: TestRememberTokenStoreOptions = {},
): void {
  describe(`${name}: RememberTokenStore conformance`, { skip: options.skip || false }, () => {
    it('returns null for an unknown selector', async () => {
      const s = await makeStore()
      assert.equal(await s.getToken(randomToken(16)), null)
    })

    it('round-trips a series exactly (create, then get), the epoch tag included', async () => {
      const s = await makeStore()
      const t = token('佐藤 ✓')
      await s.createToken(t, ttlOf(t))
      assert.deepEqual(await s.getToken(t.selector), t)
      const rotated = token('u1', { previousHash: hash(), rotatedAt: t.createdAt + 5, lastUsedAt: t.createdAt + 5, epoch: null })
      await s.createToken(rotated, ttlOf(rotated))
      assert.deepEqual(await s.getToken(rotated.selector), rotated)
    })

    it('returns copies: mutating a result does not change the store', async () => {
      const s = await makeStore()
      const t = token('u1')
      await s.createToken(t, ttlOf(t))
      const got = (await s.getToken(t.selector))!
      got.validatorHash = 'changed'
      assert.equal((await s.getToken(t.selector))!.validatorHash, t.validatorHash)
    })

    it('a series past its expiresAt reads as missing', async () => {
      const s = await makeStore()
      const now = nowSeconds()
      const t = token('u1', { createdAt: now - 100, lastUsedAt: now - 100, expiresAt: now - 1 })
      await s.createToken(t, 3600)
      assert.equal(await s.getToken(t.selector), null)
    })

    it('rotateToken swaps the validator once, keeping the absolute expiry', async () => {
      const s = await makeStore()
      const t = token('u1')
      await s.createToken(t, ttlOf(t))
      const next = hash()
      const at = t.createdAt + 7
      assert.equal(await s.rotateToken(t.selector, t.validatorHash, next, at), true)
      assert.deepEqual(await s.getToken(t.selector), {
        ...t,
        validatorHash: next,
        previousHash: t.validatorHash,
        rotatedAt: at,
        lastUsedAt: at,
      })
      // A second rotation from the stale validator loses: someone already rotated.
      assert.equal(await s.rotateToken(t.selector, t.validatorHash, hash(), at + 1), false)
      assert.equal((await s.getToken(t.selector))!.validatorHash, next)
      // Rotating on from the current validator works, and the previous one moves along.
      const third = hash()
      assert.equal(await s.rotateToken(t.selector, next, third, at + 2), true)
      const got = (await s.getToken(t.selector))!
      assert.equal(got.validatorHash, third)
      assert.equal(got.previousHash, next)
      assert.equal(got.expiresAt, t.expiresAt)
      assert.equal(got.createdAt, t.createdAt)
      assert.equal(got.epoch, t.epoch)
    })

    it('concurrent rotations from the same validator: exactly one wins', async () => {
      const s = await makeStore()
      const t = token('u1')
      await s.createToken(t, ttlOf(t))
      const candidates = Array.from({ length: 20 }, hash)
      const results = await Promise.all(candidates.map((h) => s.rotateToken(t.selector, t.validatorHash, h, t.createdAt + 1)))
      assert.equal(results.filter(Boolean).length, 1)
      const winner = candidates[results.indexOf(true)]
      const got = (await s.getToken(t.selector))!
      assert.equal(got.validatorHash, winner)
      assert.equal(got.previousHash, t.validatorHash)
    })

    it('rotateToken is false for an unknown, deleted or expired series, and creates nothing', async () => {
      const s = await makeStore()
      const unknown = randomToken(16)
      assert.equal(await s.rotateToken(unknown, hash(), hash(), nowSeconds()), false)
      assert.equal(await s.getToken(unknown), null)

      const gone = token('u1')
      await s.createToken(gone, ttlOf(gone))
      await s.deleteToken(gone.selector)
      assert.equal(await s.rotateToken(gone.selector, gone.validatorHash, hash(), nowSeconds()), false)
      assert.equal(await s.getToken(gone.selector), null)

      const now = nowSeconds()
      const old = token('u1', { createdAt: now - 100, lastUsedAt: now - 100, expiresAt: now - 1 })
      await s.createToken(old, 3600)
      assert.equal(await s.rotateToken(old.selector, old.validatorHash, hash(), now), false)
      assert.equal(await s.getToken(old.selector), null)
    })

    it('deleteToken removes one series and is idempotent', async () => {
      const s = await makeStore()
      const [a, b] = [token('u1'), token('u1')]
      await s.createToken(a, ttlOf(a))
      await s.createToken(b, ttlOf(b))
      await s.deleteToken(a.selector)
      await s.deleteToken(a.selector)
      await s.deleteToken(randomToken(16))
      assert.equal(await s.getToken(a.selector), null)
      assert.deepEqual(await s.getToken(b.selector), b)
    })

    it('deleteUserTokens deletes every series of the user but the one kept', async () => {
      const s = await makeStore()
      const user = `u-${randomToken(6)}`
      const [a, b, c] = [token(user), token(user), token(user)]
      const other = token(`other-${user}`)
      for (const t of [a, b, c, other]) await s.createToken(t, ttlOf(t))
      assert.equal(await s.deleteUserTokens(user, b.selector), 2)
      assert.equal(await s.getToken(a.selector), null)
      assert.equal(await s.getToken(c.selector), null)
      assert.deepEqual(await s.getToken(b.selector), b)
      assert.deepEqual(await s.getToken(other.selector), other)
      assert.equal(await s.deleteUserTokens(user), 1)
      assert.equal(await s.getToken(b.selector), null)
      assert.equal(await s.rotateToken(b.selector, b.validatorHash, hash(), nowSeconds()), false)
      assert.equal(await s.deleteUserTokens(user), 0)
      assert.equal(await s.deleteUserTokens(`nobody-${user}`, null), 0)
      assert.deepEqual(await s.getToken(other.selector), other)
    })

    it('a rotation racing a delete never brings the series back, in 40 rounds', async () => {
      const s = await makeStore()
      let revived = 0
      for (let round = 0; round < 40; round++) {
        const t = token('u1')
        await s.createToken(t, ttlOf(t))
        await Promise.all([s.rotateToken(t.selector, t.validatorHash, hash(), nowSeconds()), s.deleteToken(t.selector)])
        if ((await s.getToken(t.selector)) !== null) revived++
      }
      assert.equal(revived, 0, `${revived}/40 deleted series came back`)
    })

    it('a restore racing a logout leaves no live session (stores that keep sessions too), in 40 rounds', async (t) => {
      const s = (await makeStore()) as RememberTokenStore & Partial<SessionStore>
      if (typeof s.create !== 'function' || typeof s.get !== 'function' || typeof s.destroy !== 'function' || typeof s.destroySessionsBySelector !== 'function') {
        return t.skip('the store does not keep sessions (or has no destroySessionsBySelector)')
      }
      // doorman's protocol: the restore writes its session first and checks its series second; the
      // logout deletes the series first and the series' sessions second. Whatever the interleaving,
      // one side sees the other, provided each call is atomic and visible once it has resolved.
      const user = `u-${randomToken(6)}`
      let alive = 0
      for (let round = 0; round < 40; round++) {
        const series = token(user)
        await s.createToken(series, ttlOf(series))
        const id = randomToken(32)
        const now = nowSeconds()
        const restore = async () => {
          const rec = { userId: user, data: { round }, createdAt: now, lastSeenAt: now, expiresAt: now + 3600, ip: null, userAgent: null, rememberSelector: series.selector }
          await s.create!(id, rec, 3600)
          if ((await s.getToken(series.selector)) === null) await s.destroy!(id)
        }
        const logout = async () => {
          await s.deleteToken(series.selector)
          await s.destroySessionsBySelector!(series.selector)
        }
        await Promise.all(round % 2 ? [restore(), logout()] : [logout(), restore()])
        if ((await s.get!(id)) !== null) alive++
      }
      assert.equal(alive, 0, `${alive}/40 restores left a live session after the logout`)
    })

    it('keeps many series apart', async () => {
      const s = await makeStore()
      const list = Array.from({ length: 50 }, (_, i) => token(`user-${i % 5}`))
      await Promise.all(list.map((t) => s.createToken(t, ttlOf(t))))
      const got = await Promise.all(list.map((t) => s.getToken(t.selector)))
      got.forEach((r, i) => assert.deepEqual(r, list[i]))
    })

    if (options.teardown) it('tears down', async () => options.teardown!())
  })
}
