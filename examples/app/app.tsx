/**
 * @module examples/app/app: the doorman example site on Hono, server-rendered with hono/jsx.
 *
 * `createApp({ dbPath, secret })` builds the whole site on one SQLite file: the app's users and
 * API tokens (db.ts), and doorman's sessions, remember-me tokens and login-throttle counters
 * (`doorman-login/stores/sqlite`, `doorman-login/throttle`). `server.ts` serves it; the browser tests start
 * it in-process on a free port.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { html } from 'hono/html'
import { HTTPException } from 'hono/http-exception'
import { secureHeaders } from 'hono/secure-headers'
import { createLoginManager, type LoginManager, type RequestAuth } from 'doorman-login'
import { csrfToken } from 'doorman-login/csrf'
import { StoreError, type CsrfError } from 'doorman-login/errors'
import { csrf, doorman } from 'doorman-login/hono'
import { hashPassword, verifyPassword } from 'doorman-login/password'
import { sqliteStore } from 'doorman-login/stores/sqlite'
import { createLoginThrottle, sqliteThrottleStore } from 'doorman-login/throttle'
import { appQueries, openDatabase, type AppDb, type User } from './db.ts'
import { accountRoutes } from './routes/account.tsx'
import { authRoutes } from './routes/auth.tsx'
import { pageContext, render, type Deps } from './routes/shared.tsx'
import { HomePage } from './views/home.tsx'
import { StatusPage } from './views/status.tsx'

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The SQLite file (created when missing); `':memory:'` works for throwaway runs. */
  dbPath: string
  /** doorman's secret (≥ 32 characters), or a list for key rotation, newest first. */
  secret: string | readonly string[]
  /** Create the demo user when the database has no users yet, and mention it on the sign-in page. */
  seedDemo?: boolean
  /** Trust `X-Forwarded-For`/`-Proto` from this many proxies (behind a reverse proxy). @default false */
  trustProxy?: boolean | number
}

/** The demo account seeded on first start. */
export const DEMO = { username: 'demo', password: 'demo-password-123' } as const

/** A built app. */
export interface ExampleApp {
  /** The Hono app: serve `app.fetch`. */
  app: Hono
  manager: LoginManager<User>
  users: AppDb
  /** The demo credentials, when the demo user exists with its original password. */
  demo: { username: string; password: string } | null
  /** Close the database. */
  close(): void
}

const STYLE = readFileSync(new URL('./static/style.css', import.meta.url))
const STYLE_ETAG = `"${createHash('sha256').update(STYLE).digest('base64url').slice(0, 16)}"`

/** Bearer token of an `Authorization` header. */
function bearer(header: string | null | undefined): string | null {
  const m = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(header ?? '')
  return m ? m[1] : null
}

/** The CSRF refusal as a page of the site (403), without consuming the flashed messages. */
async function csrfRefused(error: CsrfError, auth: RequestAuth): Promise<Response> {
  const url = new URL(auth.request.url)
  // A cross-site post arrives without the (SameSite=Lax) session cookie: minting a token here would
  // start a new session whose cookie replaces the user's, signing them out. Only a signed-in page
  // needs one (for the Log out button).
  const user = (await auth.getUser()) as User | null // see userOf() in routes/shared.tsx
  const page = { user, csrf: user ? await csrfToken(auth) : '', flashes: [], path: url.pathname, origin: url.origin }
  const crossSite = !error.reason.startsWith('token')
  const body = await html`<!doctype html>${(
    <StatusPage page={page} status={403} title="Request refused">
      <p>
        {crossSite
          ? 'This form was sent from another website, so it was not accepted. Nothing was changed.'
          : 'This form has expired or was sent twice. Nothing was changed: please go back, reload the page and try again.'}
      </p>
    </StatusPage>
  )}`
  return new Response(String(body), { status: 403, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } })
}

/** Build the example app. */
export async function createApp(options: AppOptions): Promise<ExampleApp> {
  const db = openDatabase(options.dbPath)
  const users = appQueries(db)
  // doorman's tables live in the same file, under the `doorman_` prefix.
  const store = sqliteStore({ db })
  const throttle = createLoginThrottle({ store: sqliteThrottleStore({ db }), secret: options.secret })

  const manager = createLoginManager<User>({
    secret: options.secret,
    store,
    userLoader: (id) => users.userById(id),
    // API tokens (`Authorization: Bearer dm_…`): only their SHA-256 is stored.
    requestLoader: (request) => {
      const token = bearer(request.header('authorization'))
      return token ? users.userByToken(token) : null
    },
    // Sessions and remember-me tokens are bound to the password the user chose: change it, and
    // every other device is signed out.
    authEpoch: (user) => user.passwordEpoch,
    loginView: '/login',
    refreshView: '/reauth',
    loginMessage: 'Please sign in to see that page.',
    loginMessageCategory: 'info',
    needsRefreshMessage: 'Please confirm your password to continue.',
    needsRefreshMessageCategory: 'info',
    remember: { duration: '30d' },
    trustProxy: options.trustProxy ?? false,
  })

  let demo: ExampleApp['demo'] = null
  if (options.seedDemo) {
    const existing = users.userByName(DEMO.username)
    if (!existing && db.prepare('SELECT 1 FROM users LIMIT 1').get() === undefined) {
      users.createUser(DEMO.username, await hashPassword(DEMO.password))
      demo = { ...DEMO }
    } else if (existing && (await verifyPassword(existing.passwordHash, DEMO.password))) {
      demo = { ...DEMO }
    }
  }

  const deps: Deps = { users, throttle, demo }
  const app = new Hono()

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      // Not Hono's `no-referrer`: under it, browsers send `Origin: null` even on same-origin form
      // posts, and a browser without Sec-Fetch-Site would then fail the CSRF Origin check.
      referrerPolicy: 'strict-origin-when-cross-origin',
      // Plain HTTP on 127.0.0.1 here; behind TLS in production, turn HSTS back on.
      strictTransportSecurity: false,
    }),
  )

  app.get('/static/style.css', (c) => {
    if (c.req.header('if-none-match') === STYLE_ETAG) return c.body(null, 304)
    return c.body(STYLE, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300', etag: STYLE_ETAG })
  })

  app.use(doorman(manager))
  // Forms here are a few hundred bytes; a megabyte of "password" is refused before it is parsed,
  // with a page of the site (after doorman, so the top bar still shows who is signed in).
  app.use(
    bodyLimit({
      maxSize: 64 * 1024,
      onError: async (c) =>
        render(
          c,
          <StatusPage page={await pageContext(c)} status={413} title="That form was too large">
            <p>The form you sent was larger than this site accepts (64 KB), so nothing was changed. Please go back and try again with less text.</p>
          </StatusPage>,
          413,
        ),
    }),
  )
  // Every POST needs a same-origin Sec-Fetch-Site/Origin and the session's CSRF token.
  app.use(csrf({ onFailure: csrfRefused }))

  app.get('/', async (c) => {
    const auth = c.get('auth')
    const page = await pageContext(c)
    const facts = page.user
      ? { fresh: await auth.isFresh(), remembered: await auth.isRemembered(), devices: (await auth.listSessions()).length }
      : null
    return render(c, <HomePage page={page} facts={facts} demo={demo} />)
  })

  app.route('/', authRoutes(deps))
  app.route('/', accountRoutes(deps))

  app.notFound(async (c) =>
    render(
      c,
      <StatusPage page={await pageContext(c)} status={404} title="Page not found">
        <p>There is nothing at this address.</p>
      </StatusPage>,
      404,
    ),
  )

  app.onError(async (err, c) => {
    // A store outage: doorman answers 503 and logs the outage once, not once per request. A body
    // that could not be read (400) is the client's mistake, not an error to log.
    if (err instanceof StoreError || err instanceof HTTPException) return err.getResponse()
    console.error(`${c.req.method} ${new URL(c.req.url).pathname}:`, err)
    const page = { user: null, csrf: '', flashes: [], path: '', origin: new URL(c.req.url).origin }
    return render(
      c,
      <StatusPage page={page} status={500} title="Something went wrong">
        <p>The error has been logged. Please try again.</p>
      </StatusPage>,
      500,
    )
  })

  return { app, manager, users, demo, close: () => db.close() }
}
