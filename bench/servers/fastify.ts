/**
 * Fastify benchmark server. Variants:
 * - `bare`: `/bare` only; `bare-mw`: the same with no-op onRequest and onSend hooks;
 * - probes for bench/icount.ts (bench/PROFILE.md, round 3): `bare-onrequest` / `bare-onsend` (one
 *   no-op hook), `bare-decorated` / `bare-routes` (an onSend hook plus doorman's request
 *   decorators, or plus its other routes);
 * - `doorman-login`: `/private` behind `loginRequired`, `/public` (never asks for the user), `POST /login`;
 * - `hmac`: the hand-written HMAC-SHA256 cookie check;
 * - `secure-session`: @fastify/secure-session (sealed cookie, libsodium);
 * - `session`: @fastify/session with @fastify/cookie and its default in-memory store.
 */
import Fastify from 'fastify'
import { announce, FIXED_USER, HMAC_COOKIE, hmacIssue, hmacUser, loadUser, makeStore, SECRET, BACKEND, VARIANT, DOORMAN_OPTIONS } from './shared.ts'

const app = Fastify({ logger: false })

// Both Fastify session peers expose `request.session.get`: the same /private for each.
async function sessionPrivate(req: any, reply: any) {
  const id = req.session.get('uid')
  const user = typeof id === 'string' ? await loadUser(id) : null
  if (!user) return reply.code(401).send('Unauthorized')
  return `Hi ${user.name}`
}

if (VARIANT === 'bare') {
  app.get('/bare', async () => 'ok')
} else if (VARIANT === 'bare-mw') {
  // What any auth plugin pays in Fastify: an onRequest and an onSend hook that do nothing.
  app.addHook('onRequest', (req, reply, done) => done())
  app.addHook('onSend', (req, reply, payload, done) => done(null, payload))
  app.get('/bare', async () => 'ok')
} else if (VARIANT === 'bare-mw-prehandler') {
  // bare-mw plus a no-op route preHandler: what a guard in front of a route costs before it does anything.
  app.addHook('onRequest', (req, reply, done) => done())
  app.addHook('onSend', (req, reply, payload, done) => done(null, payload))
  app.get('/bare', { preHandler: (req, reply, done) => done() }, async () => 'ok')
} else if (VARIANT === 'bare-onrequest' || VARIANT === 'bare-onsend') {
  // One of the two no-op hooks alone, to split what each costs (bench/PROFILE.md, round 3).
  if (VARIANT === 'bare-onrequest') app.addHook('onRequest', (req, reply, done) => done())
  else app.addHook('onSend', (req, reply, payload, done) => done(null, payload))
  app.get('/bare', async () => 'ok')
} else if (VARIANT === 'bare-decorated' || VARIANT === 'bare-routes') {
  // Round 3 probes: an onSend hook plus doorman's request decorators, or plus its other routes.
  app.addHook('onSend', (req, reply, payload, done) => done(null, payload))
  if (VARIANT === 'bare-decorated') {
    for (const k of [Symbol('a'), Symbol('b'), 'user']) app.decorateRequest(k as any, null)
    app.decorateRequest('auth', { getter: () => 1 } as any)
  } else {
    app.get('/private', async () => 'x')
    app.post('/login', async () => 'ok')
  }
  app.get('/bare', async () => 'ok')
} else if (VARIANT === 'doorman') {
  const { createLoginManager } = await import('../../src/index.ts')
  const { doorman, loginRequired } = await import('../../src/adapters/fastify.ts')
  const store = await makeStore(BACKEND)
  const manager = createLoginManager({ secret: SECRET, userLoader: loadUser, ...DOORMAN_OPTIONS, ...(store ? { store } : {}) })
  await app.register(doorman, { manager })
  app.get('/private', { preHandler: loginRequired() }, async (req) => `Hi ${(req.user as any).name}`)
  app.get('/public', async () => 'public')
  app.post('/login', async (req) => {
    await req.auth.loginUser(FIXED_USER as any)
    return 'ok'
  })
} else if (VARIANT === 'hmac') {
  app.get('/private', async (req, reply) => {
    const user = await hmacUser(req.headers.cookie)
    if (!user) return reply.code(401).send('Unauthorized')
    return `Hi ${user.name}`
  })
  app.post('/login', async (req, reply) => {
    reply.header('set-cookie', `${HMAC_COOKIE}=${hmacIssue(FIXED_USER.id)}; Path=/; HttpOnly; SameSite=Lax`)
    return 'ok'
  })
} else if (VARIANT === 'secure-session') {
  const { default: secureSession } = await import('@fastify/secure-session')
  await app.register(secureSession as any, {
    key: Buffer.alloc(32, 7),
    cookieName: 'ss',
    cookie: { path: '/', httpOnly: true, sameSite: 'lax' },
  })
  app.get('/private', sessionPrivate)
  app.post('/login', async (req: any) => {
    req.session.set('uid', FIXED_USER.id)
    return 'ok'
  })
} else if (VARIANT === 'session') {
  const { default: cookie } = await import('@fastify/cookie')
  const { default: session } = await import('@fastify/session')
  await app.register(cookie as any)
  await app.register(session as any, { secret: SECRET, cookieName: 'fsid', cookie: { secure: false, httpOnly: true, sameSite: 'lax' } })
  app.get('/private', sessionPrivate)
  app.post('/login', async (req: any) => {
    await req.session.regenerate()
    req.session.set('uid', FIXED_USER.id)
    return 'ok'
  })
} else {
  throw new Error(`fastify: unknown VARIANT ${VARIANT}`)
}

await app.listen({ port: 0, host: '127.0.0.1' })
announce((app.server.address() as any).port)
