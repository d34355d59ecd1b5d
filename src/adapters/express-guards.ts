/**
 * @module internal/adapters/express-guards: `loginRequired`, `freshLoginRequired`, `protect` and
 * `requireUser` for Express, exported from `doorman-login/express`.
 *
 * Express's types cannot carry what a middleware proved to the handlers after it, so a guard that
 * should hand its handler a non-null `req.user` wraps the handler: `loginRequired((req, res) => …)`.
 * `requireUser(req)` does the same inside any handler that runs behind a guard.
 *
 * @example
 * ```ts
 * app.get('/account', loginRequired((req, res) => res.send(`Hi ${req.user.name}`)))
 * app.get('/profile', loginRequired(), (req, res) => res.send(requireUser(req).name))
 * ```
 */
import type { NextFunction, Request, RequestHandler, Response as ExpressResponse } from 'express'
import type { RequestAuth } from '../auth.ts'
import { checkFreshLogin, checkLogin, isExempt, requireUser as loadedUser, type Exemption, type FreshLoginRequiredOptions, type LoginRequiredOptions } from '../guards.ts'
import type { RegisteredUser } from '../types.ts'

/** An Express request whose user is known to be logged in: what a guarded handler receives. */
export type AuthenticatedRequest<
  P = Request['params'],
  ResBody = unknown,
  ReqBody = unknown,
  ReqQuery = Request['query'],
  Locals extends Record<string, unknown> = Record<string, unknown>,
> = Request<P, ResBody, ReqBody, ReqQuery, Locals> & { user: RegisteredUser }

/**
 * A route handler behind a guard: `req.user` is the logged-in user, never undefined. `req.body` is
 * `unknown` until you say what it is: annotate the request, e.g.
 * `(req: AuthenticatedRequest<{ id: string }, unknown, { title: string }>, res) => …`.
 */
export type GuardedHandler<
  P = Request['params'],
  ResBody = unknown,
  ReqBody = unknown,
  ReqQuery = Request['query'],
  Locals extends Record<string, unknown> = Record<string, unknown>,
> = (
  req: AuthenticatedRequest<P, ResBody, ReqBody, ReqQuery, Locals>,
  res: ExpressResponse<ResBody, Locals>,
  next: NextFunction,
) => unknown

/** Send a Web `Response` (from a guard) through Express. */
export async function sendResponse(res: ExpressResponse, r: Response): Promise<void> {
  res.status(r.status)
  r.headers.forEach((v, k) => {
    if (k !== 'set-cookie') res.setHeader(k, v)
  })
  const cookies = r.headers.getSetCookie()
  if (cookies.length) res.append('Set-Cookie', cookies)
  res.end(r.body ? Buffer.from(await r.arrayBuffer()) : undefined)
}

type Check = (auth: RequestAuth<RegisteredUser>) => Promise<Response | null>

function middleware(check: Check): RequestHandler {
  return (req, res, next) => void check(req.auth).then((r) => (r ? sendResponse(res, r) : next()), next)
}

// Returned as a plain RequestHandler: a return type that named P would make TypeScript infer
// `unknown` route parameters from the route's context instead of the handler's.
// The wrapped handler runs only with a user: on an exempt method (OPTIONS by default) with nobody
// logged in, the guard lets the request through as Flask-Login does, but to the next route (or
// Express's own OPTIONS answer), since this handler was promised a user.
function wrap<P, ResBody, ReqBody, ReqQuery, Locals extends Record<string, unknown>>(
  check: Check,
  handler: GuardedHandler<P, ResBody, ReqBody, ReqQuery, Locals>,
): RequestHandler<P, ResBody, ReqBody, ReqQuery, Locals> {
  return (req, res, next) => {
    const run = async (): Promise<unknown> => {
      const denied = await check(req.auth)
      if (denied) return sendResponse(res, denied)
      const user = req.auth.loadedUser !== undefined ? req.auth.loadedUser : await req.auth.getUser()
      if (!user) return next()
      return handler(req as AuthenticatedRequest<P, ResBody, ReqBody, ReqQuery, Locals>, res, next)
    }
    run().catch(next)
  }
}

/**
 * A guard: with no handler (or options only), middleware for the handlers after it, which read the
 * user with {@link requireUser}; with a handler, the handler runs only for a logged-in user and gets
 * a non-null `req.user`.
 */
export interface ExpressGuard<O extends object> {
  (options?: O): RequestHandler
  <P = Request['params'], ResBody = unknown, ReqBody = unknown, ReqQuery = Request['query'], Locals extends Record<string, unknown> = Record<string, unknown>>(
    handler: GuardedHandler<P, ResBody, ReqBody, ReqQuery, Locals>,
    options?: O,
  ): RequestHandler
}

function guardOf<O extends object>(check: (auth: RequestAuth<RegisteredUser>, options?: O) => Promise<Response | null>): ExpressGuard<O> {
  return ((a?: O | GuardedHandler, b?: O) =>
    typeof a === 'function' ? wrap((auth) => check(auth, b), a as GuardedHandler) : middleware((auth) => check(auth, a))) as ExpressGuard<O>
}

/**
 * Flask-Login's `login_required` for Express, as middleware or around a handler.
 *
 * @example
 * ```ts
 * app.get('/account', loginRequired((req, res) => res.render('account', { name: req.user.name })))
 * app.use('/admin', loginRequired({ loginView: '/admin/login' }))
 * ```
 */
export const loginRequired: ExpressGuard<LoginRequiredOptions> = guardOf(checkLogin)

/**
 * Flask-Login's `fresh_login_required` for Express (optionally fresh `within` a window), as
 * middleware or around a handler like {@link loginRequired}.
 */
export const freshLoginRequired: ExpressGuard<FreshLoginRequiredOptions> = guardOf(checkFreshLogin)

/** Login required everywhere except the exempt paths; mount after `doorman()`. */
export function protect(options: LoginRequiredOptions & { exempt?: readonly Exemption[] } = {}): RequestHandler {
  const exempt = options.exempt ?? []
  const guard = middleware((auth) => checkLogin(auth, options))
  return (req, res, next) => {
    if (isExempt(req.originalUrl.split('?')[0], req.method, exempt)) return next()
    return guard(req, res, next)
  }
}

/**
 * The logged-in user of a request that went through a guard, typed and never undefined.
 *
 * @throws UnauthorizedError when nobody is logged in (an exempt method let the request through):
 * `authErrorHandler()` answers it as the guard would (the login view, or a 401).
 * @throws ContextError when no guard loaded the user first (a bug in the route, not the request).
 * @example
 * ```ts
 * app.get('/profile', loginRequired(), (req, res) => res.send(requireUser(req).name))
 * ```
 */
export function requireUser(req: Request): RegisteredUser {
  return loadedUser(req.auth)
}
