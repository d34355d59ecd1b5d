/** @module test/apps/hono: the configurable test app on Hono (route set: see ./common.ts). */
import { Hono, type Context } from 'hono'
import { csrf, doorman, freshLoginRequired, loginRequired, protect } from '../../src/adapters/hono.ts'
import * as h from './common.ts'

const auth = (c: Context) => c.get('auth') as never as import('../../src/index.ts').RequestAuth<h.TestUser>
const user = (c: Context) => c.get('user') as h.TestUser | null
const url = (c: Context) => new URL(c.req.url)

/** Build a Hono test app for these manager options. */
export function createTestApp(options: h.TestAppOptions = {}) {
  const { manager, calls, exempt } = h.testManager(options)
  const app = new Hono()
  app.use(doorman(manager))
  app.get('/', (c) => h.home(auth(c)))
  app.get('/noop', (c) => c.text('ok'))
  app.get('/login', (c) => c.text('login page'))
  app.post('/login', async (c) => {
    const form = await h.readForm(c.req.raw)
    return form instanceof Response ? form : h.formLogin(auth(c), form)
  })
  app.get('/csrf-form', (c) => h.csrfForm(auth(c)))
  app.post('/csrf-form', csrf(), (c) => c.text('accepted'))
  app.all('/login-as', (c) => h.loginAs(auth(c), url(c)))
  app.post('/logout', (c) => h.logout(auth(c)))
  app.post('/confirm', (c) => h.confirm(auth(c)))
  app.post('/slow', (c) => h.slow(auth(c), url(c)))
  app.get('/state', (c) => h.state(auth(c), url(c)))
  app.all('/private', loginRequired(), (c) => h.guarded('private', user(c)))
  app.get('/private-view', loginRequired({ loginView: '/route-login' }), (c) => h.guarded('private-view', user(c)))
  app.get('/fresh', freshLoginRequired(), (c) => h.guarded('fresh', user(c)))
  app.get('/fresh-within', freshLoginRequired({ within: 60 }), (c) => h.guarded('fresh-within', user(c)))
  app.get('/fresh-view', freshLoginRequired({ refreshView: '/route-reauth' }), (c) => h.guarded('fresh-view', user(c)))
  app.get('/admin/page', loginRequired(), (c) => h.guarded('admin', user(c)))
  app.get('/admin/fresh', freshLoginRequired(), (c) => h.guarded('admin-fresh', user(c)))
  app.get('/flash', (c) => h.flash(auth(c), url(c)))
  app.get('/flashes', (c) => h.flashes(auth(c)))
  app.get('/session/set', (c) => h.sessionSet(auth(c), url(c)))
  app.get('/session/get', (c) => h.sessionGet(auth(c), url(c)))
  app.get('/next', (c) => h.next(auth(c)))
  app.all('/ambient', (c) => h.ambient(url(c)))
  app.get('/locals', async (c) => {
    await auth(c).getUser()
    return h.localsBody(c.get('user') ?? manager.anonymousUser())
  })
  const area = new Hono()
  area.use(protect({ exempt }))
  area.get('/login', (c) => c.text('area login'))
  area.get('/public/info', (c) => c.text('area public'))
  area.get('/private', (c) => h.guarded('area-private', user(c)))
  app.route('/area', area)
  return { app, manager, calls }
}
