/** @module test/apps/express: the configurable test app on Express (route set: see ./common.ts). */
import express, { type Request, type Response as ExpressResponse } from 'express'
import { authErrorHandler, csrf, doorman, freshLoginRequired, loginRequired, protect, sendResponse } from '../../src/adapters/express.ts'
import type { RequestAuth } from '../../src/index.ts'
import * as h from './common.ts'

const auth = (req: Request) => req.auth as never as RequestAuth<h.TestUser>
const url = (req: Request) => new URL(req.originalUrl, 'http://test.invalid')
const user = (req: Request) => req.user as h.TestUser | null

// Route bodies are framework-neutral Web Responses; Express sends them through the adapter.
const send = (fn: (req: Request, res: ExpressResponse) => Response | Promise<Response>) => (req: Request, res: ExpressResponse, next: (e?: unknown) => void) => {
  Promise.resolve(fn(req, res)).then((r) => sendResponse(res, r)).catch(next)
}

/** Build an Express test app for these manager options. */
export function createTestApp(options: h.TestAppOptions = {}) {
  const { manager, calls, exempt } = h.testManager(options)
  const app = express()
  app.set('x-powered-by', false)
  // A one-line view engine, so /locals goes through res.render as a template would.
  app.engine('txt', (_file, opts: any, cb) => cb(null, h.localsText(opts.currentUser)))
  app.set('views', new URL('./views', import.meta.url).pathname)
  app.set('view engine', 'txt')
  app.use(express.text({ type: 'application/x-www-form-urlencoded' }), express.json())
  app.use(doorman(manager))
  app.get('/', send((req) => h.home(auth(req))))
  app.get('/noop', (_req, res) => res.type('text').send('ok'))
  app.get('/login', (_req, res) => res.type('text').send('login page'))
  app.post('/login', send((req) => {
    if (typeof req.body === 'string') return h.formLogin(auth(req), h.parseForm(req.body))
    if (req.is('application/json') && req.body && typeof req.body === 'object') return h.formLogin(auth(req), req.body)
    return new Response('unsupported media type', { status: 415 })
  }))
  app.get('/csrf-form', send((req) => h.csrfForm(auth(req))))
  // csrf() reads the token from a parsed req.body; this app parses forms as text (see above).
  const formObject = (req: Request, _res: ExpressResponse, next: () => void) => {
    if (typeof req.body === 'string') req.body = h.parseForm(req.body)
    next()
  }
  app.post('/csrf-form', formObject, csrf(), (_req, res) => res.type('text').send('accepted'))
  app.all('/login-as', send((req) => h.loginAs(auth(req), url(req))))
  app.post('/logout', send((req) => h.logout(auth(req))))
  app.post('/confirm', send((req) => h.confirm(auth(req))))
  app.post('/slow', send((req) => h.slow(auth(req), url(req))))
  app.get('/state', send((req) => h.state(auth(req), url(req))))
  app.all('/private', loginRequired(), send((req) => h.guarded('private', user(req))))
  app.get('/private-view', loginRequired({ loginView: '/route-login' }), send((req) => h.guarded('private-view', user(req))))
  app.get('/fresh', freshLoginRequired(), send((req) => h.guarded('fresh', user(req))))
  app.get('/fresh-within', freshLoginRequired({ within: 60 }), send((req) => h.guarded('fresh-within', user(req))))
  app.get('/fresh-view', freshLoginRequired({ refreshView: '/route-reauth' }), send((req) => h.guarded('fresh-view', user(req))))
  app.get('/admin/page', loginRequired(), send((req) => h.guarded('admin', user(req))))
  app.get('/admin/fresh', freshLoginRequired(), send((req) => h.guarded('admin-fresh', user(req))))
  app.get('/flash', send((req) => h.flash(auth(req), url(req))))
  app.get('/flashes', send((req) => h.flashes(auth(req))))
  app.get('/session/set', send((req) => h.sessionSet(auth(req), url(req))))
  app.get('/session/get', send((req) => h.sessionGet(auth(req), url(req))))
  app.get('/next', send((req) => h.next(auth(req))))
  app.all('/ambient', send((req) => h.ambient(url(req))))
  // No getUser() first: res.render itself waits for the user, as Flask-Login's context processor.
  app.get('/locals', (_req, res) => res.render('locals'))
  const area = express.Router()
  area.use(protect({ exempt }))
  area.get('/login', (_req, res) => res.type('text').send('area login'))
  area.get('/public/info', (_req, res) => res.type('text').send('area public'))
  area.get('/private', send((req) => h.guarded('area-private', user(req))))
  app.use('/area', area)
  app.use(authErrorHandler())
  // Body-parser errors (bad JSON 400, over the limit 413) answered plainly, without a logged stack.
  app.use((err: any, _req: Request, res: ExpressResponse, next: (e?: unknown) => void) => {
    if (!(err?.expose && err.status >= 400 && err.status < 500) || res.headersSent) return next(err)
    res.status(err.status).type('text').send(err.status === 413 ? 'Payload Too Large' : 'Bad Request')
  })
  return { app, manager, calls }
}
