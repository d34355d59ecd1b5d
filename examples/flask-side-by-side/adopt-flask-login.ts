/**
 * @module examples/flask-side-by-side/adopt-flask-login: the switch-off day. Flask is gone; doorman
 * keeps its sessions in its own sealed cookies. Users who still carry Flask's cookies are moved
 * over on their next request without being logged out.
 *
 * For each request that carries Flask's session or remember cookie, until `until`:
 *
 * 1. a second manager, configured exactly as doorman was beside Flask (`session.format: 'flask'`,
 *    `remember.format: 'flask-login'`, Flask's SECRET_KEY), reads them: signature, max age,
 *    session protection (`_id`) and the user loader all apply, so a cookie that Flask itself
 *    would have refused is refused here too;
 * 2. when it finds a user and the sealed session has none, that user is logged in on the sealed
 *    session, as fresh as the Flask session was, and remembered (a new doorman remember token)
 *    when a valid Flask remember cookie came along; the flashes, `session.permanent` and the
 *    app's own session keys whose values JSON can hold are carried over;
 * 3. the Flask cookies are expired in the same response.
 *
 * After `until` the Flask cookies are only expired: a user who has not come back in that time
 * signs in again. Mount it after `doorman(manager)`, on the manager with the sealed cookies.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie } from 'hono/cookie'
import type { LoginManager, RequestAuth } from 'doorman-login'
import { withAuth } from 'doorman-login/fetch'

/** Options of {@link adoptFlaskLogin}. */
export interface AdoptFlaskLoginOptions {
  /** The last moment Flask cookies are turned into sessions; after it they are only expired. */
  until: Date
  /** Whether the Flask cookies were Secure (their deletion must match). @default false */
  secure?: boolean
}

/** What the Flask cookies held. */
interface Legacy<U> {
  user: U | null
  fresh: boolean
  remembered: boolean
  permanent: boolean
  data: [string, unknown][]
  flashes: [string, string][]
}

// Flask-Login's bookkeeping keys: never copied into the sealed session (doorman writes its own).
const FLASK_LOGIN_KEYS = new Set(['_user_id', '_fresh', '_id', '_remember', '_remember_seconds', '_flashes', '_permanent', '_fresh_at', '_epoch', 'csrf_token', '_csrf_token'])

/**
 * Whether a value means the same once stored as JSON in the sealed session. Python-only values
 * (bytes, Markup, UUID, datetime, ints past 2^53) are not carried over rather than turned into
 * something else; a tuple becomes an array.
 */
function plainJson(v: unknown, depth = 0): boolean {
  if (depth > 32) return false
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true
  if (typeof v === 'number') return Number.isFinite(v)
  if (Array.isArray(v)) return v.every((x) => plainJson(x, depth + 1))
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return false
  return Object.values(v as object).every((x) => plainJson(x, depth + 1))
}

/** Hono middleware that moves users from Flask's cookies to `c.get('auth')`'s sealed session. */
export function adoptFlaskLogin<U extends object>(legacy: LoginManager<U>, options: AdoptFlaskLoginOptions): MiddlewareHandler {
  const sessionName = legacy.sessionCookie.name
  const rememberName = legacy.rememberCookie.name
  const read = async (request: Request, ip: string | undefined): Promise<Legacy<U>> => {
    let found: Legacy<U> | undefined
    // The legacy manager's own answer (it may want to rewrite the Flask cookie) is dropped: the
    // Flask cookies are expired below instead.
    await withAuth(
      legacy,
      async (_req, auth: RequestAuth<U>) => {
        const user = (await auth.getUser()) ?? null
        const s = await auth.session()
        found = {
          user,
          fresh: user ? await auth.isFresh() : false,
          remembered: user ? await auth.isRemembered() : false,
          permanent: s.permanent,
          data: s.keys().filter((k) => !FLASK_LOGIN_KEYS.has(k) && plainJson(s.get(k))).map((k) => [k, s.get(k)]),
          flashes: await auth.getFlashedMessages({ withCategories: true }),
        }
        return new Response(null, { status: 204 })
      },
      { remoteAddress: () => ip },
    )(request)
    return found!
  }

  return async (c: Context, next) => {
    const hasFlaskCookie = getCookie(c, sessionName) !== undefined || getCookie(c, rememberName) !== undefined
    if (!hasFlaskCookie) return next()
    if (Date.now() <= options.until.getTime()) {
      const auth = c.get('auth') as unknown as RequestAuth<U>
      const old = await read(c.req.raw, (c.env as { incoming?: { socket?: { remoteAddress?: string } } })?.incoming?.socket?.remoteAddress)
      const session = await auth.session()
      if (old.user && !(await auth.getUser())) {
        await auth.loginUser(old.user, { fresh: old.fresh, remember: old.remembered })
        if (old.permanent) session.permanent = true
      }
      for (const [k, v] of old.data) if (!session.has(k)) session.set(k, v)
      for (const [category, message] of old.flashes) await auth.flash(message, category)
    }
    await next()
    const attributes = { path: '/', secure: options.secure ?? false, httpOnly: true, sameSite: 'Lax' } as const
    deleteCookie(c, sessionName, attributes)
    deleteCookie(c, rememberName, attributes)
  }
}
