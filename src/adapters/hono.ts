/**
 * Hono middleware. `c.get('auth')` is the request's auth object and
 * `c.get('user')` the user once loaded (both typed through `Register`).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { doorman, loginRequired } from 'doorman-login/hono'
 * const app = new Hono()
 * app.use(doorman(manager))
 * app.get('/private', loginRequired(), (c) => c.text(`Hi ${c.get('user').name}`))
 * ```
 *
 * @module doorman-login/hono
 */
import type { Context, MiddlewareHandler } from 'hono'
import { RequestAuth } from '../auth.ts'
import { runWithAuth } from '../ambient.ts'
import { checkFreshLogin, checkLogin, isExempt, type Exemption, type FreshLoginRequiredOptions, type LoginRequiredOptions } from '../guards.ts'
import type { LoginManager } from '../manager.ts'
import type { RegisteredUser } from '../types.ts'
import { applyToResponse, errorResponse, finalHeadersNow } from './shared.ts'
import { createAuth } from './hono-request.ts'
export { csrf } from './hono-csrf.ts'

declare module 'hono' {
  interface ContextVariableMap {
    /** doorman's per-request object. */
    auth: RequestAuth<RegisteredUser>
    /** The logged-in user once loaded (after a guard or `await c.get('auth').getUser()`), else null. */
    user: RegisteredUser | null
  }
}

/**
 * What a guard tells the handlers after it: `c.get('user')` is the logged-in user, not null (Hono
 * merges a middleware's env into the handler's). Exempt methods (`exemptMethods`, OPTIONS by
 * default) pass a guard without a user, as in Flask-Login: a handler that also answers them
 * (`app.all`, `app.options`) must not count on the user for those.
 */
export type LoggedInEnv = { Variables: { user: RegisteredUser } }

/** Options of the Hono middleware. */
export interface HonoAuthOptions {
  /** Read the client address when the runtime is not `@hono/node-server` or Bun. */
  remoteAddress?: (c: Context) => string | undefined
}

/**
 * Mount a manager on a Hono app (or a sub-app).
 *
 * @returns middleware that creates `c.get('auth')` and writes cookies after the handler.
 */
export function doorman<U extends RegisteredUser>(manager: LoginManager<U>, options: HonoAuthOptions = {}): MiddlewareHandler {
  manager.assertMountable()
  const remoteAddress = options.remoteAddress
  const ambient = !!manager.options.ambient
  // Kept small: the common request (nothing asked for the session or the user, no error) ends
  // here; the rest is in finish().
  return async (c, next) => {
    const auth = createAuth(manager, c, remoteAddress)
    c.set('auth', auth)
    if (ambient) await runWithAuth(auth, next)
    else await next()
    if (c.error || !auth.pristine) return finish(c, auth)
  }
}

async function finish(c: Context, auth: RequestAuth): Promise<void> {
  // Hono hands handler errors to app.onError before control returns here; a store outage still
  // becomes a 503 rather than whatever the app's generic handler says.
  const failed = c.error ? errorResponse(auth, c.error) : null
  if (failed) return replace(c, failed)
  // Nothing asked for the session or the user: nothing to write, and no promise to wait for.
  if (auth.pristine) return
  try {
    const h = finalHeadersNow(auth)
    const out = applyToResponse(c.res, h instanceof Promise ? await h : h)
    if (out !== c.res) replace(c, out)
  } catch (e) {
    const r = errorResponse(auth, e)
    if (!r) throw e
    replace(c, r)
  }
}

// Assigning c.res merges the old response's headers into the new one (Set-Cookie included);
// clearing it first makes the replacement exact.
function replace(c: Context, res: Response): void {
  c.res = undefined as unknown as Response
  c.res = res
}

/** Flask-Login's `login_required` as Hono middleware. */
export function loginRequired(options?: LoginRequiredOptions): MiddlewareHandler<LoggedInEnv> {
  return (c, next) => checkLogin(c.get('auth'), options).then((r): Promise<Response | void> | Response => r ?? next())
}

/** Flask-Login's `fresh_login_required` as Hono middleware (optionally fresh `within` a window). */
export function freshLoginRequired(options?: FreshLoginRequiredOptions): MiddlewareHandler<LoggedInEnv> {
  return (c, next) => checkFreshLogin(c.get('auth'), options).then((r): Promise<Response | void> | Response => r ?? next())
}

/**
 * Login required everywhere except the exempt paths (Flask-Login #411; Django's
 * `LoginRequiredMiddleware`). Mount it after {@link doorman}.
 *
 * @example
 * ```ts
 * app.use(protect({ exempt: ['/login', '/static/*'] }))
 * ```
 */
export function protect(options: LoginRequiredOptions & { exempt?: readonly Exemption[] } = {}): MiddlewareHandler {
  const exempt = options.exempt ?? []
  return async (c, next) => {
    if (isExempt(new URL(c.req.url).pathname, c.req.method, exempt)) return next()
    return (await checkLogin(c.get('auth'), options)) ?? (await next())
  }
}
