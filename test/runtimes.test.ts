// The smoke app (test/fixtures/runtimes/smoke-app.ts) on Node, Bun, Deno and workerd, over real
// HTTP: each runtime × adapter (fetch, Hono) logs in, reaches the private route and logs out;
// then a matrix: the cookies one runtime sealed open on every other one (workerd on Web Crypto,
// the rest on node:crypto).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Client } from './helpers/client.ts'
import { httpTarget } from './helpers/spawn-server.ts'
import { RUNTIMES, removeBundles, runtimeSkip, startRuntime, type Runtime, type RuntimeServer } from './helpers/runtimes.ts'

const ADAPTERS = ['fetch', 'hono'] as const
const CREDENTIALS = { username: 'alice', password: 'correct horse battery staple' }
// One secret for every runtime (generated per run), so their cookies are interchangeable.
const secret = randomBytes(32).toString('base64url')

const skips = Object.fromEntries(RUNTIMES.map((rt) => [rt, runtimeSkip(rt)])) as Record<Runtime, string | false>
const servers = new Map<Runtime, Promise<RuntimeServer>>()

/** The runtime's server, started on first use and shared by every test of this file. */
function server(rt: Runtime): Promise<RuntimeServer> {
  let s = servers.get(rt)
  if (!s) servers.set(rt, (s = startRuntime(rt, secret)))
  return s
}

after(async () => {
  await Promise.all([...servers.values()].map(async (s) => (await s.catch(() => null))?.stop()))
  removeBundles()
})

async function loggedIn(origin: string, adapter: string): Promise<Client> {
  const client = new Client(httpTarget(origin))
  const res = await client.post(`/${adapter}/login`, CREDENTIALS)
  assert.equal(res.status, 303)
  return client
}

for (const rt of RUNTIMES) {
  describe(`smoke app on ${rt}`, { skip: skips[rt] }, () => {
    let origin = ''
    before(async () => {
      origin = (await server(rt)).origin
    })

    it('runs doorman on the expected crypto path', async () => {
      const info = await new Client(httpTarget(origin)).json('/fetch/')
      assert.deepEqual(info, { runtime: rt, usingNodeCrypto: rt !== 'workerd', user: null })
    })

    for (const adapter of ADAPTERS) {
      it(`${adapter} adapter: anonymous, login, private route, logout, refused after logout`, async () => {
        const client = new Client(httpTarget(origin))
        assert.deepEqual(await client.json(`/${adapter}/`), { runtime: rt, usingNodeCrypto: rt !== 'workerd', user: null })

        const browser = await client.get(`/${adapter}/private`)
        assert.equal(browser.status, 302)
        assert.equal(browser.headers.get('location'), `/${adapter}/login?next=%2F${adapter}%2Fprivate`)
        const api = await client.get(`/${adapter}/private`, { headers: { accept: 'application/json' } })
        assert.equal(api.status, 401)

        const wrong = await client.post(`/${adapter}/login`, { ...CREDENTIALS, password: 'wrong' })
        assert.equal(wrong.status, 401)
        assert.equal((await client.json(`/${adapter}/`)).user, null)

        const login = await client.post(`/${adapter}/login?next=%2F${adapter}%2Fprivate`, CREDENTIALS)
        assert.equal(login.status, 303)
        assert.equal(login.headers.get('location'), `/${adapter}/private`)
        const session = client.cookieEntry('session')
        assert.ok(session, 'a session cookie was set')
        assert.equal(session.httpOnly, true)
        assert.equal(session.sameSite, 'Lax')
        assert.ok(client.cookie('remember_token'), 'a remember cookie was set')

        const priv = await client.get(`/${adapter}/private`)
        assert.equal(priv.status, 200)
        assert.equal(await priv.text(), 'private:alice')
        assert.match(priv.headers.get('cache-control') ?? '', /no-store/)
        assert.equal((await client.json(`/${adapter}/`)).user, 'alice')

        const logout = await client.post(`/${adapter}/logout`)
        assert.equal(logout.status, 303)
        assert.notEqual(client.cookie('session'), session.value, 'logout replaces the session cookie')
        assert.equal(client.cookie('remember_token'), undefined, 'logout expires the remember cookie')
        assert.equal((await client.get(`/${adapter}/private`, { headers: { accept: 'application/json' } })).status, 401)
        assert.equal((await client.json(`/${adapter}/`)).user, null)
      })
    }

    it('reads a malformed or foreign cookie as no session', async () => {
      const client = new Client(httpTarget(origin))
      client.setCookie('session', 'not-a-seal')
      client.setCookie('remember_token', 'x'.repeat(200))
      assert.equal((await client.get('/fetch/private', { headers: { accept: 'application/json' } })).status, 401)
      const other = await loggedIn(origin, 'fetch')
      const forged = other.cookie('session')!
      client.setCookie('session', forged.slice(0, -4) + (forged.endsWith('AAAA') ? 'BBBB' : 'AAAA'))
      assert.equal((await client.json('/hono/')).user, null)
    })
  })
}

describe('cookies sealed on one runtime open on the others', () => {
  // Pairs of the runtimes that are here (a missing one was reported once, by its smoke suite).
  const present = RUNTIMES.filter((rt) => !skips[rt])
  for (const sealer of present) {
    for (const opener of present) {
      if (opener === sealer) continue
      it(`sealed on ${sealer}, opened on ${opener}`, async () => {
        const [a, b] = await Promise.all([server(sealer), server(opener)])
        const client = await loggedIn(a.origin, 'fetch')
        const there = new Client(httpTarget(b.origin))
        for (const c of client.jar.values()) there.setCookie(c.name, c.value, c.path)

        // The session cookie alone, then the remember cookie alone (a new session is sealed on
        // the opener, which the sealer then opens in turn).
        const rememberOnly = there.clone()
        there.deleteCookie('remember_token')
        const priv = await there.get('/hono/private')
        assert.equal(priv.status, 200)
        assert.equal(await priv.text(), 'private:alice')

        rememberOnly.deleteCookie('session')
        assert.equal((await rememberOnly.json('/fetch/')).user, 'alice')
        const resealed = rememberOnly.cookie('session')
        assert.ok(resealed, `${opener} sealed a new session from the remember cookie`)
        const back = new Client(httpTarget(a.origin))
        back.setCookie('session', resealed)
        assert.equal((await back.json('/hono/')).user, 'alice')
      })
    }
  }
})
