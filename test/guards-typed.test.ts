/**
 * The typed guard forms at run time: Express's `loginRequired(handler)` / `freshLoginRequired(handler)`
 * and `requireUser(req)`, Fastify's `requireUser(request)`, and the core `requireUser(auth)` for
 * fetch handlers. The handler runs only with a user; nobody logged in gets the guard's answer; an
 * exempt method (OPTIONS) with nobody logged in never reaches a handler promised a user.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import express from 'express'
import Fastify from 'fastify'
import { createLoginManager, UnauthorizedError, ContextError } from '../src/index.ts'
import * as ex from '../src/adapters/express.ts'
import * as fy from '../src/adapters/fastify.ts'
import * as fe from '../src/adapters/fetch.ts'
import { loginAs } from '../src/testing/index.ts'
import { expressTarget, fastifyTarget } from './helpers/adapters.ts'

interface Member {
  id: string
  name: string
}
const members = new Map<string, Member>([['1', { id: '1', name: 'ada' }]])
const manager = () =>
  createLoginManager<Member>({
    secret: 'typed-guards-secret-0123456789-abcdefghijklmnop',
    userLoader: (id) => members.get(id) ?? null,
    loginView: '/login',
    // loginAs() logs in without the test client's User-Agent: keep the login fresh for /settings.
    sessionProtection: 'off',
  })
const member = members.get('1')!

describe('Express: guarded handlers and requireUser', () => {
  async function app() {
    const m = manager()
    const a = express()
    a.use(ex.doorman(m))
    a.all('/account', ex.loginRequired((req, res) => void res.type('text').send(`account:${(req.user as Member).name}`)))
    a.all('/account', (_req, res) => void res.type('text').send('next route'))
    a.get('/settings', ex.freshLoginRequired((req, res) => void res.type('text').send(`settings:${(req.user as Member).name}`), { within: 60 }))
    a.all('/profile', ex.loginRequired(), (req, res) => void res.type('text').send(`profile:${(ex.requireUser(req) as Member).name}`))
    a.get('/unguarded', (req, res) => void res.type('text').send(String((ex.requireUser(req) as Member).name)))
    a.get('/whoami', (req, res) => void req.auth.getUser().then(() => res.json({ user: req.user === undefined ? 'undefined' : req.user })))
    a.use(ex.authErrorHandler())
    a.use(((err, _req, res, _next) => void res.status(500).type('text').send(err instanceof ContextError ? 'context error' : 'other')) as express.ErrorRequestHandler)
    return { target: await expressTarget(a), cookie: (await loginAs(m, member)).cookieHeader }
  }

  test('a logged-in user reaches the handler with req.user set', async () => {
    const { target, cookie } = await app()
    try {
      assert.equal(await (await target.request('/account', { headers: { cookie } })).text(), 'account:ada')
      assert.equal(await (await target.request('/settings', { headers: { cookie } })).text(), 'settings:ada')
      assert.equal(await (await target.request('/profile', { headers: { cookie } })).text(), 'profile:ada')
    } finally {
      await target.close()
    }
  })

  test('nobody logged in: the guard answers (login view, or 401 JSON), the handler never runs', async () => {
    const { target } = await app()
    try {
      for (const path of ['/account', '/settings', '/profile']) {
        const page = await target.request(path)
        assert.equal(page.status, 302, path)
        assert.match(page.headers.get('location') ?? '', /^\/login\?next=/)
        assert.equal((await target.request(path, { headers: { accept: 'application/json' } })).status, 401, path)
      }
    } finally {
      await target.close()
    }
  })

  test('an exempt method with nobody logged in skips the guarded handler (next route), and requireUser answers as the guard would', async () => {
    const { target, cookie } = await app()
    try {
      assert.equal(await (await target.request('/account', { method: 'OPTIONS' })).text(), 'next route')
      assert.equal(await (await target.request('/account', { method: 'OPTIONS', headers: { cookie } })).text(), 'account:ada')
      // Behind the middleware form, OPTIONS passes the guard; requireUser throws UnauthorizedError,
      // which authErrorHandler() turns into the guard's own answer.
      const page = await target.request('/profile', { method: 'OPTIONS' })
      assert.equal(page.status, 302)
      assert.match(page.headers.get('location') ?? '', /^\/login\?next=/)
      const api = await target.request('/profile', { method: 'OPTIONS', headers: { accept: 'application/json' } })
      assert.equal(api.status, 401)
      assert.equal((await api.json()).code, 'DOORMAN_UNAUTHORIZED')
    } finally {
      await target.close()
    }
  })

  test('requireUser without a guard in front is a bug in the route: a ContextError, never a user or a 401', async () => {
    const { target, cookie } = await app()
    try {
      assert.equal(await (await target.request('/unguarded', { headers: { cookie } })).text(), 'context error')
    } finally {
      await target.close()
    }
  })

  test('req.user is undefined (as Passport has it), not null, when nobody is logged in', async () => {
    const { target } = await app()
    try {
      assert.deepEqual(await (await target.request('/whoami')).json(), { user: 'undefined' })
    } finally {
      await target.close()
    }
  })
})

describe('Fastify: requireUser', () => {
  test('the user behind a guard; 401 when an exempt method let an anonymous request through', async () => {
    const m = manager()
    const app = Fastify()
    await app.register(fy.doorman, { manager: m })
    app.route({ method: ['GET', 'OPTIONS'], url: '/account', preHandler: fy.loginRequired(), handler: async (req) => `account:${(fy.requireUser(req) as Member).name}` })
    const target = await fastifyTarget(app)
    try {
      const cookie = (await loginAs(m, member)).cookieHeader
      assert.equal(await (await target.request('/account', { headers: { cookie } })).text(), 'account:ada')
      assert.equal((await target.request('/account')).status, 302)
      const options = await target.request('/account', { method: 'OPTIONS' })
      assert.equal(options.status, 401)
      assert.equal((await options.json()).code, 'DOORMAN_UNAUTHORIZED')
    } finally {
      await target.close()
    }
  })
})

describe('core requireUser(auth)', () => {
  test('returns the loaded user, throws UnauthorizedError for nobody, ContextError before any load', async () => {
    const m = manager()
    const cookie = (await loginAs(m, member)).cookieHeader
    const seen: string[] = []
    const handler = fe.withAuth(
      m,
      fe.loginRequired(async (_request, auth) => {
        seen.push(fe.requireUser(auth).name)
        return new Response('ok')
      }),
    )
    assert.equal((await handler(new Request('http://localhost/', { headers: { cookie } }))).status, 200)
    assert.deepEqual(seen, ['ada'])
    const early = fe.withAuth(m, async (_request, auth) => {
      assert.throws(() => fe.requireUser(auth), ContextError)
      await auth.getUser()
      assert.throws(() => fe.requireUser(auth), UnauthorizedError)
      return new Response('checked')
    })
    assert.equal(await (await early(new Request('http://localhost/'))).text(), 'checked')
  })
})
