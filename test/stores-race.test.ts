// Issue #3, "Logout is final", on every store: a slow request that holds the logged-in session and
// writes to it (a flash, session data, or only an activity touch) while a logout runs and completes
// must not bring the session back: the old cookie stays anonymous, the store keeps no record, and
// the slow response sets no session cookie (express-session #632, rack CVE-2025-46336).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLoginManager } from '../src/index.ts'
import { withAuth } from '../src/adapters/fetch.ts'
import { sha256, randomToken } from '../src/crypto/primitives.ts'
import { storeCases, type OpenStore } from './helpers/stores.ts'
import { testNamespace } from './helpers/services.ts'

const SECRET = 'race-test-secret-3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e'
const ORIGIN = 'https://app.test'
type Mode = 'flash' | 'session.set' | 'touch only'

interface User {
  id: string
}

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

function sessionCookie(res: Response): string | undefined {
  for (const c of res.headers.getSetCookie()) {
    const m = /^session=([^;]*)/.exec(c)
    if (m) return m[1]
  }
  return undefined
}

function makeApp(store: OpenStore['store'], clock: { ms: number }) {
  const users = new Map<string, User>()
  const manager = createLoginManager<User>({ secret: SECRET, store, userLoader: (id) => users.get(id), now: () => clock.ms })
  const slow = { mode: 'flash' as Mode, entered: [] as (() => void)[], release: deferred() }
  const handler = withAuth(manager, async (req, auth) => {
    const path = new URL(req.url).pathname
    if (path === '/login') {
      const id = new URL(req.url).searchParams.get('user')!
      users.set(id, { id })
      await auth.loginUser(users.get(id)!)
      return new Response('in')
    }
    if (path === '/logout') {
      await auth.logoutUser()
      return new Response('out')
    }
    if (path === '/me') return Response.json({ user: (await auth.getUser())?.id ?? null })
    if (path === '/slow') {
      if (!(await auth.getUser())) return new Response('anonymous', { status: 401 })
      slow.entered.shift()?.()
      await slow.release.promise
      if (slow.mode === 'flash') await auth.flash('Saved.')
      else if (slow.mode === 'session.set') (await auth.session()).set('cart', ['book', 42])
      return new Response('slow done')
    }
    return new Response('not found', { status: 404 })
  })
  const request = (path: string, cookie?: string, method = 'GET') =>
    handler(new Request(ORIGIN + path, { method, headers: cookie ? { cookie: `session=${cookie}` } : {} }))
  return { request, slow }
}

for (const c of storeCases(testNamespace(import.meta.url))) {
  describe(`logout is final: ${c.name} store`, { skip: c.skip }, () => {
    let open: OpenStore
    before(async () => (open = await c.open()))
    after(async () => open?.close())

    for (const mode of ['flash', 'session.set', 'touch only'] as Mode[]) {
      it(`a slow request writing (${mode}) during a logout does not revive the session`, async () => {
        const clock = { ms: Date.now() }
        const { request, slow } = makeApp(open.store, clock)
        const userId = `u-${randomToken(6)}`
        const login = await request(`/login?user=${userId}`, undefined, 'POST')
        const token = sessionCookie(login)!
        assert.ok(token, 'login sets a session cookie')
        const key = await sha256(token)
        assert.notEqual(await open.store.get(key), null)
        // For a touch, the slow request must see the session old enough to record activity.
        if (mode === 'touch only') clock.ms += 400_000

        slow.mode = mode
        const entered = deferred()
        slow.entered.push(entered.resolve)
        const inFlight = request('/slow', token)
        await entered.promise // the slow request holds the logged-in session

        const logout = await request('/logout', token, 'POST')
        assert.equal(logout.status, 200)
        assert.equal(await open.store.get(key), null, 'logout destroyed the record')

        slow.release.resolve()
        const late = await inFlight
        assert.equal(late.status, 200)
        const set = sessionCookie(late)
        assert.ok(set === undefined || set === '', `the slow response must not set a session cookie (got ${set ? 'a value' : set})`)

        assert.equal(await open.store.get(key), null, 'no record came back')
        assert.deepEqual(await (await request('/me', token)).json(), { user: null })
        assert.deepEqual((await open.store.listUserSessions(userId)).map((s) => s.id), [])
      })
    }

    it('many slow requests writing at once during a logout do not revive it either', async () => {
      const clock = { ms: Date.now() }
      const { request, slow } = makeApp(open.store, clock)
      const userId = `u-${randomToken(6)}`
      const token = sessionCookie(await request(`/login?user=${userId}`, undefined, 'POST'))!
      const key = await sha256(token)
      const gates = Array.from({ length: 8 }, deferred)
      slow.entered.push(...gates.map((g) => g.resolve))
      slow.mode = 'session.set'
      const inFlight = gates.map(() => request('/slow', token))
      await Promise.all(gates.map((g) => g.promise))
      await request('/logout', token, 'POST')
      slow.release.resolve()
      const responses = await Promise.all(inFlight)
      for (const r of responses) {
        assert.equal(r.status, 200)
        assert.ok(!sessionCookie(r))
      }
      assert.equal(await open.store.get(key), null)
      assert.deepEqual(await (await request('/me', token)).json(), { user: null })
      assert.deepEqual(await open.store.listUserSessions(userId), [])
    })

    it('a write that does not race a logout still lands (the test can tell)', async () => {
      const clock = { ms: Date.now() }
      const { request, slow } = makeApp(open.store, clock)
      const userId = `u-${randomToken(6)}`
      const token = sessionCookie(await request(`/login?user=${userId}`, undefined, 'POST'))!
      slow.mode = 'session.set'
      slow.release.resolve()
      assert.equal((await request('/slow', token)).status, 200)
      assert.deepEqual((await open.store.get(await sha256(token)))!.data.cart, ['book', 42])
      assert.deepEqual(await (await request('/me', token)).json(), { user: userId })
    })
  })
}
