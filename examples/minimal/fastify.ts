/**
 * @module examples/minimal/fastify: the minimal doorman app on Fastify.
 *
 * `PORT=4001 npm run example:fastify`. No CSRF token on the POST forms here: the session and
 * remember cookies are SameSite=Lax, so browsers do not send them on cross-site POSTs; the full
 * example app adds `doorman/csrf` tokens on top.
 */
import Fastify, { type FastifyRequest } from 'fastify'
import { createLoginManager } from 'doorman'
import { doorman, freshLoginRequired, loginRequired } from 'doorman/fastify'
import { INVALID_CREDENTIALS, Users, isMain, loginPage, optionsFromEnv, portFromEnv, reauthPage, wantsRemember, type User } from './users.ts'

// A real app declares `declare module 'doorman' { interface Register { user: User } }` once and
// drops this cast; these examples share one type check with the rest of the repository.
const userOf = (req: FastifyRequest) => req.user as User | null
const form = (req: FastifyRequest) => (req.body ?? {}) as Record<string, string | undefined>

/** Build the app (tests call this; `npm run example:fastify` also listens). */
export async function createApp(env: Record<string, string | undefined> = process.env) {
  const users = await Users.load()
  const manager = createLoginManager(await optionsFromEnv(users, env))
  const app = Fastify()
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
  app.get('/private', { preHandler: loginRequired() }, async (req) => `Private page for ${userOf(req)!.username}`)
  app.get('/fresh', { preHandler: freshLoginRequired() }, async (req) => `Fresh page for ${userOf(req)!.username}`)
  app.get('/reauth', { preHandler: loginRequired() }, (req, reply) => reply.type('text/html').send(reauthPage(req.url, userOf(req)!.username)))
  app.post('/reauth', { preHandler: loginRequired() }, async (req, reply) => {
    if (!(await users.checkPassword(userOf(req)!, form(req).password))) {
      await req.auth.flash('Invalid password.', 'error')
      return reply.code(401).type('text/html').send(reauthPage(req.url, userOf(req)!.username))
    }
    await req.auth.confirmLogin()
    return reply.redirect(await req.auth.nextUrl('/'), 303)
  })
  app.get('/api/me', { preHandler: loginRequired() }, async (req) => ({ id: userOf(req)!.id, username: userOf(req)!.username }))
  app.get('/flashes', async (req) => req.auth.getFlashedMessages({ withCategories: true }))
  return { app, manager }
}

if (isMain(import.meta.url)) {
  const { app } = await createApp()
  await app.listen({ port: portFromEnv(), host: '127.0.0.1' })
  const address = app.server.address()
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : ''}`)
}
