/**
 * @module test/unit/seal-cache: opened sealed cookies kept in memory (`session.sealCache`) answer
 * exactly as opening them again would: timeouts still apply, in-place mutation does not leak into
 * the next request, the cache is bounded, and a bad size fails at start-up. Also pins the
 * synchronous hot path: an unchanged session commits without a promise.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RequestAuth } from '../../src/auth.ts'
import { ConfigError } from '../../src/errors.ts'
import { createLoginManager, type LoginManagerOptions } from '../../src/manager.ts'
import { finalHeadersNow } from '../../src/adapters/shared.ts'
import { SealCache } from '../../src/session/seal-cache.ts'

const SECRET = 'unit-secret-0123456789-abcdefghijklmnop'
const T0 = 1_700_000_000_000
type U = { id: string }

function setup(options: Partial<LoginManagerOptions<U>> = {}) {
  const clock = { now: T0 }
  const manager = createLoginManager<U>({ secret: SECRET, userLoader: (id) => ({ id }), now: () => clock.now, ...options })
  const auth = (cookie?: string) =>
    new RequestAuth(manager, { method: 'GET', url: 'http://localhost/', header: (n) => (n === 'cookie' ? cookie : null), remoteAddress: '127.0.0.1' })
  async function login(extra?: (a: RequestAuth<U>) => Promise<void>): Promise<string> {
    const a = auth()
    await a.loginUser({ id: '1' })
    await extra?.(a)
    const line = (await a.commit()).find((l) => l.startsWith('session='))!
    return line.slice(0, line.indexOf(';'))
  }
  return { clock, manager, auth, login }
}

for (const sealCache of [1000, 0]) {
  test(`sealCache ${sealCache}: a cookie replayed after the idle timeout is refused, even once opened`, async () => {
    const { clock, auth, login } = setup({ session: { idleTimeout: 600, absoluteTimeout: 3600, touchInterval: 60, sealCache } })
    const cookie = await login()
    clock.now += 10_000
    assert.equal((await auth(cookie).getUser())?.id, '1')
    clock.now += 700_000
    assert.equal(await auth(cookie).getUser(), null)
  })

  test(`sealCache ${sealCache}: a value changed in place (without set) does not reach the next request`, async () => {
    const { auth, login } = setup({ session: { sealCache } })
    const cookie = await login(async (a) => (await a.session()).set('cart', ['apple']))
    const first = auth(cookie)
    ;(await first.session()).get<string[]>('cart')!.push('pear')
    assert.deepEqual(await first.commit(), [])
    assert.deepEqual((await auth(cookie).session()).get('cart'), ['apple'])
  })

  test(`sealCache ${sealCache}: a write to a flat session does not reach the next request carrying the old cookie`, async () => {
    const { auth, login } = setup({ session: { sealCache } })
    const cookie = await login()
    for (let i = 0; i < 2; i++) {
      const a = auth(cookie)
      assert.equal((await a.session()).get('theme'), undefined)
      ;(await a.session()).set('theme', 'dark')
      assert.equal((await a.commit()).length, 1)
    }
  })

  test(`sealCache ${sealCache}: a tampered copy of a cookie already opened is still no session`, async () => {
    const { auth, login } = setup({ session: { sealCache } })
    const cookie = await login()
    assert.equal((await auth(cookie).getUser())?.id, '1')
    const i = cookie.length - 5
    const tampered = cookie.slice(0, i) + (cookie[i] === 'A' ? 'B' : 'A') + cookie.slice(i + 1)
    assert.equal(await auth(tampered).getUser(), null)
  })
}

test('SealCache: a value sharing only the last characters of a kept one is a miss', () => {
  const c = new SealCache(10)
  const tail = 'T'.repeat(30)
  c.set(`v1.kid.AAAA${tail}`, { text: 'victim', stale: false })
  assert.equal(c.get(`v1.kid.BBBB${tail}`), undefined)
  assert.deepEqual(c.get(`v1.kid.AAAA${tail}`), { text: 'victim', stale: false })
})

test('SealCache keeps at most max entries, dropping the oldest', () => {
  const c = new SealCache(2)
  c.set('a', { text: '1', stale: false })
  c.set('b', { text: '2', stale: false })
  c.set('c', { text: '3', stale: true })
  assert.equal(c.size, 2)
  assert.equal(c.get('a'), undefined)
  assert.deepEqual(c.get('c'), { text: '3', stale: true })
})

test('session.sealCache must be a whole number, 0 or more', () => {
  for (const bad of [-1, 1.5, '10', Number.NaN]) {
    assert.throws(
      () => createLoginManager({ secret: SECRET, userLoader: () => null, session: { sealCache: bad as any } }),
      (e: unknown) => e instanceof ConfigError && e.message.includes('session.sealCache'),
    )
  }
})

test('hot path: an unchanged sealed session commits synchronously, with the private cache headers', async () => {
  const { auth, login } = setup()
  const cookie = await login()
  const a = auth(cookie)
  assert.equal((await a.getUser())?.id, '1')
  const h = finalHeadersNow(a)
  assert.ok(!(h instanceof Promise), 'no promise when nothing is written')
  assert.deepEqual(h, { setCookie: [], cacheControl: { value: 'private, no-store', force: false }, varyCookie: true })
  assert.deepEqual(a.commitNow(), [], 'a second commit writes nothing')
})

test('hot path: a changed session still commits (asynchronously) and sets the cookie', async () => {
  const { auth, login } = setup()
  const cookie = await login()
  const a = auth(cookie)
  ;(await a.session()).set('theme', 'dark')
  const h = await finalHeadersNow(a)
  assert.equal(h.setCookie.length, 1)
  assert.ok(h.setCookie[0].startsWith('session='))
  assert.deepEqual(h.cacheControl, { value: 'no-store', force: true })
})

test('a flat session shared by requests carrying one cookie: every kind of write stays in its own request', async () => {
  const { auth, login } = setup()
  const cookie = await login(async (a) => (await a.session()).set('theme', 'dark'))
  const writes: Array<(s: Awaited<ReturnType<RequestAuth<U>['session']>>) => void> = [
    (s) => s.set('theme', 'light'),
    (s) => s.delete('theme'),
    (s) => void s.pop('theme'),
    (s) => s.clear(),
    (s) => s.regenerate(['theme']),
    (s) => s.regenerate(),
  ]
  for (const write of writes) {
    const a = auth(cookie)
    const s = await a.session()
    const b = auth(cookie)
    write(s)
    // Another request reading the same cookie meanwhile, and the next one, see the cookie's data.
    assert.equal((await b.session()).get('theme'), 'dark')
    assert.equal((await b.session()).get('_user_id'), '1')
    assert.equal((await auth(cookie).session()).get('theme'), 'dark')
    assert.deepEqual((await auth(cookie).session()).keys().sort(), ['_fresh', '_fresh_at', '_id', '_user_id', 'theme'])
  }
})

test('SealCache: the last-value shortcut answers as the map does', () => {
  const cache = new SealCache(2)
  const a = 'a'.repeat(60) + 'TAG-A'.repeat(6)
  const b = 'b'.repeat(60) + 'TAG-B'.repeat(6)
  cache.set(a, { text: 'A', stale: false })
  cache.set(b, { text: 'B', stale: false })
  for (let i = 0; i < 3; i++) {
    assert.equal(cache.get(a)?.text, 'A')
    assert.equal(cache.get(String(b))?.text, 'B')
    assert.equal(cache.get(a.slice(0, -1) + 'x'), undefined)
    assert.equal(cache.get('x' + a.slice(1)), undefined)
  }
})

for (const sealCache of [1000, 0]) {
  test(`sealCache ${sealCache}: a session cookie with characters outside its format is no session, and a good one after it still counts`, async () => {
    const { auth, login } = setup({ session: { sealCache } })
    const cookie = await login()
    const value = cookie.slice(cookie.indexOf('=') + 1)
    // Warm the cache with the good value first, so a hit cannot stand in for the checks.
    assert.equal((await auth(cookie).getUser())?.id, '1')
    const dot = value.lastIndexOf('.')
    const bad = [
      value.slice(0, dot + 5) + ' ' + value.slice(dot + 5),
      value.slice(0, dot + 5) + ',' + value.slice(dot + 6),
      value + '=',
      value.slice(0, -2) + '+/',
      value.replace('v1.', 'v1 .'),
      value.slice(0, dot + 3) + '\u00e9' + value.slice(dot + 4),
      value.slice(0, dot + 3) + '\\' + value.slice(dot + 4),
    ]
    for (const b of bad) {
      assert.equal(await auth(`session=${b}`).getUser(), null, b)
      assert.equal(await auth(`session="${b}"`).getUser(), null, b)
      assert.equal((await auth(`session=${b}; session=${value}`).getUser())?.id, '1', b)
    }
  })
}
