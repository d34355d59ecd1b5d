/**
 * @module examples/minimal/fastify: the minimal doorman app on Fastify.
 *
 * `PORT=4001 npm run example:fastify`, with `SESSION_STORE=cookie|memory|sqlite|redis|postgres` (and
 * `SQLITE_PATH`, `REDIS_URL`, `DATABASE_URL`: see store.ts). Besides logging in and out and the
 * guarded pages, it has the device list (`GET /sessions`, `POST /sessions/<id>/revoke`,
 * `POST /logout-everywhere`) and `POST /password`: users.ts lists every route and its answers.
 * No CSRF token on the POST forms here: the session and remember cookies are SameSite=Lax, so
 * browsers do not send them on cross-site POSTs; the full example app adds `doorman-login/csrf` tokens.
 */
import Fastify, { type FastifyRequest } from 'fastify'
import { createLoginManager } from 'doorman-login'
import { doorman, freshLoginRequired, loginRequired, requireUser } from 'doorman-login/fastify'
import { closeOnExit } from './store.ts'
import { FORM_LIMIT, INVALID_CREDENTIALS, NEEDS_STORE, NO_SUCH_SESSION, isMain, loginPage, newPasswordProblem, optionsFromEnv, portFromEnv, reauthPage, wantsRemember, type User } from './users.ts'

// The signed-in user behind a guard. A real app declares `declare module 'doorman-login' {
// interface Register { user: User } }` once and writes `requireUser(req)` with no cast; these
// examples share one type check with the rest of the repository, where no user type can be registered.
const userOf = (req: FastifyRequest) => requireUser(req) as User
const form = (req: FastifyRequest) => (req.body ?? {}) as Record<string, string | undefined>

/** Build the app (tests call this; `npm run example:fastify` also listens). */
export async function createApp(env: Record<string, string | undefined> = process.env) {
  const { options, users, close } = await optionsFromEnv(env)
  const manager = createLoginManager(options)
  // Forms here are a few hundred bytes: a longer body is a 413 (Fastify's default allows 1 MiB).
  const app = Fastify({ bodyLimit: FORM_LIMIT })
  // HTML form posts, without @fastify/formbody: one value per field, the first one wins.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const out: Record<string, string> = Object.create(null)
    for (const [k, v] of new URLSearchParams(body as string)) if (!(k in out)) out[k] = v
    done(null, out)
  })
  await app.register(doorman, { manager })

  app.get('/', async (req, reply) => {
    const user = (await req.auth.getUser()) as User | null
    return reply.type('text/plain').send(`Hello, ${user ? user.username : 'anonymous'}`)
  })
  app.get('/login', (req, reply) => reply.type('text/html').send(loginPage(req.url)))
  app.post('/login', async (req, reply) => {
    const user = await users.authenticate(form(req).username, form(req).password)
    if (!user) {
      await req.auth.flash(INVALID_CREDENTIALS, 'error')
      return reply.code(401).type('text/html').send(loginPage(req.url))
    }
    if (!(await req.auth.loginUser(user, { remember: wantsRemember(form(req).remember) }))) return reply.code(403).type('text/plain').send('This account is disabled.')
    return reply.redirect(await req.auth.nextUrl('/'), 303)
  })
  app.post('/logout', async (req, reply) => {
    await req.auth.logoutUser()
    return reply.redirect('/', 303)
  })
  app.get('/private', { preHandler: loginRequired() }, async (req) => `Private page for ${userOf(req).username}`)
  app.get('/fresh', { preHandler: freshLoginRequired() }, async (req) => `Fresh page for ${userOf(req).username}`)
  app.get('/reauth', { preHandler: loginRequired() }, (req, reply) => reply.type('text/html').send(reauthPage(req.url, userOf(req).username)))
  app.post('/reauth', { preHandler: loginRequired() }, async (req, reply) => {
    if (!(await users.checkPassword(userOf(req), form(req).password))) {
      await req.auth.flash('Invalid password.', 'error')
      return reply.code(401).type('text/html').send(reauthPage(req.url, userOf(req).username))
    }
    await req.auth.confirmLogin()
    return reply.redirect(await req.auth.nextUrl('/'), 303)
  })
  app.get('/api/me', { preHandler: loginRequired() }, async (req) => ({ id: userOf(req).id, username: userOf(req).username }))
  app.get('/flashes', async (req) => req.auth.getFlashedMessages({ withCategories: true }))

  // The device list: sealed cookie sessions cannot be listed or ended one by one (501).
  app.get('/sessions', { preHandler: loginRequired() }, async (req, reply) => (options.store ? req.auth.listSessions() : reply.code(501).send(NEEDS_STORE)))
  // Ending sessions asks for a fresh login first (ASVS 7.5.2): a remembered login goes to /reauth.
  app.post<{ Params: { id: string } }>('/sessions/:id/revoke', { preHandler: freshLoginRequired() }, async (req, reply) => {
    if (!options.store) return reply.code(501).send(NEEDS_STORE)
    if (!(await req.auth.revokeSession(req.params.id))) return reply.code(404).send(NO_SUCH_SESSION)
    return reply.redirect('/sessions', 303)
  })
  app.post('/logout-everywhere', { preHandler: freshLoginRequired() }, async (req, reply) => {
    if (!options.store) return reply.code(501).send(NEEDS_STORE)
    await req.auth.logoutEverywhere()
    return reply.redirect('/', 303)
  })
  // A new password changes the auth epoch: the user's other sessions and remember tokens end.
  app.post('/password', { preHandler: freshLoginRequired() }, async (req, reply) => {
    const problem = newPasswordProblem(form(req).password)
    if (problem) return reply.code(400).send({ error: problem })
    await req.auth.credentialsChanged(await users.setPassword(userOf(req), form(req).password!))
    return reply.redirect('/', 303)
  })
  return { app, manager, close }
}

if (isMain(import.meta.url)) {
  const { app, close } = await createApp()
  closeOnExit(close)
  await app.listen({ port: portFromEnv(), host: '127.0.0.1' })
  const address = app.server.address()
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : ''}`)
}
