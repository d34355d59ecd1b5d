/**
 * @module test/scenarios/parity-setup: Flask-Login parity A (over HTTP) and B (setup and
 * loading), on every adapter. Test names are Flask-Login's where it has one.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { ConfigError } from '../../src/errors.ts'
import { createLoginManager, type LoginManager } from '../../src/manager.ts'
import * as honoAdapter from '../../src/adapters/hono.ts'
import * as expressAdapter from '../../src/adapters/express.ts'
import * as fastifyAdapter from '../../src/adapters/fastify.ts'
import { TEST_SECRET, USERS, type TestUser } from '../apps/common.ts'
import { targetFor, type Framework, type Target } from '../helpers/adapters.ts'
import { Client } from '../helpers/client.ts'
import { body, eachAdapter, loginAs, record, state, withApp } from '../helpers/scenario.ts'

const BEARER = { authorization: 'Bearer alice-token' }

/** A one-route app of `fw` on `manager`: GET / answers the user id or `anonymous`. */
async function tinyApp(fw: Framework, manager: LoginManager<TestUser>): Promise<Target> {
  const answer = async (auth: { getUser(): Promise<object | null> }) => ((await auth.getUser()) as TestUser | null)?.id ?? 'anonymous'
  const login = async (auth: { loginUser(u: TestUser): Promise<boolean> }) => String(await auth.loginUser(USERS['1']))
  if (fw === 'hono') {
    const app = new Hono()
    app.use(honoAdapter.doorman(manager))
    app.get('/', async (c) => c.text(await answer(c.get('auth'))))
    app.post('/login', async (c) => c.text(await login(c.get('auth') as any)))
    return targetFor('hono', app)
  }
  if (fw === 'express') {
    const app = express()
    app.use(expressAdapter.doorman(manager))
    app.get('/', async (req, res) => void res.send(await answer(req.auth)))
    app.post('/login', async (req, res) => void res.send(await login(req.auth as any)))
    return targetFor('express', app)
  }
  const app = Fastify()
  await app.register(fastifyAdapter.doorman, { manager })
  app.get('/', async (req) => answer(req.auth))
  app.post('/login', async (req) => login(req.auth as any))
  return targetFor('fastify', app)
}

function mount(fw: Framework, manager: LoginManager<any>): Promise<unknown> {
  if (fw === 'hono') return Promise.resolve().then(() => new Hono().use(honoAdapter.doorman(manager)))
  if (fw === 'express') return Promise.resolve().then(() => express().use(expressAdapter.doorman(manager)))
  const app = Fastify()
  app.register(fastifyAdapter.doorman, { manager })
  return Promise.resolve(app.ready()).finally(() => app.close())
}

eachAdapter('B. setup and loading', (fw) => {
  test('test_init_app: one manager mounted on two apps shares their users', async () => {
    const manager = createLoginManager<TestUser>({ secret: TEST_SECRET, userLoader: (id) => USERS[id] ?? null })
    const a = await tinyApp(fw, manager)
    const b = await tinyApp(fw, manager)
    try {
      const c = new Client(a)
      assert.equal(await body(await c.request('/login', { method: 'POST' })), 'true')
      assert.equal(await body(await c.get('/')), '1')
      const other = new Client(b)
      for (const [k, v] of c.jar) other.jar.set(k, v)
      assert.equal(await body(await other.get('/')), '1')
    } finally {
      await a.close()
      await b.close()
    }
  })

  test('test_no_user_loader_raises: neither loader is a ConfigError when mounted', async () => {
    const manager = createLoginManager({ secret: TEST_SECRET })
    await assert.rejects(mount(fw, manager), (e: unknown) => e instanceof ConfigError && e.option === 'userLoader')
  })

  test('test_has_no_user_loader_callback: a request loader alone is a valid setup', () =>
    withApp(fw, { userLoader: undefined }, async (t, c) => {
      assert.equal(await body(await c.get('/', { headers: BEARER })), 'user:1')
      assert.equal(await body(await c.get('/')), 'anonymous')
      assert.equal(t.calls.userLoader, 0)
    }))

  test('test_defaults_anonymous: nothing identifies the client, the user is the anonymous user', () =>
    withApp(fw, {}, async (_t, c) => {
      assert.equal(await body(await c.get('/')), 'anonymous')
      const s = await state(c)
      assert.equal(s.user, null)
      assert.equal(s.anonymous, true)
      assert.equal(s.fresh, false)
      assert.equal(s.remembered, false)
    }))

  test('test_static_loads_without_accessing_session: a route that never asks runs no loader, no event', () =>
    withApp(fw, {}, async (t, c) => {
      const accessed = record(t.manager, 'accessed')
      await loginAs(c, '1')
      accessed.length = 0
      const calls = t.calls.userLoader
      const res = await c.get('/noop')
      assert.equal(await body(res), 'ok')
      assert.equal(accessed.length, 0)
      assert.equal(t.calls.userLoader, calls)
      assert.deepEqual(res.headers.getSetCookie(), [])
    }))

  test('test_requests_without_accessing_session: the first ask loads once and fires accessed once', () =>
    withApp(fw, {}, async (t, c) => {
      await loginAs(c, '1')
      const accessed = record(t.manager, 'accessed')
      const calls = t.calls.userLoader
      // /state asks for the user, the current user, freshness and remembered status.
      assert.equal((await state(c)).user, '1')
      assert.equal(accessed.length, 1)
      assert.equal(t.calls.userLoader, calls + 1)
      assert.equal(accessed[0].request.method, 'GET')
    }))

  test('test_incorrect_id_logs_out: a loader returning null means anonymous, no error', () => {
    const gone = new Set<string>()
    return withApp(fw, { userLoader: async (id) => (gone.has(id) ? null : USERS[id] ?? null) }, async (_t, c) => {
      await loginAs(c, '1')
      assert.equal(await body(await c.get('/')), 'user:1')
      gone.add('1')
      const res = await c.get('/')
      assert.equal(res.status, 200)
      assert.equal(await body(res), 'anonymous')
      gone.delete('1')
      // The session forgot the user: coming back does not log them in again.
      assert.equal(await body(await c.get('/')), 'anonymous')
    })
  })

  test('test_login_user_with_request: the request loader authenticates the request', () =>
    withApp(fw, {}, async (t, c) => {
      const loaded = record(t.manager, 'loadedFromRequest')
      assert.equal(await body(await c.get('/', { headers: BEARER })), 'user:1')
      assert.equal(loaded.length, 1)
      assert.equal(loaded[0].user.id, '1')
      assert.equal((await state(c, { headers: BEARER })).viaRequestLoader, true)
    }))

  test('test_login_invalid_user_with_request: an unknown token is anonymous', () =>
    withApp(fw, {}, async (_t, c) => {
      assert.equal(await body(await c.get('/', { headers: { authorization: 'Bearer nope' } })), 'anonymous')
    }))

  test('test_login_user_with_request_does_not_modify_session: no cookie, nothing remembered', () =>
    withApp(fw, {}, async (_t, c) => {
      const res = await c.get('/state', { headers: BEARER })
      assert.deepEqual(res.headers.getSetCookie(), [])
      assert.deepEqual((await res.json()).keys, [])
      assert.equal(await body(await c.get('/')), 'anonymous')
    }))

  test('test_user_loaded_from_request_fired: once, with async loaders', () =>
    withApp(fw, { requestLoader: async (req) => (await Promise.resolve(), req.header('x-user') === '3' ? USERS['3'] : null) }, async (t, c) => {
      const loaded = record(t.manager, 'loadedFromRequest')
      assert.equal(await body(await c.get('/state', { headers: { 'x-user': '3' } })).then((b) => JSON.parse(b).user), '3')
      assert.equal(loaded.length, 1)
    }))

  test('the session user wins over the request loader, which does not even run', () =>
    withApp(fw, {}, async (t, c) => {
      await loginAs(c, '3')
      assert.equal(await body(await c.get('/', { headers: BEARER })), 'user:3')
      assert.equal(t.calls.requestLoader, 0)
    }))

  test('test_login_via_request_uses_cookie_when_already_logged_in: without a user loader the request loader runs even with a session id', () =>
    withApp(fw, { userLoader: undefined }, async (t, c) => {
      await loginAs(c, '3')
      assert.equal(await body(await c.get('/')), 'anonymous')
      assert.equal(await body(await c.get('/', { headers: BEARER })), 'user:1')
      assert.equal(t.calls.requestLoader, 2)
    }))
})

eachAdapter('A. user model over HTTP', (fw) => {
  test('plain objects through getId and isActive options', () => {
    const seen: string[] = []
    return withApp(
      fw,
      {
        getId: (u) => `u-${u.id}`,
        isActive: (u) => u.name !== 'carol',
        userLoader: async (id) => (seen.push(id), USERS[id.slice(2)] ?? null),
      },
      async (_t, c) => {
        assert.equal((await (await loginAs(c, '1')).json()).ok, true)
        assert.equal(await body(await c.get('/')), 'user:1')
        assert.deepEqual(seen, ['u-1'])
        assert.equal((await (await loginAs(c, '3')).json()).ok, false)
      },
    )
  })

  test('the anonymous user factory is configurable', () =>
    // A real app registers its anonymous type (`Register['anonymousUser']`); this program cannot.
    withApp(fw, { anonymousUser: () => ({ id: 'guest', isAnonymous: false }) as never }, async (_t, c) => {
      assert.equal(await body(await c.get('/locals')), 'user:guest')
    }))
})
