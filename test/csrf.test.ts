// doorman/csrf: header checks (Sec-Fetch-Site, Origin, Referer) and the session-bound token, on
// Hono, Express, Fastify and the fetch adapter, plus the core functions on their own.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { parse as parseQuery } from 'node:querystring'
import { Hono } from 'hono'
import express from 'express'
import Fastify from 'fastify'
import { createLoginManager, RequestAuth, type LoginManager } from '../src/index.ts'
import { ConfigError, CsrfError } from '../src/errors.ts'
import { checkRequestOrigin, csrfToken, resolveCsrfOptions, verifyCsrf, type CsrfOptions } from '../src/csrf.ts'
import * as honoAdapter from '../src/adapters/hono.ts'
import * as expressAdapter from '../src/adapters/express.ts'
import * as fastifyAdapter from '../src/adapters/fastify.ts'
import * as fetchAdapter from '../src/adapters/fetch.ts'

const SECRET = 'csrf-test-secret-Zq8v3Lr1Xp6Kd0Wm5Tn2Hy7Bg4Jc9'
interface User { id: string; name: string }
const USERS: Record<string, User> = { alice: { id: 'alice', name: 'Alice' } }
const OPTIONS: CsrfOptions = { exempt: ['/hooks/*'], trustedOrigins: ['https://partner.example'] }

function makeManager(extra: Partial<Parameters<typeof createLoginManager<User>>[0]> = {}): LoginManager<User> {
  return createLoginManager<User>({ secret: SECRET, userLoader: (id) => USERS[id] ?? null, ...extra })
}

type Body = string | Uint8Array | FormData | undefined
interface Init { method?: string; headers?: Record<string, string>; body?: Body }
interface App {
  name: string
  /** The app's own origin, as a browser would send it in `Origin`. */
  origin: string
  request(path: string, init?: Init): Promise<Response>
  /** Paths whose handler ran. */
  reached: string[]
  close(): Promise<void>
}

// ---------------------------------------------------------------- the four apps

// The same routes everywhere: GET /form gives a token, GET /plain renders nothing, POST /login
// logs alice in, POST /submit echoes the form field `name` (read again by the handler), POST
// /api/json answers JSON, POST /hooks/in is exempt.
function honoApp(options: CsrfOptions = OPTIONS, manager = makeManager()): App {
  const reached: string[] = []
  const app = new Hono()
  app.use(honoAdapter.doorman(manager), honoAdapter.csrf(options))
  app.use(async (c, next) => (reached.push(`${c.req.method} ${new URL(c.req.url).pathname}`), next()))
  app.get('/form', async (c) => c.text(await c.get('csrfToken')()))
  app.get('/plain', (c) => c.text('plain'))
  app.post('/login', async (c) => c.text(String(await c.get('auth').loginUser(USERS.alice as never))))
  app.post('/submit', async (c) => c.text(`ok:${(await c.req.parseBody()).name ?? ''}`))
  app.post('/api/json', (c) => c.json({ ok: true }))
  app.post('/hooks/in', (c) => c.text('hook'))
  return {
    name: 'hono',
    origin: 'http://localhost',
    reached,
    request: async (path, init = {}) => app.request(`http://localhost${path}`, init as RequestInit),
    close: async () => {},
  }
}

async function expressApp(options: CsrfOptions = OPTIONS, manager = makeManager(), parsers = true): Promise<App> {
  const reached: string[] = []
  const app = express()
  if (parsers) app.use(express.urlencoded({ extended: false }), express.json())
  app.use(expressAdapter.doorman(manager), expressAdapter.csrf(options))
  app.use((req, _res, next) => (reached.push(`${req.method} ${req.path}`), next()))
  app.get('/form', async (_req, res) => void res.send(await res.locals.csrfToken()))
  app.get('/plain', (_req, res) => void res.send('plain'))
  app.post('/login', async (req, res) => void res.send(String(await req.auth.loginUser(USERS.alice as never))))
  app.post('/submit', (req, res) => void res.send(`ok:${req.body?.name ?? ''}`))
  app.post('/api/json', (_req, res) => void res.json({ ok: true }))
  app.post('/hooks/in', (_req, res) => void res.send('hook'))
  const server = http.createServer(app)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    name: 'express',
    origin,
    reached,
    request: (path, init = {}) => fetch(`${origin}${path}`, { ...init, redirect: 'manual' } as RequestInit),
    close: () => new Promise((r) => server.close(() => r())),
  }
}

// Fastify parses only JSON and text by itself; the test app adds what an app would register.
async function multipart(body: Buffer, type: string): Promise<Record<string, unknown>> {
  const form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData()
  const out: Record<string, unknown> = Object.create(null)
  for (const k of new Set(form.keys())) {
    const all = form.getAll(k)
    out[k] = all.length > 1 ? all : all[0]
  }
  return out
}

async function fastifyApp(options: CsrfOptions = OPTIONS, manager = makeManager()): Promise<App> {
  const reached: string[] = []
  const app = Fastify()
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, parseQuery(body as string)))
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body, done) => {
    multipart(body as Buffer, String(req.headers['content-type'])).then(
      (v) => done(null, v),
      () => done(Object.assign(new Error('bad multipart body'), { statusCode: 400 }), undefined),
    )
  })
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
  await app.register(fastifyAdapter.doorman, { manager })
  app.addHook('preHandler', fastifyAdapter.csrf(options))
  app.addHook('preHandler', async (req) => void reached.push(`${req.method} ${req.url.split('?')[0]}`))
  app.get('/form', async (_req, reply) => (reply as any).locals.csrfToken())
  app.get('/plain', async () => 'plain')
  app.post('/login', async (req) => String(await req.auth.loginUser(USERS.alice as never)))
  app.post('/submit', async (req) => `ok:${(req.body as any)?.name ?? ''}`)
  app.post('/api/json', async () => ({ ok: true }))
  app.post('/hooks/in', async () => 'hook')
  await app.ready()
  return {
    name: 'fastify',
    origin: 'http://localhost',
    reached,
    async request(path, init = {}) {
      // inject() takes a body, not a FormData: serialise it the way fetch would.
      let body = init.body
      const headers = { ...init.headers }
      if (body instanceof FormData || typeof body === 'string') {
        const r = new Request('http://x/', { method: 'POST', body, headers })
        body = new Uint8Array(await r.arrayBuffer())
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = r.headers.get('content-type')!
      }
      const res = await app.inject({ method: (init.method ?? 'GET') as 'GET', url: path, headers, payload: body ? Buffer.from(body) : undefined })
      const out = new Headers()
      for (const [k, v] of Object.entries(res.headers)) for (const x of ([] as unknown[]).concat(v)) out.append(k, String(x))
      return new Response(res.statusCode === 204 ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers: out })
    },
    close: () => app.close(),
  }
}

function fetchApp(options: CsrfOptions = OPTIONS, manager = makeManager()): App {
  const reached: string[] = []
  const route: fetchAdapter.AuthHandler<User> = async (request, auth) => {
    const path = new URL(request.url).pathname
    reached.push(`${request.method} ${path}`)
    if (path === '/form') return new Response(await csrfToken(auth))
    if (path === '/plain') return new Response('plain')
    if (path === '/login') return new Response(String(await auth.loginUser(USERS.alice)))
    if (path === '/submit') return new Response(`ok:${(await request.formData()).get('name') ?? ''}`)
    if (path === '/api/json') return Response.json({ ok: true })
    if (path === '/hooks/in') return new Response('hook')
    return new Response('not found', { status: 404 })
  }
  const handler = fetchAdapter.withAuth(manager, fetchAdapter.csrf(route, options))
  return {
    name: 'fetch',
    origin: 'http://localhost',
    reached,
    request: (path, init = {}) => handler(new Request(`http://localhost${path}`, init as RequestInit)),
    close: async () => {},
  }
}

// ---------------------------------------------------------------- a browser-ish client

/** Keeps the cookies an app sets and sends them back; `post` sends same-origin form posts. */
class Client {
  cookies = new Map<string, string>()
  constructor(readonly app: App) {}
  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
  async send(path: string, init: Init = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers }
    if (this.cookies.size && !('cookie' in headers)) headers.cookie = this.cookieHeader
    const res = await this.app.request(path, { ...init, headers })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      if (/max-age=0/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, pair.slice(eq + 1).trim())
    }
    return res
  }
  async token(): Promise<string> {
    const res = await this.send('/form')
    assert.equal(res.status, 200)
    return res.text()
  }
  /** A same-origin form post, as a current browser sends it. */
  post(path: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
    const body = new URLSearchParams()
    for (const [k, v] of Object.entries(form)) for (const x of ([] as string[]).concat(v)) body.append(k, x)
    return this.send(path, {
      method: 'POST',
      body: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', origin: this.app.origin, ...headers },
    })
  }
}

async function reason(res: Response): Promise<string> {
  assert.equal(res.status, 403, `expected 403, got ${res.status}`)
  const text = await res.text()
  return text.startsWith('{') ? JSON.parse(text).reason : /\(([a-z-]+)\)$/.exec(text)?.[1] ?? text
}

// ---------------------------------------------------------------- the shared scenarios

const FACTORIES: Array<[string, () => App | Promise<App>]> = [
  ['hono', () => honoApp()],
  ['express', () => expressApp()],
  ['fastify', () => fastifyApp()],
  ['fetch', () => fetchApp()],
]

for (const [name, make] of FACTORIES) {
  describe(`csrf on ${name}`, () => {
    let app: App
    before(async () => {
      app = await make()
    })
    after(() => app.close())

    /** A client with a session (and its token). */
    async function withToken(): Promise<[Client, string]> {
      const c = new Client(app)
      const t = await c.token()
      assert.ok(c.cookies.size > 0, 'the first token creates the session')
      return [c, t]
    }

    it('a same-origin form post with a valid token gets through, and the handler reads the body again', async () => {
      const [c, t] = await withToken()
      const res = await c.post('/submit', { csrf_token: t, name: 'bob' })
      assert.equal(res.status, 200)
      assert.equal(await res.text(), 'ok:bob')
    })

    it('a cross-site form post is refused before the handler: Sec-Fetch-Site, then Origin alone', async () => {
      const [c, t] = await withToken()
      app.reached.length = 0
      assert.equal(await reason(await c.post('/submit', { csrf_token: t }, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' })), 'cross-site')
      const noFetchMetadata = { csrf_token: t }
      const res = await c.send('/submit', {
        method: 'POST',
        body: new URLSearchParams(noFetchMetadata).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      })
      assert.equal(await reason(res), 'origin')
      assert.deepEqual(app.reached, [])
    })

    it('same-site is refused unless allowed; Origin: null is refused', async () => {
      const [c, t] = await withToken()
      assert.equal(await reason(await c.post('/submit', { csrf_token: t }, { 'sec-fetch-site': 'same-site', origin: 'https://sub.localhost' })), 'same-site')
      const res = await c.send('/submit', { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' } })
      assert.equal(await reason(res), 'origin-null')
    })

    it('a missing token is refused', async () => {
      const [c] = await withToken()
      assert.equal(await reason(await c.post('/submit', { name: 'x' })), 'token-missing')
      assert.equal(await reason(await c.post('/submit', { csrf_token: '' })), 'token-missing')
    })

    it("another session's token is refused", async () => {
      const [, theirs] = await withToken()
      const [mine] = await withToken()
      assert.equal(await reason(await mine.post('/submit', { csrf_token: theirs })), 'token-mismatch')
    })

    it('a token from before login is refused: login rotates the secret', async () => {
      const [c, before] = await withToken()
      const login = await c.post('/login', { csrf_token: before })
      assert.equal(login.status, 200)
      assert.equal(await login.text(), 'true')
      assert.equal(await reason(await c.post('/submit', { csrf_token: before })), 'token-mismatch')
      const after = await c.token()
      assert.equal((await c.post('/submit', { csrf_token: after })).status, 200)
    })

    it('a token only in a cookie is refused (never read from cookies)', async () => {
      const [c, t] = await withToken()
      const res = await c.post('/submit', { name: 'x' }, { cookie: `${c.cookieHeader}; csrf_token=${t}; x-csrf-token=${t}` })
      assert.equal(await reason(res), 'token-missing')
    })

    it('two tokens (array) or a duplicated header are refused, never a 500', async () => {
      const [c, t] = await withToken()
      const t2 = await c.token()
      assert.equal(await reason(await c.post('/submit', { csrf_token: [t, t2] })), 'token-malformed')
      assert.equal(await reason(await c.post('/submit', { csrf_token: [t, t] })), 'token-malformed')
      // Node and fetch join a repeated header with ", ": not a token.
      assert.equal(await reason(await c.post('/submit', {}, { 'x-csrf-token': `${t}, ${t2}` })), 'token-malformed')
    })

    it('the token in the X-CSRF-Token header works for JSON and text bodies', async () => {
      const [c, t] = await withToken()
      for (const type of ['application/json', 'text/plain']) {
        const res = await c.send('/api/json', { method: 'POST', body: '{"a":1}', headers: { 'content-type': type, 'sec-fetch-site': 'same-origin', 'x-csrf-token': t } })
        assert.equal(res.status, 200, type)
        assert.deepEqual(await res.json(), { ok: true })
      }
    })

    it('every Content-Type is checked: upper case, missing, text/plain, multipart', async () => {
      const [c, t] = await withToken()
      const bodies: Array<[string, Init]> = [
        ['upper-case form', { body: `csrf_token=${t}`, headers: { 'content-type': 'APPLICATION/X-WWW-FORM-URLENCODED' } }],
        ['no content type', { body: new TextEncoder().encode(`csrf_token=${t}`) }],
        ['text/plain', { body: `csrf_token=${t}`, headers: { 'content-type': 'text/plain' } }],
        ['TEXT/PLAIN', { body: `csrf_token=${t}`, headers: { 'content-type': 'TEXT/PLAIN; charset=utf-8' } }],
        ['multipart', { body: (() => { const f = new FormData(); f.set('csrf_token', t); return f })() }],
      ]
      app.reached.length = 0
      for (const [what, init] of bodies) {
        for (const site of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }] as Record<string, string>[]) {
          const res = await c.send('/submit', { method: 'POST', ...init, headers: { ...init.headers, ...site } })
          assert.equal(res.status, 403, `${what} ${JSON.stringify(site)}`)
        }
        // Same origin but no token where doorman reads it: refused as well.
        if (what !== 'multipart' && what !== 'upper-case form') {
          const res = await c.send('/submit', { method: 'POST', body: init.body, headers: { ...init.headers, 'sec-fetch-site': 'same-origin' } })
          assert.equal(await reason(res), 'token-missing', what)
        }
      }
      assert.deepEqual(app.reached, [])
    })

    it('a JSON endpoint refuses cross-site simple requests (text/plain, form, none)', async () => {
      const c = new Client(app)
      await c.token()
      app.reached.length = 0
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
        const headers: Record<string, string> = { origin: 'https://evil.example' }
        if (type) headers['content-type'] = type
        for (const site of ['origin', 'cross-site']) {
          if (site === 'cross-site') headers['sec-fetch-site'] = 'cross-site'
          const res = await c.send('/api/json', { method: 'POST', body: new TextEncoder().encode('{"a":1}'), headers })
          // Fastify parses bodies before any preHandler: this one is not multipart, so its parser says 400 first.
          if (app.name === 'fastify' && type?.startsWith('multipart')) assert.equal(res.status, 400)
          else assert.equal(await reason(res), site, String(type))
        }
      }
      assert.deepEqual(app.reached, [])
    })

    it('upper-case form and multipart bodies with a valid token get through where the app parses them', async () => {
      if (app.name === 'express') return // no multipart parser mounted: see the express-only test
      const [c, t] = await withToken()
      const f = new FormData()
      f.set('csrf_token', t)
      f.set('name', 'multi')
      const res = await c.send('/submit', { method: 'POST', body: f, headers: { 'sec-fetch-site': 'same-origin' } })
      assert.equal(res.status, 200)
      assert.equal(await res.text(), 'ok:multi')
    })

    it('GET, HEAD and OPTIONS are never checked, even cross-site', async () => {
      const c = new Client(app)
      for (const method of ['GET', 'HEAD']) {
        const res = await c.send('/plain', { method, headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } })
        assert.equal(res.status, 200, method)
      }
      const res = await c.send('/plain', { method: 'OPTIONS', headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } })
      assert.notEqual(res.status, 403)
    })

    it('a GET that renders no form does no session work (no cookie)', async () => {
      const c = new Client(app)
      const res = await c.send('/plain')
      assert.equal(res.status, 200)
      assert.deepEqual(res.headers.getSetCookie(), [])
    })

    it('exempt paths are not checked; trick spellings of them are', async () => {
      const c = new Client(app)
      const res = await c.send('/hooks/in', { method: 'POST', body: 'x', headers: { 'sec-fetch-site': 'cross-site', cookie: 'a=b' } })
      assert.equal(res.status, 200)
      assert.equal(await res.text(), 'hook')
      const sneaky = await c.send('/submit', { method: 'POST', body: 'x', headers: { 'sec-fetch-site': 'cross-site', cookie: 'a=b' } })
      assert.equal(sneaky.status, 403)
    })

    it('a trusted origin may post cross-site (with the token)', async () => {
      const [c, t] = await withToken()
      const res = await c.post('/submit', { csrf_token: t, name: 'p' }, { 'sec-fetch-site': 'cross-site', origin: 'https://partner.example' })
      assert.equal(res.status, 200)
    })

    it('Referer is the fallback when Sec-Fetch-Site and Origin are absent', async () => {
      const [c, t] = await withToken()
      const form = new URLSearchParams({ csrf_token: t }).toString()
      const h = { 'content-type': 'application/x-www-form-urlencoded' }
      assert.equal((await c.send('/submit', { method: 'POST', body: form, headers: { ...h, referer: `${app.origin}/form?x=1` } })).status, 200)
      assert.equal(await reason(await c.send('/submit', { method: 'POST', body: form, headers: { ...h, referer: 'https://evil.example/' } })), 'referer')
      assert.equal(await reason(await c.send('/submit', { method: 'POST', body: form, headers: { ...h, referer: 'not a url' } })), 'referer')
      // Cookies but no provenance header at all: refused (requireOriginHeader).
      assert.equal(await reason(await c.send('/submit', { method: 'POST', body: form, headers: h })), 'origin-missing')
    })

    it('a request with no ambient credential (API client with a bearer token) is not a CSRF target', async () => {
      const c = new Client(app)
      const res = await c.send('/api/json', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', authorization: 'Bearer abc' } })
      assert.equal(res.status, 200)
      // Basic credentials are ambient (browsers resend them): checked.
      const basic = await c.send('/api/json', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', authorization: 'Basic YTpi' } })
      assert.equal(await reason(basic), 'origin-missing')
      // A browser that says cross-site is refused even without cookies (login CSRF).
      assert.equal(await reason(await c.send('/login', { method: 'POST', body: 'a=1', headers: { 'sec-fetch-site': 'cross-site' } })), 'cross-site')
    })

    it('JSON clients get a JSON 403, others text; never cached', async () => {
      const c = new Client(app)
      await c.token()
      const res = await c.send('/api/json', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', accept: 'application/json', 'sec-fetch-site': 'same-origin' } })
      assert.equal(res.status, 403)
      assert.match(res.headers.get('content-type')!, /^application\/json/)
      assert.match(res.headers.get('cache-control')!, /no-store/)
      assert.deepEqual(await res.json(), { error: 'csrf', code: 'DOORMAN_CSRF', reason: 'token-missing', message: 'CSRF token missing or invalid.' })
      const text = await c.post('/submit', {})
      assert.match(text.headers.get('content-type')!, /^text\/plain/)
    })

    it('garbage never gives a 500', async () => {
      const [c, t] = await withToken()
      const tokens = ['%%%', 'a'.repeat(100_000), t.slice(0, -1), t + 'A', t.replace(/./, (x) => (x === 'A' ? 'B' : 'A')), '\u0000', '=' + t, 'A'.repeat(t.length)]
      for (const bad of tokens) {
        const res = await c.post('/submit', { csrf_token: bad })
        assert.equal(res.status, 403, JSON.stringify(bad.slice(0, 20)))
      }
      const headers: Record<string, string>[] = [
        { 'sec-fetch-site': '\u00ff' }, { 'sec-fetch-site': 'SAME-ORIGIN, cross-site' }, { origin: 'http://[::1' }, { origin: 'javascript:alert(1)' },
        { referer: 'http://%zz' }, { origin: app.origin + ', https://evil.example' }, { 'x-csrf-token': '\u00e9'.repeat(10) },
      ]
      for (const h of headers) {
        const res = await c.send('/submit', { method: 'POST', body: `csrf_token=${t}`, headers: { 'content-type': 'application/x-www-form-urlencoded', ...h } }).catch(() => null)
        if (res) assert.ok(res.status === 403 || res.status === 200, `${JSON.stringify(h)} → ${res.status}`)
      }
      const broken = await c.send('/submit', { method: 'POST', body: '--x\r\ngarbage', headers: { 'content-type': 'multipart/form-data; boundary=x', 'sec-fetch-site': 'same-origin' } })
      assert.ok(broken.status === 403 || broken.status === 400, `broken multipart → ${broken.status}`)
      const pollution = await c.post('/submit', { ['__proto__']: t, constructor: t })
      assert.equal(await reason(pollution), 'token-missing')
    })
  })
}

// ---------------------------------------------------------------- framework specifics

describe('csrf on express without body parsers', () => {
  it('a form post is refused (403, not 500) with a message naming express.urlencoded()', async () => {
    const app = await expressApp(OPTIONS, makeManager(), false)
    try {
      const c = new Client(app)
      const t = await c.token()
      const res = await c.post('/submit', { csrf_token: t })
      assert.equal(res.status, 403)
      assert.match(await res.text(), /express\.urlencoded\(\)/)
      // The header still works without any body parser.
      assert.equal((await c.post('/submit', {}, { 'x-csrf-token': t })).status, 200)
    } finally {
      await app.close()
    }
  })
})

describe('csrf options', () => {
  it('requireToken: false keeps only the header checks', async () => {
    const app = honoApp({ requireToken: false })
    const c = new Client(app)
    await c.token()
    assert.equal((await c.post('/submit', { name: 'x' })).status, 200)
    assert.equal((await c.post('/submit', { name: 'x' }, { 'sec-fetch-site': 'cross-site' })).status, 403)
  })

  it('allowSameSite accepts Sec-Fetch-Site: same-site', async () => {
    const app = honoApp({ allowSameSite: true })
    const c = new Client(app)
    const t = await c.token()
    assert.equal((await c.post('/submit', { csrf_token: t }, { 'sec-fetch-site': 'same-site' })).status, 200)
  })

  it('requireOriginHeader: false lets a cookie request with no provenance header rely on the token', async () => {
    const app = honoApp({ requireOriginHeader: false })
    const c = new Client(app)
    const t = await c.token()
    const h = { 'content-type': 'application/x-www-form-urlencoded' }
    assert.equal((await c.send('/submit', { method: 'POST', body: `csrf_token=${t}`, headers: h })).status, 200)
    assert.equal((await c.send('/submit', { method: 'POST', body: 'csrf_token=x', headers: h })).status, 403)
  })

  it('skipCookieless: false checks cookieless requests too', async () => {
    const app = honoApp({ skipCookieless: false })
    const res = await app.request('/api/json', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', authorization: 'Bearer x' } })
    assert.equal(await reason(res), 'origin-missing')
  })

  it('custom field and header names, and onFailure', async () => {
    const app = honoApp({ tokenField: '_csrf', headerName: 'X-Token', onFailure: (e) => new Response(`nope ${e.reason}`, { status: 403 }) })
    const c = new Client(app)
    const t = await c.token()
    assert.equal((await c.post('/submit', { _csrf: t })).status, 200)
    assert.equal((await c.post('/submit', {}, { 'x-token': t })).status, 200)
    const res = await c.post('/submit', { csrf_token: t })
    assert.equal(await res.text(), 'nope token-missing')
  })

  it('bad options fail at construction with a ConfigError naming them', () => {
    for (const bad of [{ trustedOrigins: ['https://ok.example/'] }, { trustedOrigins: ['null'] }, { trustedOrigins: ['*'] }, { trustedOrigins: ['HTTPS://OK.EXAMPLE'] },
      { tokenField: 'a b' }, { headerName: '' }, { requireToken: 'no' }, { onFailure: 1 }] as CsrfOptions[]) {
      assert.throws(() => resolveCsrfOptions(bad), (e: unknown) => e instanceof ConfigError && e.option.startsWith('csrf.'), JSON.stringify(bad))
    }
    assert.throws(() => honoAdapter.csrf({ trustedOrigins: ['evil'] }), ConfigError)
  })

  it('a csrf middleware mounted without doorman is a configuration error, not a silent pass', async () => {
    const app = new Hono()
    app.use(honoAdapter.csrf())
    app.post('/x', (c) => c.text('reached'))
    const res = await app.request('http://localhost/x', { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } })
    assert.equal(res.status, 500)
    assert.notEqual(await res.text(), 'reached')
  })
})

// ---------------------------------------------------------------- the core functions

function authFor(manager: LoginManager<User>, url: string, headers: Record<string, string> = {}, method = 'POST'): RequestAuth<User> {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  return new RequestAuth(manager, { method, url, header: (n) => h[n] ?? null, remoteAddress: '127.0.0.1' })
}

describe('csrf core', () => {
  it('tokens are masked per call (BREACH) and all verify; a tampered one does not', async () => {
    const manager = makeManager()
    const auth = authFor(manager, 'http://localhost/')
    const a = await csrfToken(auth)
    const b = await csrfToken(auth)
    assert.notEqual(a, b)
    assert.match(a, /^[A-Za-z0-9_-]+$/)
    await verifyCsrf(auth, a)
    await verifyCsrf(auth, b)
    const flipped = a.slice(0, 60) + (a[60] === 'A' ? 'B' : 'A') + a.slice(61)
    await assert.rejects(verifyCsrf(auth, flipped), (e: unknown) => e instanceof CsrfError && e.status === 403)
    await assert.rejects(verifyCsrf(auth, [a]), (e: unknown) => e instanceof CsrfError && e.reason === 'token-malformed')
    await assert.rejects(verifyCsrf(auth, { a }), (e: unknown) => e instanceof CsrfError && e.reason === 'token-malformed')
    await assert.rejects(verifyCsrf(auth, undefined), (e: unknown) => e instanceof CsrfError && e.reason === 'token-missing')
  })

  it('verifying creates no secret, and a session without one refuses every token', async () => {
    const manager = makeManager()
    const auth = authFor(manager, 'http://localhost/')
    const other = await csrfToken(authFor(manager, 'http://localhost/'))
    await assert.rejects(verifyCsrf(auth, other), (e: unknown) => e instanceof CsrfError && e.reason === 'token-mismatch')
    assert.equal((await auth.session()).changed, false)
  })

  it('a token survives secret rotation while the old secret is in the ring', async () => {
    const OLD = SECRET
    const NEW = 'csrf-rotated-secret-Pk4Xr9Lm2Qw7Ty1Vb6Nc3Jh8Dz5'
    const m1 = makeManager({ secret: OLD })
    const a1 = authFor(m1, 'http://localhost/')
    const token = await csrfToken(a1)
    const cookie = (await a1.commit()).map((l) => l.split(';')[0]).join('; ')
    const m2 = makeManager({ secret: [NEW, OLD] })
    await verifyCsrf(authFor(m2, 'http://localhost/', { cookie }), token)
    const m3 = makeManager({ secret: NEW })
    await assert.rejects(verifyCsrf(authFor(m3, 'http://localhost/', { cookie }), token), CsrfError)
  })

  it('checkRequestOrigin compares the scheme the client used (trustProxy) and the host', () => {
    const plain = makeManager()
    const proxied = makeManager({ trustProxy: true })
    const ok = (m: LoginManager<User>, url: string, h: Record<string, string>) => checkRequestOrigin(authFor(m, url, h))
    ok(plain, 'http://app.example/x', { origin: 'http://app.example' })
    assert.throws(() => ok(plain, 'http://app.example/x', { origin: 'https://app.example' }), CsrfError)
    ok(proxied, 'http://app.example/x', { origin: 'https://app.example', 'x-forwarded-proto': 'https' })
    assert.throws(() => ok(plain, 'http://app.example/x', { origin: 'http://app.example:8080' }), CsrfError)
    assert.throws(() => ok(plain, 'http://app.example/x', { origin: 'http://evil.app.example' }), CsrfError)
    ok(plain, 'http://app.example/x', { 'sec-fetch-site': 'none' })
    ok(plain, 'http://app.example/x', { 'sec-fetch-site': 'Same-Origin' })
    assert.throws(() => ok(plain, 'http://app.example/x', { 'sec-fetch-site': 'bogus' }), (e: unknown) => e instanceof CsrfError && e.reason === 'cross-site')
    checkRequestOrigin(authFor(plain, 'http://app.example/x', { origin: 'https://evil.example' }, 'GET'))
    checkRequestOrigin(authFor(plain, 'http://app.example/x', { origin: 'https://evil.example' }, 'TRACE'))
  })
})
