/**
 * @module test/express-response: how the Express adapter holds a response until the commit, in
 * the cases the shared scenarios do not reach: a middleware that wrapped `res.end`/`res.write`
 * before doorman (compression does), streamed writes, an async (store) commit, and a sub-app.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, test } from 'node:test'
import express, { type RequestHandler } from 'express'
import { doorman, loginRequired } from '../src/adapters/express.ts'
import { createLoginManager } from '../src/manager.ts'
import { memoryStore } from '../src/stores/memory.ts'

const SECRET = 'express-response-secret-0123456789abcdef'
type U = { id: string }
const servers: Array<{ close(): void }> = []
after(() => servers.forEach((s) => s.close()))

async function serve(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1')
  servers.push(server)
  await new Promise((r) => server.once('listening', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

// What compression does: replace res.write/res.end with wrappers that call the previous ones.
const wrapping: RequestHandler = (_req, res, next) => {
  const end = res.end
  const write = res.write
  res.write = function (this: any, ...a: any[]) {
    return (write as any).apply(this, a)
  } as any
  res.end = function (this: any, ...a: any[]) {
    res.setHeader('x-wrapped', 'yes')
    return (end as any).apply(this, a)
  } as any
  next()
}

function app(options: { wrapFirst?: boolean; wrapAfter?: boolean; store?: boolean } = {}) {
  const manager = createLoginManager<U>({ secret: SECRET, userLoader: (id) => ({ id }), ...(options.store ? { store: memoryStore() } : {}) })
  const a = express()
  if (options.wrapFirst) a.use(wrapping)
  a.use(doorman(manager))
  if (options.wrapAfter) a.use(wrapping)
  a.post('/login', async (req, res) => {
    await req.auth.loginUser({ id: '7' } as any)
    res.send('in')
  })
  a.get('/stream', async (req, res) => {
    await req.auth.loginUser({ id: '8' } as any)
    res.write('a')
    res.write('b')
    res.end('c')
  })
  a.get('/private', loginRequired(), (req, res) => res.send(`hi ${(req.user as any).id}`))
  const sub = express()
  sub.get('/who', async (req, res) => res.send(String(((await req.auth.getUser()) as any)?.id ?? 'nobody')))
  sub.post('/login', async (req, res) => {
    await req.auth.loginUser({ id: '9' } as any)
    res.send('sub in')
  })
  a.use('/sub', sub)
  return a
}

const cookieOf = (r: Response) => r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')

for (const store of [false, true]) {
  const mode = store ? 'store (async commit)' : 'sealed cookie'
  for (const when of ['before', 'after'] as const) {
    test(`${mode}: a middleware that wraps res.end ${when} doorman still sends the session cookie`, async () => {
      const base = await serve(app(when === 'before' ? { wrapFirst: true, store } : { wrapAfter: true, store }))
      const r = await fetch(`${base}/login`, { method: 'POST' })
      assert.equal(await r.text(), 'in')
      assert.equal(r.headers.get('x-wrapped'), 'yes')
      const cookie = cookieOf(r)
      assert.match(cookie, /^session=/)
      const p = await fetch(`${base}/private`, { headers: { cookie } })
      assert.equal(await p.text(), 'hi 7')
      if (when === 'before') assert.equal(p.headers.get('x-wrapped'), 'yes')
      assert.equal(p.headers.get('cache-control'), 'private, no-store')
      if (when === 'after') assert.match(p.headers.get('vary') ?? '', /Cookie/)
    })
  }

  test(`${mode}: streamed writes wait for the commit and arrive in order`, async () => {
    const base = await serve(app({ store }))
    const r = await fetch(`${base}/stream`)
    assert.equal(await r.text(), 'abc')
    const cookie = cookieOf(r)
    const p = await fetch(`${base}/private`, { headers: { cookie } })
    assert.equal(await p.text(), 'hi 8')
  })

  test(`${mode}: a sub-app's routes see the user and can log in`, async () => {
    const base = await serve(app({ store }))
    const r = await fetch(`${base}/sub/login`, { method: 'POST' })
    assert.equal(await r.text(), 'sub in')
    const cookie = cookieOf(r)
    assert.match(cookie, /^session=/)
    assert.equal(await (await fetch(`${base}/sub/who`, { headers: { cookie } })).text(), '9')
    assert.equal(await (await fetch(`${base}/sub/who`)).text(), 'nobody')
  })
}

test('req.auth and req.user: set by doorman, assignable by the app (as Passport does), absent without doorman', async () => {
  const manager = createLoginManager<U>({ secret: SECRET, userLoader: (id) => ({ id }) })
  const a = express()
  a.get('/plain', (req, res) => res.json({ auth: req.auth === undefined, user: req.user === undefined }))
  a.use(doorman(manager))
  a.post('/login', async (req, res) => {
    await req.auth.loginUser({ id: '5' } as any)
    res.send('in')
  })
  a.get('/seen', loginRequired(), (req, res) => {
    const before = (req.user as any).id
    req.user = { id: 'assigned' } as any
    res.json({ before, after: (req.user as any).id, own: Object.hasOwn(req, 'user'), auth: typeof req.auth.getUser })
  })
  a.get('/anon', (req, res) => res.json({ user: req.user === undefined, auth: typeof req.auth.getUser }))
  const base = await serve(a)
  assert.deepEqual(await (await fetch(`${base}/plain`)).json(), { auth: true, user: true })
  assert.deepEqual(await (await fetch(`${base}/anon`)).json(), { user: true, auth: 'function' })
  const cookie = cookieOf(await fetch(`${base}/login`, { method: 'POST' }))
  assert.deepEqual(await (await fetch(`${base}/seen`, { headers: { cookie } })).json(), { before: '5', after: 'assigned', own: true, auth: 'function' })
})

test('routes of an app without doorman are untouched by the render patch', async () => {
  const plain = express()
  plain.engine('txt', (_f, o: any, cb) => cb(null, `plain ${o.x}`))
  plain.set('views', new URL('./apps/views', import.meta.url).pathname)
  plain.set('view engine', 'txt')
  plain.get('/', (_req, res) => res.render('locals', { x: 1 }))
  // Mount doorman on another app first, so the shared prototype is patched.
  const base1 = await serve(app())
  await fetch(`${base1}/private`)
  const base2 = await serve(plain)
  assert.equal(await (await fetch(`${base2}/`)).text(), 'plain 1')
})
