/**
 * @module test/unit/events: every event fires exactly once per occurrence with its payload
 * (Flask-Login's signals), and the ambient accessors; through the fetch adapter (`doorman-login/fetch`),
 * the reference adapter the three framework ones mirror.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { confirmLogin, currentUser, flash, getAuth, getFlashedMessages, getUser, isFresh, isRemembered, loginUser, logoutUser } from '../../src/ambient.ts'
import { ContextError } from '../../src/errors.ts'
import type { AuthEvents } from '../../src/events.ts'
import { createLoginManager, type LoginManager, type LoginManagerOptions } from '../../src/manager.ts'
import { freshLoginRequired, loginRequired, withAuth, type AuthHandler } from '../../src/adapters/fetch.ts'
import { Client } from '../helpers/client.ts'
import type { Target } from '../helpers/adapters.ts'

interface U {
  id: string
  token?: string
}
const USERS: Record<string, U> = { '1': { id: '1', token: 't1' }, '3': { id: '3' } }
const SECRET = 'unit-secret-0123456789-abcdefghijklmnop'
type Log = { event: keyof AuthEvents<U>; payload: any }[]

/** A fetch-handler app on `withAuth`, as a Target, with every event logged. */
function fetchApp(options: Partial<LoginManagerOptions<U>> = {}): { target: Target; manager: LoginManager<U>; log: Log } {
  const manager = createLoginManager<U>({
    secret: SECRET,
    userLoader: async (id) => USERS[id] ?? null,
    requestLoader: (req) => Object.values(USERS).find((u) => u.token && req.header('authorization') === `Bearer ${u.token}`) ?? null,
    ...options,
  })
  const log: Log = []
  const events: (keyof AuthEvents<U>)[] = ['loggedIn', 'loggedOut', 'loadedFromCookie', 'loadedFromRequest', 'loginConfirmed', 'unauthorized', 'needsRefresh', 'accessed', 'sessionProtected', 'epochMismatch']
  for (const event of events) manager.on(event, (payload) => void log.push({ event, payload }))
  const routes: Record<string, AuthHandler<U>> = {
    '/': async (_r, auth) => new Response(String((await auth.getUser())?.id ?? 'anonymous')),
    '/noop': async () => new Response('ok'),
    '/login': async (r, auth) => Response.json(await auth.loginUser(USERS[new URL(r.url).searchParams.get('id')!], { remember: new URL(r.url).searchParams.has('remember') })),
    '/logout': async (_r, auth) => Response.json(await auth.logoutUser()),
    '/confirm': async (_r, auth) => (await auth.confirmLogin(), new Response('ok')),
    '/private': loginRequired(async (_r, auth) => new Response(`private:${(await auth.getUser())!.id}`)),
    '/fresh': freshLoginRequired(async () => new Response('fresh')),
    '/ambient': async () => {
      const id = new URL(getAuth().request.url).searchParams.get('login')
      if (id) assert.equal(await loginUser(USERS[id] as never), true)
      await flash('hi', 'info')
      const out = { user: ((await getUser()) as U | null)?.id ?? null, current: (await currentUser()) as object, fresh: await isFresh(), remembered: await isRemembered(), flashes: await getFlashedMessages({ withCategories: true }) }
      if (new URL(getAuth().request.url).searchParams.has('confirm')) await confirmLogin()
      if (new URL(getAuth().request.url).searchParams.has('logout')) await logoutUser()
      return Response.json(out)
    },
  }
  const handler = withAuth(manager, async (req, auth) => (routes[new URL(req.url).pathname] ?? (async () => new Response('nf', { status: 404 })))(req, auth, undefined), {
    remoteAddress: () => '127.0.0.1',
  })
  const target: Target = {
    name: 'hono',
    request: (path, init = {}) => handler(new Request(`http://localhost${path}`, { method: init.method, headers: init.headers, body: init.body })),
    close: async () => {},
  }
  return { target, manager, log }
}

const only = (log: Log, event: keyof AuthEvents<U>) => log.filter((e) => e.event === event)

test('loggedIn, accessed, loggedOut: once each, with the user and the request', async () => {
  const { target, log } = fetchApp()
  const c = new Client(target)
  await c.get('/login?id=1&remember')
  assert.equal(only(log, 'loggedIn').length, 1)
  assert.deepEqual(only(log, 'loggedIn')[0].payload.user, USERS['1'])
  assert.equal(only(log, 'loggedIn')[0].payload.remember, true)
  assert.equal(only(log, 'loggedIn')[0].payload.fresh, true)
  assert.deepEqual(only(log, 'loggedIn')[0].payload.request, { method: 'GET', url: 'http://localhost/login?id=1&remember', ip: '127.0.0.1' })
  log.length = 0
  await c.get('/noop')
  assert.equal(log.length, 0)
  await c.get('/')
  assert.deepEqual(log.map((e) => e.event), ['accessed'])
  log.length = 0
  await c.get('/logout')
  assert.deepEqual(log.map((e) => e.event), ['accessed', 'loggedOut'])
  assert.deepEqual(only(log, 'loggedOut')[0].payload.user, USERS['1'])
})

test('loadedFromCookie and loadedFromRequest: once per request, with the user; payloads carry no token', async () => {
  const { target, log } = fetchApp()
  const c = new Client(target)
  await c.get('/login?id=1&remember')
  c.deleteCookie('session')
  log.length = 0
  await c.get('/private')
  assert.deepEqual(log.map((e) => e.event), ['accessed', 'loadedFromCookie'])
  assert.deepEqual(log[1].payload.user, USERS['1'])
  log.length = 0
  await new Client(target).get('/', { headers: { authorization: 'Bearer t1' } })
  assert.deepEqual(log.map((e) => e.event), ['accessed', 'loadedFromRequest'])
  assert.doesNotMatch(JSON.stringify(log), /Bearer|v1\./)
})

test('unauthorized, needsRefresh, loginConfirmed, sessionProtected: once each', async () => {
  const { target, log } = fetchApp({ sessionProtection: 'basic' })
  const c = new Client(target)
  await c.get('/private')
  assert.deepEqual(log.map((e) => e.event), ['accessed', 'unauthorized'])
  await c.get('/login?id=1')
  log.length = 0
  await c.get('/', { headers: { 'user-agent': 'another' } })
  assert.deepEqual(log.map((e) => e.event), ['accessed', 'sessionProtected'])
  assert.equal(log[1].payload.mode, 'basic')
  log.length = 0
  await c.get('/fresh')
  assert.deepEqual(log.map((e) => e.event), ['accessed', 'needsRefresh'])
  assert.deepEqual(log[1].payload.user, USERS['1'])
  log.length = 0
  await c.get('/confirm')
  assert.deepEqual(log.map((e) => e.event), ['accessed', 'loginConfirmed'])
  assert.equal((await c.get('/fresh')).status, 200)
})

test('epochMismatch fires with the user id when the epoch changed', async () => {
  const epochs: Record<string, string> = { '1': 'a' }
  const { target, log } = fetchApp({ authEpoch: (u) => epochs[u.id] })
  const c = new Client(target)
  await c.get('/login?id=1')
  epochs['1'] = 'b'
  log.length = 0
  assert.equal(await (await c.get('/')).text(), 'anonymous')
  assert.deepEqual(only(log, 'epochMismatch').map((e) => e.payload.userId), ['1'])
})

test('a listener can unsubscribe; a throwing listener makes the operation throw', async () => {
  const { target, manager } = fetchApp()
  let n = 0
  const off = manager.on('loggedIn', () => void n++)
  const c = new Client(target)
  await c.get('/login?id=1')
  off()
  await c.get('/login?id=1')
  assert.equal(n, 1)
  manager.on('loggedIn', () => {
    throw new Error('audit down')
  })
  await assert.rejects(c.get('/login?id=1'), /audit down/)
})

test('ambient: true: the accessors work inside a request without an argument', async () => {
  const { target } = fetchApp({ ambient: true })
  const c = new Client(target)
  const first = await (await c.get('/ambient?login=3')).json()
  assert.deepEqual(first, { user: '3', current: USERS['3'], fresh: true, remembered: false, flashes: [['info', 'hi']] })
  const second = await (await c.get('/ambient?logout')).json()
  assert.equal(second.user, '3')
  const third = await (await c.get('/ambient')).json()
  assert.equal(third.user, null)
  assert.deepEqual(third.current, { })
})

test('without ambient (or outside a request) the accessors throw ContextError', async () => {
  const { target } = fetchApp({ ambient: false })
  await assert.rejects(new Client(target).get('/ambient'), ContextError)
  await assert.rejects(currentUser(), ContextError)
  assert.throws(() => getAuth(), (e: unknown) => e instanceof ContextError && e.code === 'DOORMAN_NO_CONTEXT')
})
