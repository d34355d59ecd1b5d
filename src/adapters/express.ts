/**
 * Express middleware (Express 4 and 5). `req.auth` is the request's auth
 * object, `req.user` the user once loaded, and `res.locals.currentUser` is set for templates
 * (`res.render` waits for the user to load first, as Flask-Login's context processor does).
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { doorman, loginRequired, authErrorHandler } from 'doorman-login/express'
 * const app = express()
 * app.use(doorman(manager))
 * app.get('/private', loginRequired(), (req, res) => res.send(`Hi ${req.user!.name}`))
 * app.use(authErrorHandler())
 * ```
 *
 * @module doorman-login/express
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response as ExpressResponse } from 'express'
import { RequestAuth } from '../auth.ts'
import { runWithAuth } from '../ambient.ts'
import { checkFreshLogin, checkLogin, isExempt, type Exemption, type FreshLoginRequiredOptions, type LoginRequiredOptions } from '../guards.ts'
import type { LoginManager } from '../manager.ts'
import type { RegisteredUser } from '../types.ts'
import { errorResponse, NodeAuthRequest } from './shared.ts'
import { holdResponse } from './express-response.ts'
export { csrf } from './express-csrf.ts'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** doorman's per-request object. */
      auth: RequestAuth<RegisteredUser & object>
      /** The logged-in user once loaded (after a guard or `await req.auth.getUser()`), else null. */
      user?: RegisteredUser | null
    }
  }
}


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

/**
 * Mount a manager on an Express app or router. Cookies must be written before the headers leave,
 * and writing a store-backed session is async, so the first `res.write`/`res.end` waits for the
 * commit when there is one (express-session does the same); calls made while it waits are queued
 * and replayed in order. A request that never touched its session or user, or whose session is
 * unchanged, goes on at once.
 */
export function doorman<U extends object>(manager: LoginManager<U>): RequestHandler {
  manager.assertMountable()
  return (req, res, next) => {
    const auth = new RequestAuth(manager, new NodeAuthRequest(req, req.originalUrl))
    req.auth = auth as any
    req.user = null
    auth.onUser = setUser
    holdResponse(res)
    if (manager.options.ambient) runWithAuth(auth, () => next())
    else next()
  }
}

// Shared by every request (called with the request's auth as `this`): no closure per request.
function setUser(this: RequestAuth<any>, user: unknown): void {
  const req = (this.request as NodeAuthRequest).raw as Request
  req.user = user as any
  if (req.res) req.res.locals.currentUser = user ?? this.manager.anonymousUser()
}

function guard(check: (auth: RequestAuth<any>) => Promise<Response | null>): RequestHandler {
  return (req, res, next) => void check(req.auth).then((r) => (r ? sendResponse(res, r) : next()), next)
}

/** Flask-Login's `login_required` as Express middleware. */
export function loginRequired(options?: LoginRequiredOptions): RequestHandler {
  return guard((auth) => checkLogin(auth, options))
}

/** Flask-Login's `fresh_login_required` as Express middleware (optionally fresh `within` a window). */
export function freshLoginRequired(options?: FreshLoginRequiredOptions): RequestHandler {
  return guard((auth) => checkFreshLogin(auth, options))
}

/** Login required everywhere except the exempt paths; mount after {@link doorman}. */
export function protect(options: LoginRequiredOptions & { exempt?: readonly Exemption[] } = {}): RequestHandler {
  const exempt = options.exempt ?? []
  return (req, res, next) => {
    if (isExempt(req.originalUrl.split('?')[0], req.method, exempt)) return next()
    return guard((auth) => checkLogin(auth, options))(req, res, next)
  }
}

/**
 * Error middleware that answers doorman's own errors (a store outage → 503, no stack trace);
 * everything else goes on to the next error handler. Mount it last.
 */
export function authErrorHandler(): ErrorRequestHandler {
  return (err, req, res, next) => {
    const r = req.auth ? errorResponse(req.auth, err) : null
    if (!r || res.headersSent) return next(err)
    sendResponse(res, r).catch(next)
  }
}
