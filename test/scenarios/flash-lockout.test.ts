/**
 * @module test/scenarios/flash-lockout: issue #10 item 2. Every anonymous redirect to the login
 * page flashes the login message; with nothing reading the flashes (a static or SPA login page, a
 * crawler), the sealed cookie used to grow past 4 KB after about 60 redirects, and then every
 * guarded page and `POST /login` answered 500. Here, on every framework (Hono, Express, Fastify,
 * fetch) × every backend (sealed cookie, memory, SQLite, Redis through both clients, PostgreSQL):
 * 150 redirects never fail, every Set-Cookie stays within RFC 6265 §6.1's 4096 bytes counted as
 * name, value and attributes together, the login works afterwards, and the flash list is bounded
 * (one login message, not 150). A user who arrives with an oversized cookie written by the old
 * version is repaired by the next response, not locked out. Where the flash lives in a store
 * record (a logged-in user sent to re-authenticate again and again), the list is bounded too.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { LOGIN_MESSAGE, MAX_COOKIE_SIZE, MAX_FLASHES, NEEDS_REFRESH_MESSAGE } from '../../src/defaults.ts'
import type { SessionStore } from '../../src/session/store.ts'
import { ALL_FRAMEWORKS, type TestTarget } from '../helpers/adapters.ts'
import type { Client } from '../helpers/client.ts'
import { loginAs, withApp } from '../helpers/scenario.ts'
import { testNamespace } from '../helpers/services.ts'
import { storeCases, type OpenStore } from '../helpers/stores.ts'

const REDIRECTS = 150

/** Every Set-Cookie of the last response fits RFC 6265 §6.1 (name, value and attributes). */
function assertCookiesFit(c: Client, where: string): void {
  for (const line of c.lastSetCookie) {
    assert.ok(line.length <= MAX_COOKIE_SIZE, `${where}: a Set-Cookie of ${line.length} bytes (${line.slice(0, 40)}…)`)
  }
}

/**
 * What the old version wrote: the login message stacked until the sealed cookie was just under
 * 4096 bytes of name and value (browsers keep such a cookie; the next write failed).
 */
async function legacyCookie(manager: TestTarget['manager']): Promise<{ value: string; n: number }> {
  await manager.ready()
  const ring = manager.keyring('session')
  const now = Math.floor(Date.now() / 1000)
  let value = ''
  for (let n = 1; ; n++) {
    const env = { i: 'legacy-session-id-0001', c: now, a: now, p: 0, d: { _flashes: Array.from({ length: n }, () => ['message', LOGIN_MESSAGE]) } }
    const next = await ring.seal(JSON.stringify(env))
    if ('session='.length + next.length > 4096) return { value, n: n - 1 }
    value = next
  }
}

const backends: { name: string; skip: string | false; open(): Promise<OpenStore | null> }[] = [
  { name: 'sealed cookie', skip: false, open: async () => null },
  ...storeCases(testNamespace(import.meta.url)),
]

for (const backend of backends) {
  describe(`flash lock-out [${backend.name}]`, { skip: backend.skip, timeout: 120_000 }, () => {
    let open: OpenStore | null = null
    before(async () => (open = await backend.open()))
    after(async () => open?.close())
    const store = (): SessionStore | undefined => open?.store

    for (const fw of ALL_FRAMEWORKS) {
      test(`[${fw}] ${REDIRECTS} anonymous redirects to the login page never fail, and POST /login still works`, () =>
        withApp(fw, { store: store(), loginView: '/login' }, async (_t, c) => {
          // HTTPS through a proxy: Secure joins the attributes that count against the limit.
          c.https = true
          for (let i = 0; i < REDIRECTS; i++) {
            const res = await c.get('/private', { headers: { 'x-forwarded-proto': 'https' } })
            assert.equal(res.status, 302, `redirect ${i + 1}`)
            assertCookiesFit(c, `redirect ${i + 1}`)
          }
          const login = await c.post('/login', { id: '1' })
          assert.equal(login.status, 303)
          assertCookiesFit(c, 'POST /login')
          assert.equal(await (await c.get('/private')).text(), 'private:1')
          // The same message is not stacked: one login message waits, not 150.
          assert.deepEqual(await c.json('/flashes'), [['message', LOGIN_MESSAGE]])
        }))

      test(`[${fw}] ${REDIRECTS} redirects to re-authenticate (flash kept in the ${backend.name === 'sealed cookie' ? 'cookie' : 'store record'}) stay bounded`, () =>
        withApp(fw, { store: store(), loginView: '/login', refreshView: '/reauth' }, async (_t, c) => {
          await loginAs(c, '1', { fresh: '0' })
          for (let i = 0; i < REDIRECTS; i++) {
            const res = await c.get('/fresh')
            assert.equal(res.status, 302, `redirect ${i + 1}`)
            assertCookiesFit(c, `redirect ${i + 1}`)
          }
          assert.equal(await (await c.get('/private')).text(), 'private:1')
          assert.deepEqual(await c.json('/flashes'), [['message', NEEDS_REFRESH_MESSAGE]])
        }))

      test(`[${fw}] distinct flashes beyond the cap drop the oldest, and nothing fails`, () =>
        withApp(fw, { store: store(), loginView: '/login' }, async (_t, c) => {
          for (let i = 0; i < 40; i++) {
            const res = await c.get(`/flash?m=${encodeURIComponent(`message number ${i} ${'·'.repeat(60)}`)}&c=info`)
            assert.equal(res.status, 200, `flash ${i + 1}`)
            assertCookiesFit(c, `flash ${i + 1}`)
          }
          assert.equal((await c.get('/private')).status, 302)
          const kept = (await c.json('/flashes')) as [string, string][]
          assert.ok(kept.length >= 1 && kept.length <= MAX_FLASHES, `${kept.length} flashes kept`)
          // The newest survive, in order; the login message is the newest of all.
          assert.deepEqual(kept.at(-1), ['message', LOGIN_MESSAGE])
          assert.match(kept.at(-2)![1], /^message number 39 /)
        }))

      test(`[${fw}] a user holding an oversized cookie from the old version is repaired, not locked out`, () =>
        withApp(fw, { store: store(), loginView: '/login' }, async (t, c) => {
          const { value, n } = await legacyCookie(t.manager)
          assert.ok(n > 40, `${n} stacked messages`)
          c.store({ name: 'session', value, path: '/', secure: false, httpOnly: true, sameSite: 'Lax', maxAge: undefined, expires: undefined, domain: undefined, raw: '' })
          const res = await c.get('/private')
          assert.equal(res.status, 302)
          assertCookiesFit(c, 'the repairing response')
          assert.ok(c.cookie('session')!.length < value.length, 'the cookie shrank')
          const login = await c.post('/login', { id: '1' })
          assert.equal(login.status, 303)
          assertCookiesFit(c, 'POST /login')
          assert.equal(await (await c.get('/private')).text(), 'private:1')
        }))

      test(`[${fw}] the old oversized cookie straight into POST /login logs the user in`, () =>
        withApp(fw, { store: store(), loginView: '/login' }, async (t, c) => {
          const { value } = await legacyCookie(t.manager)
          c.store({ name: 'session', value, path: '/', secure: false, httpOnly: true, sameSite: 'Lax', maxAge: undefined, expires: undefined, domain: undefined, raw: '' })
          const login = await c.post('/login', { id: '1' })
          assert.equal(login.status, 303)
          assertCookiesFit(c, 'POST /login')
          assert.equal(await (await c.get('/private')).text(), 'private:1')
        }))
    }
  })
}
