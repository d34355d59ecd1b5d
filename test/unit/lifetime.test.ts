/**
 * @module test/unit/lifetime: idle and absolute timeouts with the manager's `now` as a fake
 * clock, the touch interval, the 4096-byte cookie limit, and the Web Crypto path of a whole
 * login (node:crypto hidden in a child process).
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { RequestAuth } from '../../src/auth.ts'
import { SessionTooLargeError } from '../../src/errors.ts'
import { createLoginManager, type LoginManager, type LoginManagerOptions } from '../../src/manager.ts'
import { memoryStore } from '../../src/stores/memory.ts'

const SECRET = 'unit-secret-0123456789-abcdefghijklmnop'
const T0 = 1_700_000_000_000
type U = { id: string }

/** A manager on a fake clock, and a one-cookie browser that runs requests against it. */
function setup(options: Partial<LoginManagerOptions<U>> = {}, clock = { now: T0 }) {
  const manager = createLoginManager<U>({ secret: SECRET, userLoader: (id) => ({ id }), now: () => clock.now, ...options })
  let cookie: string | undefined
  let lastSetCookie: string[] = []
  async function request<T>(fn: (auth: RequestAuth<U>) => Promise<T>): Promise<T> {
    const auth = new RequestAuth(manager, { method: 'GET', url: 'http://localhost/', header: (n) => (n === 'cookie' ? cookie : null), remoteAddress: '127.0.0.1' })
    const out = await fn(auth)
    lastSetCookie = await auth.commit()
    for (const line of lastSetCookie) {
      const value = line.slice(line.indexOf('=') + 1, line.indexOf(';'))
      if (line.startsWith('session=')) cookie = value ? `session=${value}` : undefined
    }
    return out
  }
  const user = () => request(async (auth) => (await auth.getUser())?.id ?? null)
  return { clock, manager, request, user, wrote: () => lastSetCookie.length > 0 }
}

for (const mode of ['cookie', 'store'] as const) {
  const storeOpt = (clock: { now: number }) => (mode === 'store' ? { store: memoryStore({ now: () => clock.now }) } : {})

  test(`idle timeout (${mode}): enforced from the server-side timestamp`, async () => {
    const clockRef = { now: T0 }
    const { request, user } = setup({ session: { idleTimeout: 600, absoluteTimeout: 3600, touchInterval: 60 }, ...storeOpt(clockRef) }, clockRef)
    await request((auth) => auth.loginUser({ id: '1' }))
    clockRef.now += 599_000
    assert.equal(await user(), '1')
    clockRef.now += 599_000
    assert.equal(await user(), '1')
    clockRef.now += 601_000
    assert.equal(await user(), null)
  })

  test(`absolute timeout (${mode}): activity cannot extend it`, async () => {
    const clockRef = { now: T0 }
    const s = setup({ session: { idleTimeout: 600, absoluteTimeout: 1800, touchInterval: 60 }, ...storeOpt(clockRef) }, clockRef)
    await s.request((auth) => auth.loginUser({ id: '1' }))
    for (const t of [500, 1000, 1500, 1799]) {
      clockRef.now = T0 + t * 1000
      assert.equal(await s.user(), '1', `at ${t}s`)
    }
    clockRef.now = T0 + 1801_000
    assert.equal(await s.user(), null)
  })
}

test('touch interval: activity is written at most that often', async () => {
  const s = setup({ session: { idleTimeout: 600, touchInterval: 60 } })
  await s.request((auth) => auth.loginUser({ id: '1' }))
  s.clock.now += 30_000
  await s.user()
  assert.equal(s.wrote(), false)
  s.clock.now += 31_000
  await s.user()
  assert.equal(s.wrote(), true)
  s.clock.now += 1_000
  await s.user()
  assert.equal(s.wrote(), false)
})

test('a session stamped in the future (clock skew or forgery) is refused', async () => {
  const s = setup()
  await s.request((auth) => auth.loginUser({ id: '1' }))
  s.clock.now -= 301_000
  assert.equal(await s.user(), null)
})

test('a session over 4096 bytes is a SessionTooLargeError at commit, and nothing is sent', async () => {
  const { manager } = setup()
  const auth = new RequestAuth(manager as LoginManager<U>, { method: 'GET', url: 'http://localhost/', header: () => null })
  ;(await auth.session()).set('big', 'x'.repeat(2500))
  const lines = await auth.commit()
  assert.ok(lines[0].length < 4096)
  const auth2 = new RequestAuth(manager as LoginManager<U>, { method: 'GET', url: 'http://localhost/', header: () => null })
  ;(await auth2.session()).set('big', 'x'.repeat(3300))
  await assert.rejects(auth2.commit(), (e: unknown) => e instanceof SessionTooLargeError && e.size > 4096 && e.code === 'DOORMAN_SESSION_TOO_LARGE')
})

test('the Web Crypto path runs a whole login: session, remember restore, strong protection', () => {
  const probe = fileURLToPath(new URL('../fixtures/webcrypto-login.ts', import.meta.url))
  const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', probe], { encoding: 'utf8' }))
  assert.deepEqual(out, {
    usingNodeCrypto: false,
    readyIsPromise: true,
    anonymous: 'anonymous',
    afterLogin: 'private:1',
    restored: 'private:1',
    otherClient: 'anonymous',
    tampered: 'anonymous',
    flask: '1|0e9e6e9855fbe6df7906ec4737578a1d491b38d3fd5246c1561016e189d6516043286501ca43257c938e60aad77acec5ce916b94ca9d00c0bb6f9883ae4b82ae',
  })
})
