// Issue #3, "Store outage fails closed": with Redis, then PostgreSQL, really stopped, routes that
// need the user answer 503 (JSON for JSON clients, plain text otherwise, no stack, no detail),
// nobody is authenticated, routes that do not touch auth keep answering 200, and once the server is
// back the same client objects recover by themselves.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLoginManager } from '../src/index.ts'
import { loginRequired, withAuth } from '../src/adapters/fetch.ts'
import { randomToken } from '../src/crypto/primitives.ts'
import { storeCases, type OpenStore } from './helpers/stores.ts'
import { outageSkip, startPostgres, startRedis, stopPostgres, stopRedis, testNamespace } from './helpers/services.ts'

const SECRET = 'outage-test-secret-8e2b6d0f4a1c3e5b7d9f0a2c4e6b8d1f'
const ORIGIN = 'https://app.test'
const JSON_CLIENT = { accept: 'application/json' }
const BROWSER = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' }

function makeApp(store: OpenStore['store']) {
  const manager = createLoginManager<{ id: string }>({ secret: SECRET, store, userLoader: (id) => ({ id }) })
  const handler = withAuth(manager, async (req, auth) => {
    const url = new URL(req.url)
    switch (url.pathname) {
      case '/login':
        await auth.loginUser({ id: url.searchParams.get('user')! })
        return new Response('in')
      case '/public':
        return new Response('public page')
      case '/whoami':
        return Response.json({ user: (await auth.getUser())?.id ?? null })
      case '/private':
        return loginRequired<{ id: string }, unknown>(async (_r, a) => Response.json({ user: (await a.getUser())!.id }))(req, auth, undefined)
    }
    return new Response('not found', { status: 404 })
  })
  return (path: string, init: { cookie?: string; headers?: Record<string, string>; method?: string } = {}) =>
    handler(new Request(ORIGIN + path, { method: init.method ?? 'GET', headers: { ...init.headers, ...(init.cookie ? { cookie: `session=${init.cookie}` } : {}) } }))
}

function cookieOf(res: Response): string {
  const c = res.headers.getSetCookie().find((v) => v.startsWith('session='))
  assert.ok(c, 'a session cookie was set')
  return c.slice('session='.length, c.indexOf(';'))
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function assertCleanBody(body: string, token: string): void {
  for (const leak of [/\bat .+:\d+/, /Error:/, /ECONNREFUSED|offline|Stream isn't writeable|terminat/i, /node_modules|\.ts\b/]) {
    assert.doesNotMatch(body, leak)
  }
  assert.ok(!body.includes(token), 'no token in the body')
}

const outages = {
  redis: { stop: stopRedis, start: startRedis },
  postgres: { stop: stopPostgres, start: startPostgres },
}

for (const c of storeCases(testNamespace(import.meta.url)).filter((x) => x.kind === 'redis' || x.kind === 'postgres')) {
  const kind = c.kind as 'redis' | 'postgres'
  describe(`store outage fails closed: ${c.name}`, { skip: outageSkip(kind), timeout: 120_000 }, () => {
    let open: OpenStore
    before(async () => (open = await c.open()))
    after(async () => {
      await outages[kind].start() // never leave the shared server down
      await open?.close()
    })

    it('503 while the server is down, public routes unaffected, recovery on restart', async () => {
      const request = makeApp(open.store)
      const user = `u-${randomToken(6)}`
      const token = cookieOf(await request(`/login?user=${user}`, { method: 'POST' }))
      assert.deepEqual(await (await request('/private', { cookie: token, headers: JSON_CLIENT })).json(), { user })

      await outages[kind].stop()
      try {
        // A JSON client gets a JSON 503 with a stable code and nothing else.
        const json = await request('/private', { cookie: token, headers: JSON_CLIENT })
        assert.equal(json.status, 503)
        assert.match(json.headers.get('content-type')!, /^application\/json/)
        assert.equal(json.headers.get('cache-control'), 'no-store')
        assert.ok(json.headers.get('retry-after'))
        const text = await json.text()
        assertCleanBody(text, token)
        const body = JSON.parse(text)
        assert.equal(body.code, 'DOORMAN_STORE_UNAVAILABLE')
        assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message'])
        assert.equal(json.headers.getSetCookie().length, 0)

        // A browser gets plain text, no stack either.
        const html = await request('/private', { cookie: token, headers: BROWSER })
        assert.equal(html.status, 503)
        assert.match(html.headers.get('content-type')!, /^text\/plain/)
        assertCleanBody(await html.text(), token)

        // Anything that asks who the user is fails closed: never a 200 that names the user.
        const who = await request('/whoami', { cookie: token, headers: JSON_CLIENT })
        assert.equal(who.status, 503)
        assert.ok(!(await who.text()).includes(user))

        // Logging in needs the store too.
        const login = await request(`/login?user=${user}`, { method: 'POST', headers: JSON_CLIENT })
        assert.equal(login.status, 503)
        assert.equal(login.headers.getSetCookie().length, 0)

        // Routes that never touch auth keep working, cookie or not.
        for (const cookie of [token, undefined]) {
          const pub = await request('/public', { cookie })
          assert.equal(pub.status, 200)
          assert.equal(await pub.text(), 'public page')
        }
      } finally {
        await outages[kind].start()
      }

      // The same client objects reconnect by themselves; the session survived (data kept on disk).
      await until('the store answers again', async () => (await request('/private', { cookie: token, headers: JSON_CLIENT })).status === 200)
      assert.deepEqual(await (await request('/private', { cookie: token, headers: JSON_CLIENT })).json(), { user })
      const again = cookieOf(await request(`/login?user=${user}-2`, { method: 'POST' }))
      assert.deepEqual(await (await request('/private', { cookie: again, headers: JSON_CLIENT })).json(), { user: `${user}-2` })
    })
  })
}
