/**
 * @module internal/guards: `loginRequired`, `freshLoginRequired` and protect-everything mode, as
 * framework-neutral checks. Each returns null to let the request through, or the response to send;
 * adapters wrap them in their framework's middleware.
 */
import { ContextError, StoreError, UnauthorizedError } from './errors.ts'
import type { Duration } from './duration.ts'
import { needsRefresh, storeUnavailable, unauthorized, wantsJson } from './unauthorized.ts'
import type { RequestAuth } from './auth.ts'

/** Options of `loginRequired`. */
export interface LoginRequiredOptions {
  /** Login view for this route (overrides the area's and the app's). */
  loginView?: string
}

/** Options of `freshLoginRequired`. */
export interface FreshLoginRequiredOptions extends LoginRequiredOptions {
  /** Accept a login confirmed within this long (seconds or `'10m'`), instead of any fresh login. */
  within?: Duration
  /** Refresh view for this route. */
  refreshView?: string
}


// A store outage must never let a request through, nor bounce users to a login page that cannot
// work either: 503, and service resumes by itself when the store is back.
function outage(auth: RequestAuth, e: unknown): Response {
  if (e instanceof StoreError) return storeUnavailable(wantsJson((n) => auth.request.header(n)))
  throw e
}

// Exempt methods (OPTIONS by default, for CORS preflights) pass whoever asks, as in Flask-Login,
// but with the user loaded like any guarded request, so that `requireUser()` and the typed handler
// forms can tell "nobody logged in" (a 401) from "no guard ran" (a bug in the route).
function exempt(auth: RequestAuth): Promise<Response | null> {
  return auth.getUser().then(
    () => null,
    (e) => outage(auth, e),
  )
}

/** Flask-Login's `login_required` as a check: null when a user is logged in. */
export function checkLogin(auth: RequestAuth, options: LoginRequiredOptions = {}): Promise<Response | null> {
  if (auth.manager.exemptMethods.has(auth.request.method.toUpperCase())) return exempt(auth)
  // One promise on the way through: this check sits in front of every protected route.
  return auth.getUser().then(
    (u) => (u ? null : unauthorized(auth, options.loginView).catch((e) => outage(auth, e))),
    (e) => outage(auth, e),
  )
}

/**
 * {@link checkLogin} for adapters whose middleware goes on through callbacks (Fastify's `done`):
 * `pass()` when a user is logged in, `answer(response)` otherwise, `fail(error)` for an error
 * doorman does not answer itself. One promise on the way through instead of two.
 */
export function guardLogin(auth: RequestAuth, options: LoginRequiredOptions, pass: () => void, answer: (r: Response) => void, fail: (e: unknown) => void): void {
  if (auth.manager.exemptMethods.has(auth.request.method.toUpperCase())) {
    exempt(auth).then((r) => (r ? answer(r) : pass()), fail)
    return
  }
  const refused = (e: unknown) => {
    let r: Response
    try {
      r = outage(auth, e)
    } catch (x) {
      return fail(x)
    }
    answer(r)
  }
  auth.getUser().then((u) => {
    if (u) return pass()
    unauthorized(auth, options.loginView).then(answer, refused)
  }, refused)
}

/** Flask-Login's `fresh_login_required` as a check: null when the login is fresh (enough). */
export function checkFreshLogin(auth: RequestAuth, options: FreshLoginRequiredOptions = {}): Promise<Response | null> {
  if (auth.manager.exemptMethods.has(auth.request.method.toUpperCase())) return exempt(auth)
  const check = async (): Promise<Response | null> => {
    if (!(await auth.getUser())) return unauthorized(auth, options.loginView)
    if (!(await auth.isFresh(options.within))) return needsRefresh(auth, options.refreshView)
    return null
  }
  return check().catch((e) => outage(auth, e))
}

/**
 * The user a guard loaded, typed and never null: what a handler behind `loginRequired` reads
 * instead of `(await auth.getUser())!`. The adapters' `requireUser(req)` are this on their request.
 *
 * @throws UnauthorizedError (status 401) when nobody is logged in, as when an exempt method
 * (OPTIONS by default) passed the guard.
 * @throws ContextError when no guard loaded the user first (a bug in the route, not the request).
 * @example
 * ```ts
 * withAuth(manager, loginRequired(async (request, auth) => new Response(`Hi ${requireUser(auth).name}`)))
 * ```
 */
export function requireUser<U extends object>(auth: RequestAuth<U>): U {
  const user = auth.loadedUser
  if (user) return user
  if (user === null) throw new UnauthorizedError()
  throw new ContextError('requireUser() needs the user loaded: put loginRequired() in front of the handler (or await the user first)')
}

/** Paths a protect-everything guard lets through: exact paths, `'/prefix/*'`, or a predicate. */
export type Exemption = string | ((path: string, method: string) => boolean)

/**
 * Whether a path is exempt. Matching is on the raw request path, case-sensitive and by whole
 * segments; a path with dot segments, encoded slashes or doubled slashes never matches, so a
 * trick spelling fails closed (protected), never open (better-auth GHSA-x732-6j76-qmhm).
 */
export function isExempt(path: string, method: string, exempt: readonly Exemption[]): boolean {
  if (/\/\/|\/\.\.?(\/|$)|%2f|%5c|\\/i.test(path)) return false
  for (const e of exempt) {
    if (typeof e === 'function') {
      if (e(path, method)) return true
    } else if (e.endsWith('/*')) {
      const base = e.slice(0, -2)
      if (path === base || path.startsWith(base + '/')) return true
    } else if (path === e) return true
  }
  return false
}
