/**
 * @module examples/minimal/express: the minimal doorman app on Express.
 *
 * `PORT=4001 npm run example:express`, with `SESSION_STORE=cookie|memory|sqlite|redis|postgres` (and
 * `SQLITE_PATH`, `REDIS_URL`, `DATABASE_URL`: see store.ts). Besides logging in and out and the
 * guarded pages, it has the device list (`GET /sessions`, `POST /sessions/<id>/revoke`,
 * `POST /logout-everywhere`) and `POST /password`: users.ts lists every route and its answers.
 * No CSRF token on the POST forms here: the session and remember cookies are SameSite=Lax, so
 * browsers do not send them on cross-site POSTs; the full example app adds `doorman-login/csrf` tokens.
 */
import express, { type Request } from 'express'
import { createLoginManager } from 'doorman-login'
import { authErrorHandler, doorman, freshLoginRequired, loginRequired, requireUser } from 'doorman-login/express'
import { closeOnExit } from './store.ts'
import { FORM_LIMIT, INVALID_CREDENTIALS, NEEDS_STORE, NO_SUCH_SESSION, isMain, loginPage, newPasswordProblem, optionsFromEnv, portFromEnv, reauthPage, wantsRemember, type User } from './users.ts'

// The signed-in user behind a guard. A real app declares `declare module 'doorman-login' {
// interface Register { user: User } }` once and writes `requireUser(req)` (or wraps the handler:
// `loginRequired((req, res) => …req.user…)`) with no cast; these examples share one type check
// with the rest of the repository, where no user type can be registered.
const userOf = (req: Request) => requireUser(req) as User

/** Build the app (tests call this; `npm run example:express` also listens). */
export async function createApp(env: Record<string, string | undefined> = process.env) {
  const { options, users, close } = await optionsFromEnv(env)
  const manager = createLoginManager(options)
  const app = express()
  app.use(express.urlencoded({ extended: false, limit: FORM_LIMIT }))
  // The forms here are urlencoded; a POST body of another type is refused rather than read as empty.
  app.use((req, res, next) => (req.method === 'POST' && req.is('application/x-www-form-urlencoded') === false ? res.status(415).type('text').send('Send the form as application/x-www-form-urlencoded.') : next()))
  app.use(doorman(manager))

  app.get('/', async (req, res) => {
    const user = (await req.auth.getUser()) as User | null
    res.type('text').send(`Hello, ${user ? user.username : 'anonymous'}`)
  })
  app.get('/login', (req, res) => res.type('html').send(loginPage(req.originalUrl)))
  app.post('/login', async (req, res) => {
    const user = await users.authenticate(req.body?.username, req.body?.password)
    if (!user) {
      await req.auth.flash(INVALID_CREDENTIALS, 'error')
      return res.status(401).type('html').send(loginPage(req.originalUrl))
    }
    if (!(await req.auth.loginUser(user, { remember: wantsRemember(req.body.remember) }))) return res.status(403).type('text').send('This account is disabled.')
    res.redirect(303, await req.auth.nextUrl('/'))
  })
  app.post('/logout', async (req, res) => {
    await req.auth.logoutUser()
    res.redirect(303, '/')
  })
  app.get('/private', loginRequired(), (req, res) => res.type('text').send(`Private page for ${userOf(req).username}`))
  app.get('/fresh', freshLoginRequired(), (req, res) => res.type('text').send(`Fresh page for ${userOf(req).username}`))
  app.get('/reauth', loginRequired(), (req, res) => res.type('html').send(reauthPage(req.originalUrl, userOf(req).username)))
  app.post('/reauth', loginRequired(), async (req, res) => {
    if (!(await users.checkPassword(userOf(req), req.body?.password))) {
      await req.auth.flash('Invalid password.', 'error')
      return res.status(401).type('html').send(reauthPage(req.originalUrl, userOf(req).username))
    }
    await req.auth.confirmLogin()
    res.redirect(303, await req.auth.nextUrl('/'))
  })
  app.get('/api/me', loginRequired(), (req, res) => res.json({ id: userOf(req).id, username: userOf(req).username }))
  app.get('/flashes', async (req, res) => res.json(await req.auth.getFlashedMessages({ withCategories: true })))

  // The device list: sealed cookie sessions cannot be listed or ended one by one (501).
  app.get('/sessions', loginRequired(), async (req, res) => (options.store ? res.json(await req.auth.listSessions()) : res.status(501).json(NEEDS_STORE)))
  // Ending sessions asks for a fresh login first (ASVS 7.5.2): a remembered login goes to /reauth.
  app.post('/sessions/:id/revoke', freshLoginRequired(), async (req, res) => {
    if (!options.store) return res.status(501).json(NEEDS_STORE)
    if (!(await req.auth.revokeSession(req.params.id as string))) return res.status(404).json(NO_SUCH_SESSION)
    res.redirect(303, '/sessions')
  })
  app.post('/logout-everywhere', freshLoginRequired(), async (req, res) => {
    if (!options.store) return res.status(501).json(NEEDS_STORE)
    await req.auth.logoutEverywhere()
    res.redirect(303, '/')
  })
  // A new password changes the auth epoch: the user's other sessions and remember tokens end.
  app.post('/password', freshLoginRequired(), async (req, res) => {
    const problem = newPasswordProblem(req.body?.password)
    if (problem) return res.status(400).json({ error: problem })
    await req.auth.credentialsChanged(await users.setPassword(userOf(req), req.body.password))
    res.redirect(303, '/')
  })
  // Last: a store outage becomes a 503 instead of Express's default 500 page.
  app.use(authErrorHandler())
  // A body the parser refused (over the limit: 413; malformed: 400): the client's mistake, answered
  // plainly rather than with Express's default page and a logged stack.
  app.use((err: { status?: number; expose?: boolean }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!err?.expose || !err.status || err.status < 400 || err.status >= 500 || res.headersSent) return next(err)
    res.status(err.status).type('text').send(err.status === 413 ? 'Request too large.' : 'Bad request.')
  })
  return { app, manager, close }
}

if (isMain(import.meta.url)) {
  const { app, close } = await createApp()
  closeOnExit(close)
  const server = app.listen(portFromEnv(), '127.0.0.1', () => {
    const address = server.address()
    console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : ''}`)
  })
}
