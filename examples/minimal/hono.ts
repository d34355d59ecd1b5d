/**
 * @module examples/minimal/hono: the minimal doorman app on Hono.
 *
 * `PORT=4001 npm run example:hono`, with `SESSION_STORE=cookie|memory|sqlite|redis|postgres` (and
 * `SQLITE_PATH`, `REDIS_URL`, `DATABASE_URL`: see store.ts). Besides logging in and out and the
 * guarded pages, it has the device list (`GET /sessions`, `POST /sessions/<id>/revoke`,
 * `POST /logout-everywhere`) and `POST /password`: users.ts lists every route and its answers.
 * No CSRF token on the POST forms here: the session and remember cookies are SameSite=Lax, so
 * browsers do not send them on cross-site POSTs; the full example app adds `doorman-login/csrf` tokens.
 */
import { serve } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { createLoginManager, requireUser } from 'doorman-login'
import { doorman, freshLoginRequired, loginRequired } from 'doorman-login/hono'
import { closeOnExit } from './store.ts'
import { FORM_LIMIT, INVALID_CREDENTIALS, NEEDS_STORE, NO_SUCH_SESSION, isMain, loginPage, newPasswordProblem, optionsFromEnv, portFromEnv, reauthPage, wantsRemember, type User } from './users.ts'

// The signed-in user behind a guard. A real app declares `declare module 'doorman-login' {
// interface Register { user: User } }` once and writes `c.get('user')` (non-null behind a guard)
// with no cast; these examples share one type check with the rest of the repository, where no
// user type can be registered.
const userOf = (c: Context) => requireUser(c.get('auth')) as User

/** Build the app (tests call this; `npm run example:hono` also listens). */
export async function createApp(env: Record<string, string | undefined> = process.env) {
  const { options, users, close } = await optionsFromEnv(env)
  const manager = createLoginManager(options)
  const app = new Hono()
  // Forms here are a few hundred bytes: a longer body is refused (413) before it is read.
  app.use(bodyLimit({ maxSize: FORM_LIMIT, onError: (c) => c.text('Request too large.', 413) }))
  app.use(doorman(manager))
  const here = (c: Context) => { const u = new URL(c.req.url); return u.pathname + u.search }
  // A form post's fields; a malformed body is the client's mistake (400), another type a 415.
  const formOf = async (c: Context) => {
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(c.req.header('content-type') ?? '')) {
      throw new HTTPException(415, { message: 'Send the form as application/x-www-form-urlencoded or multipart/form-data.' })
    }
    try {
      return await c.req.parseBody()
    } catch (e) {
      throw new HTTPException(400, { message: 'The form could not be read.', cause: e })
    }
  }

  app.get('/', async (c) => {
    const user = (await c.get('auth').getUser()) as User | null
    return c.text(`Hello, ${user ? user.username : 'anonymous'}`)
  })
  app.get('/login', (c) => c.html(loginPage(here(c))))
  app.post('/login', async (c) => {
    const auth = c.get('auth')
    const form = await formOf(c)
    const user = await users.authenticate(form.username, form.password)
    if (!user) {
      await auth.flash(INVALID_CREDENTIALS, 'error')
      return c.html(loginPage(here(c)), 401)
    }
    if (!(await auth.loginUser(user, { remember: wantsRemember(form.remember) }))) return c.text('This account is disabled.', 403)
    return c.redirect(await auth.nextUrl('/'), 303)
  })
  app.post('/logout', async (c) => {
    await c.get('auth').logoutUser()
    return c.redirect('/', 303)
  })
  app.get('/private', loginRequired(), (c) => c.text(`Private page for ${userOf(c).username}`))
  app.get('/fresh', freshLoginRequired(), (c) => c.text(`Fresh page for ${userOf(c).username}`))
  app.get('/reauth', loginRequired(), (c) => c.html(reauthPage(here(c), userOf(c).username)))
  app.post('/reauth', loginRequired(), async (c) => {
    const auth = c.get('auth')
    if (!(await users.checkPassword(userOf(c), (await formOf(c)).password))) {
      await auth.flash('Invalid password.', 'error')
      return c.html(reauthPage(here(c), userOf(c).username), 401)
    }
    await auth.confirmLogin()
    return c.redirect(await auth.nextUrl('/'), 303)
  })
  app.get('/api/me', loginRequired(), (c) => c.json({ id: userOf(c).id, username: userOf(c).username }))
  app.get('/flashes', async (c) => c.json(await c.get('auth').getFlashedMessages({ withCategories: true })))

  // The device list: sealed cookie sessions cannot be listed or ended one by one (501).
  app.get('/sessions', loginRequired(), async (c) => (options.store ? c.json(await c.get('auth').listSessions()) : c.json(NEEDS_STORE, 501)))
  // Ending sessions asks for a fresh login first (ASVS 7.5.2): a remembered login goes to /reauth.
  app.post('/sessions/:id/revoke', freshLoginRequired(), async (c) => {
    if (!options.store) return c.json(NEEDS_STORE, 501)
    if (!(await c.get('auth').revokeSession(c.req.param('id')))) return c.json(NO_SUCH_SESSION, 404)
    return c.redirect('/sessions', 303)
  })
  app.post('/logout-everywhere', freshLoginRequired(), async (c) => {
    if (!options.store) return c.json(NEEDS_STORE, 501)
    await c.get('auth').logoutEverywhere()
    return c.redirect('/', 303)
  })
  // A new password changes the auth epoch: the user's other sessions and remember tokens end.
  app.post('/password', freshLoginRequired(), async (c) => {
    const { password } = await formOf(c)
    const problem = newPasswordProblem(password)
    if (problem) return c.json({ error: problem }, 400)
    await c.get('auth').credentialsChanged(await users.setPassword(userOf(c), password as string))
    return c.redirect('/', 303)
  })
  return { app, manager, close }
}

if (isMain(import.meta.url)) {
  const { app, close } = await createApp()
  closeOnExit(close)
  serve({ fetch: app.fetch, port: portFromEnv(), hostname: '127.0.0.1' }, (info) => {
    console.log(`listening on http://127.0.0.1:${info.port}`)
  })
}
