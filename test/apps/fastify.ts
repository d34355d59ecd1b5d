/** @module test/apps/fastify: the configurable test app on Fastify (route set: see ./common.ts). */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { csrf, doorman, freshLoginRequired, loginRequired, protect, sendResponse } from '../../src/adapters/fastify.ts'
import type { RequestAuth } from '../../src/index.ts'
import * as h from './common.ts'

const auth = (req: FastifyRequest) => req.auth as never as RequestAuth<h.TestUser>
const url = (req: FastifyRequest) => new URL(req.url, 'http://test.invalid')
const user = (req: FastifyRequest) => req.user as h.TestUser | null

// Route bodies are framework-neutral Web Responses; Fastify sends them through the adapter.
const send = (fn: (req: FastifyRequest) => Response | Promise<Response>) => async (req: FastifyRequest, reply: FastifyReply) =>
  sendResponse(reply, await fn(req))

/** Build a Fastify test app for these manager options (call `await app.ready()` before inject). */
export function createTestApp(options: h.TestAppOptions = {}) {
  const { manager, calls, exempt } = h.testManager(options)
  const app = Fastify()
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, h.parseForm(body as string)))
  // Template locals as @fastify/view provides them; doorman fills `currentUser` when the user loads.
  app.decorateReply('locals', null)
  app.addHook('onRequest', async (_req, reply) => {
    ;(reply as any).locals = {}
  })
  app.register(doorman, { manager })
  app.get('/', send((req) => h.home(auth(req))))
  app.get('/noop', async () => 'ok')
  app.get('/login', async () => 'login page')
  app.post('/login', send((req) => h.formLogin(auth(req), (req.body ?? {}) as Record<string, string>)))
  app.get('/csrf-form', send((req) => h.csrfForm(auth(req))))
  app.post('/csrf-form', { preHandler: csrf() }, async () => 'accepted')
  app.all('/login-as', send((req) => h.loginAs(auth(req), url(req))))
  app.post('/logout', send((req) => h.logout(auth(req))))
  app.post('/confirm', send((req) => h.confirm(auth(req))))
  app.post('/slow', send((req) => h.slow(auth(req), url(req))))
  app.get('/state', send((req) => h.state(auth(req), url(req))))
  app.all('/private', { preHandler: loginRequired() }, send((req) => h.guarded('private', user(req))))
  app.get('/private-view', { preHandler: loginRequired({ loginView: '/route-login' }) }, send((req) => h.guarded('private-view', user(req))))
  app.get('/fresh', { preHandler: freshLoginRequired() }, send((req) => h.guarded('fresh', user(req))))
  app.get('/fresh-within', { preHandler: freshLoginRequired({ within: 60 }) }, send((req) => h.guarded('fresh-within', user(req))))
  app.get('/fresh-view', { preHandler: freshLoginRequired({ refreshView: '/route-reauth' }) }, send((req) => h.guarded('fresh-view', user(req))))
  app.get('/admin/page', { preHandler: loginRequired() }, send((req) => h.guarded('admin', user(req))))
  app.get('/admin/fresh', { preHandler: freshLoginRequired() }, send((req) => h.guarded('admin-fresh', user(req))))
  app.get('/flash', send((req) => h.flash(auth(req), url(req))))
  app.get('/flashes', send((req) => h.flashes(auth(req))))
  app.get('/session/set', send((req) => h.sessionSet(auth(req), url(req))))
  app.get('/session/get', send((req) => h.sessionGet(auth(req), url(req))))
  app.get('/next', send((req) => h.next(auth(req))))
  app.all('/ambient', send((req) => h.ambient(url(req))))
  app.get('/locals', async (req, reply) => {
    await auth(req).getUser()
    return sendResponse(reply, h.localsBody((reply as any).locals?.currentUser))
  })
  app.register(
    async (area) => {
      area.addHook('onRequest', protect({ exempt }))
      area.get('/login', async () => 'area login')
      area.get('/public/info', async () => 'area public')
      area.get('/private', send((req) => h.guarded('area-private', user(req))))
    },
    { prefix: '/area' },
  )
  return { app, manager, calls }
}
