/**
 * Hono (on @hono/node-server) benchmark server. Variants:
 * - `bare`: `/bare` only; `bare-mw`: the same behind one no-op async middleware; `bare-mw-sync`:
 *   behind one no-op middleware that is not async (`(c, next) => next()`); `bare-mw-then`: behind
 *   `(c, next) => next().then(after)`, the shape of a middleware with work after the handler;
 *   `bare-mw-headers`: bare-mw whose route also sets the two headers doorman adds to a page for a
 *   logged-in user (`Cache-Control: private, no-store`, `Vary: Cookie`);
 * - `doorman-login`: `/private` behind `loginRequired`, `/public` (never asks for the user), `POST /login`;
 * - `hmac`: the hand-written HMAC-SHA256 cookie check;
 * - `signed-cookie`: Hono's own `getSignedCookie`/`setSignedCookie` helpers.
 */
import { Hono } from 'hono'
import { serve } from '@hono/node-server'
import { announce, FIXED_USER, HMAC_COOKIE, hmacIssue, hmacUser, loadUser, makeStore, SECRET, BACKEND, VARIANT, DOORMAN_OPTIONS } from './shared.ts'

const app = new Hono()

if (VARIANT === 'bare') {
  app.get('/bare', (c) => c.text('ok'))
} else if (VARIANT === 'bare-mw') {
  // What any auth middleware pays in Hono: one async middleware that awaits next().
  app.use(async (c, next) => {
    await next()
  })
  app.get('/bare', (c) => c.text('ok'))
} else if (VARIANT === 'bare-mw-sync') {
  // Not async, returns next()'s promise (which resolves to the Context, not undefined): measured
  // above bare-mw by instruction count, so not a cheaper floor.
  app.use((c, next) => next())
  app.get('/bare', (c) => c.text('ok'))
} else if (VARIANT === 'bare-mw-then') {
  const after = (): void => {}
  app.use((c, next) => next().then(after))
  app.get('/bare', (c) => c.text('ok'))
} else if (VARIANT === 'bare-mw-headers') {
  // Two response headers move @hono/node-server off its no-Headers fast path: compare /private with this.
  app.use(async (c, next) => {
    await next()
  })
  app.get('/bare', (c) => {
    c.header('Cache-Control', 'private, no-store')
    c.header('Vary', 'Cookie')
    return c.text('ok')
  })
} else if (VARIANT === 'doorman') {
  const { createLoginManager } = await import('../../src/index.ts')
  const { doorman, loginRequired } = await import('../../src/adapters/hono.ts')
  const store = await makeStore(BACKEND)
  const manager = createLoginManager({ secret: SECRET, userLoader: loadUser, ...DOORMAN_OPTIONS, ...(store ? { store } : {}) })
  app.use(doorman(manager))
  app.get('/private', loginRequired(), (c) => c.text(`Hi ${(c.get('user') as any).name}`))
  app.get('/public', (c) => c.text('public'))
  app.post('/login', async (c) => {
    await c.get('auth').loginUser(FIXED_USER as any)
    return c.text('ok')
  })
} else if (VARIANT === 'hmac') {
  app.get('/private', async (c) => {
    const user = await hmacUser(c.req.header('cookie'))
    return user ? c.text(`Hi ${user.name}`) : c.text('Unauthorized', 401)
  })
  app.post('/login', (c) => {
    c.header('set-cookie', `${HMAC_COOKIE}=${hmacIssue(FIXED_USER.id)}; Path=/; HttpOnly; SameSite=Lax`)
    return c.text('ok')
  })
} else if (VARIANT === 'signed-cookie') {
  const { getSignedCookie, setSignedCookie } = await import('hono/cookie')
  app.get('/private', async (c) => {
    const id = await getSignedCookie(c, SECRET, 'sc')
    const user = typeof id === 'string' ? await loadUser(id) : null
    return user ? c.text(`Hi ${user.name}`) : c.text('Unauthorized', 401)
  })
  app.post('/login', async (c) => {
    await setSignedCookie(c, 'sc', FIXED_USER.id, SECRET, { path: '/', httpOnly: true, sameSite: 'Lax' })
    return c.text('ok')
  })
} else {
  throw new Error(`hono: unknown VARIANT ${VARIANT}`)
}

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port))
void server
