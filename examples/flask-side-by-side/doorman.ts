/**
 * @module examples/flask-side-by-side/doorman: the doorman half, a Hono app that shares Flask's
 * logged-in users.
 *
 * While Flask runs (`mode: 'beside-flask'`), doorman reads and writes Flask's own session cookie
 * and Flask-Login's remember cookie, with Flask's SECRET_KEY: a user signed in on either side is
 * signed in on both. Routes served here (the proxy sends every path Flask does not own):
 *
 * | Route                | Guard        | Answer                                            |
 * | -------------------- | ------------ | ------------------------------------------------- |
 * | `GET /`              |              | home page: who is signed in, flashes from either side |
 * | `GET /dashboard`     | login        | the first page moved from Flask                   |
 * | `GET /settings`      | fresh login  | a page that needs a fresh login                   |
 * | `GET`, `POST /signin`|              | doorman's sign-in form (Werkzeug hashes verified) |
 * | `POST /signout`      |              | sign out here; Flask sees it too                  |
 * | `GET /api/me`        | login        | JSON `{ id, username, fresh, theme, servedBy }` (`theme` from the shared session) |
 *
 * After the switch-off (`mode: 'flask-off'`), doorman keeps its sessions in its own sealed
 * cookies under other names, serves `/login`, `/logout` and `/account` itself, and turns each
 * Flask cookie it still meets into a sealed session without logging anyone out
 * (adopt-flask-login.ts).
 */
import { Hono, type Context } from 'hono'
import { html, raw } from 'hono/html'
import { createLoginManager, requireUser, type LoginManagerOptions } from 'doorman-login'
import { doorman, freshLoginRequired, loginRequired } from 'doorman-login/hono'
import { adoptFlaskLogin } from './adopt-flask-login.ts'
import { SharedUsers, type User } from './users.ts'

/** How the doorman app is set up. */
export interface DoormanAppOptions {
  /** doorman's own secret (≥ 32 characters). */
  secret: string
  /** The Flask app's SECRET_KEY. */
  flaskSecretKey: string
  /** The SQLite file holding the shared user table. */
  usersDb: string
  /** `'beside-flask'` while Flask runs; `'flask-off'` once it is switched off. */
  mode: 'beside-flask' | 'flask-off'
  /** With `'flask-off'`: until when Flask cookies are still adopted. @default 30 days from start */
  adoptUntil?: Date
  /** Cookies only over HTTPS (set in production, behind TLS). @default false */
  secure?: boolean
}

// The signed-in user behind a guard. A real app registers its user once (`declare module
// 'doorman-login' { interface Register { user: User } }`) and writes `c.get('user')`, non-null
// behind a guard, with no cast; this example shares one type check with the rest of the repository.
const userOf = (c: Context) => requireUser(c.get('auth')) as User

/** Build the doorman app. */
export function createDoormanApp(o: DoormanAppOptions) {
  const users = new SharedUsers(o.usersDb)
  const common: LoginManagerOptions<User> = {
    secret: o.secret,
    userLoader: (id) => users.byId(id),
    sessionProtection: 'basic',
    // One proxy in front (proxy.ts, or nginx/Caddy): the client address for the device list and
    // logs. Flask-Login 0.6's `_id` reads X-Forwarded-For itself, and doorman computes it the same way.
    trustProxy: 1,
  }
  // Flask's cookies, read and written as Flask and Flask-Login do. Their names, SameSite and
  // Secure flag must match app.config in flask_app.py (see the guide's table).
  const flaskCookies: LoginManagerOptions<User> = {
    ...common,
    session: { format: 'flask', flaskSecretKey: o.flaskSecretKey, name: 'session', secure: o.secure ?? false },
    remember: { format: 'flask-login', flaskSecretKey: o.flaskSecretKey, name: 'remember_token', secure: o.secure ?? false },
  }
  const beside = o.mode === 'beside-flask'
  const manager = createLoginManager<User>(
    beside
      ? { ...flaskCookies, loginView: '/login', refreshView: '/login' }
      : {
          ...common,
          // doorman's own sealed cookies, under names Flask never used, so that both can be told apart.
          session: { name: 'doorman_session', secure: o.secure ?? false },
          remember: { name: 'doorman_remember', secure: o.secure ?? false },
          loginView: '/login',
          refreshView: '/login',
        },
  )
  const app = new Hono()
  app.use(doorman(manager))
  if (!beside) {
    const legacy = createLoginManager<User>(flaskCookies)
    app.use(adoptFlaskLogin(legacy, { until: o.adoptUntil ?? new Date(Date.now() + 30 * 86400_000), secure: o.secure ?? false }))
  }

  const page = async (c: Context, title: string, body: unknown, status: 200 | 401 | 403 = 200) => {
    const auth = c.get('auth')
    const user = (await auth.getUser()) as User | null
    const flashes = await auth.getFlashedMessages({ withCategories: true })
    return c.html(
      html`<!doctype html><title>${title} (doorman)</title>
<p><small>Served by <b>doorman</b>. Signed in as: ${user ? user.username : 'nobody'}.</small></p>
${flashes.map(([category, message]) => html`<p class="${category}">${message}</p>`)}
${body}`,
      status,
    )
  }
  const signinForm = (action: string) => html`<form method="post" action="${action}">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<label><input type="checkbox" name="remember"> Remember me</label>
<button>Sign in</button></form>`
  const signin = (action: string) => async (c: Context) => {
    const auth = c.get('auth')
    const form = await c.req.parseBody()
    const user = await users.authenticate(form.username, form.password)
    if (!user) {
      await auth.flash('Invalid username or password.', 'error')
      return page(c, 'Sign in', signinForm(action), 401)
    }
    if (!(await auth.loginUser(user, { remember: form.remember === 'on' }))) return page(c, 'Sign in', 'This account is disabled.', 403)
    await auth.flash(`Welcome back, ${user.username} (signed in by doorman).`, 'success')
    return c.redirect(await auth.nextUrl('/'), 303)
  }
  const signout = async (c: Context) => {
    await c.get('auth').logoutUser()
    await c.get('auth').flash('Signed out (by doorman).', 'info')
    return c.redirect('/', 303)
  }

  app.get('/', async (c) =>
    page(
      c,
      'Home',
      html`<ul>
<li><a href="/dashboard">Dashboard</a> (doorman, login required)</li>
<li><a href="/settings">Settings</a> (doorman, fresh login required)</li>
<li><a href="/account">Account</a> (${beside ? 'Flask' : 'doorman'}, login required)</li>
<li><a href="/login">Sign in on ${beside ? 'Flask' : 'doorman'}</a> · <a href="/signin">Sign in on doorman</a></li>
</ul>
<p>Theme (set by Flask, read from the shared session): ${String((await c.get('auth').session()).get('theme') ?? 'none')}</p>
${raw(beside ? '<form method="post" action="/flask/theme?next=/"><select name="theme"><option>light</option><option>dark</option></select><button>Set theme (Flask)</button></form>' : '')}
<form method="post" action="/signout"><button>Sign out (doorman)</button></form>
${raw(beside ? '<form method="post" action="/logout"><button>Sign out (Flask)</button></form>' : '')}`,
    ),
  )
  app.get('/dashboard', loginRequired(), (c) => page(c, 'Dashboard', html`<p>Dashboard of ${userOf(c).username}, moved from Flask to doorman.</p>`))
  app.get('/settings', freshLoginRequired(), (c) => page(c, 'Settings', html`<p>Fresh login confirmed for ${userOf(c).username}.</p>`))
  app.get('/signin', (c) => page(c, 'Sign in', signinForm('/signin')))
  app.post('/signin', signin('/signin'))
  app.post('/signout', signout)
  app.get('/api/me', loginRequired(), async (c) => {
    const u = userOf(c)
    const session = await c.get('auth').session()
    return c.json({ id: u.id, username: u.username, fresh: await c.get('auth').isFresh(), theme: session.get('theme') ?? null, servedBy: 'doorman' })
  })
  if (!beside) {
    // The routes Flask served until the switch-off, now doorman's.
    app.get('/login', (c) => page(c, 'Sign in', signinForm(`/login${new URL(c.req.url).search}`)))
    app.post('/login', signin('/login'))
    app.post('/logout', signout)
    app.get('/account', loginRequired(), (c) => page(c, 'Account', html`<p>Account of ${userOf(c).username} (user id ${userOf(c).id}).</p>`))
  }
  return { app, manager, close: () => users.close() }
}
