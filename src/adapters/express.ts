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
 * app.get('/private', loginRequired((req, res) => res.send(`Hi ${req.user.name}`)))
 * app.use(authErrorHandler())
 * ```
 *
 * @module doorman-login/express
 */
import type { ErrorRequestHandler, Request, RequestHandler } from 'express'
import { RequestAuth } from '../auth.ts'
import { runWithAuth } from '../ambient.ts'
import { NeedsRefreshError, UnauthorizedError } from '../errors.ts'
import { needsRefresh, unauthorized } from '../unauthorized.ts'
import type { LoginManager } from '../manager.ts'
import type { RegisteredUser, UserBase } from '../types.ts'
import { errorResponse } from './shared.ts'
import { holdResponse } from './express-response.ts'
import { accessorsOn, AUTH_KEY, createAuth, MANAGER_KEY } from './express-request.ts'
export { csrf } from './express-csrf.ts'
import { sendResponse } from './express-guards.ts'
export { loginRequired, freshLoginRequired, protect, requireUser, sendResponse, type AuthenticatedRequest, type ExpressGuard, type GuardedHandler } from './express-guards.ts'

// `req.user` is declared exactly as @types/passport declares it (`user?: User | undefined`), and
// the registered user is merged into `Express.User`: with or without Passport's types installed,
// the declarations merge instead of colliding (TS2717), and `req.user` is the registered user.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    /** The logged-in user's type: the registered doorman user (`Register['user']`), also what Passport calls the user. */
    // eslint-disable-next-line @typescript-eslint/no-empty-interface
    interface User extends UserBase {}
    interface Request {
      /** doorman's per-request object. */
      auth: RequestAuth<RegisteredUser>
      /** The logged-in user once loaded (after a guard or `await req.auth.getUser()`), else undefined. */
      user?: User | undefined
    }
  }
}


/**
 * Mount a manager on an Express app or router. Cookies must be written before the headers leave,
 * and writing a store-backed session is async, so the first `res.write`/`res.end` waits for the
 * commit when there is one (express-session does the same); calls made while it waits are queued
 * and replayed in order. A request that never touched its session or user, or whose session is
 * unchanged, goes on at once.
 */
export function doorman<U extends RegisteredUser>(manager: LoginManager<U>): RequestHandler {
  manager.assertMountable()
  return (req, res, next) => {
    const locals = res.locals as Record<PropertyKey, unknown> | undefined
    const lazy = locals && accessorsOn(req) && !Object.hasOwn(req, 'auth') && !Object.hasOwn(req, 'user')
    holdResponse(res)
    if (lazy && !manager.options.ambient) {
      // `req.auth` is made on first use: a request that never asks allocates nothing for doorman.
      locals[MANAGER_KEY] = manager
      return next()
    }
    const auth = createAuth(manager, req)
    if (lazy) locals[AUTH_KEY] = auth
    else {
      req.auth = auth
      req.user = undefined
    }
    if (manager.options.ambient) runWithAuth(auth, () => next())
    else next()
  }
}

/**
 * Error middleware that answers doorman's own errors: an {@link UnauthorizedError} (from
 * `requireUser`) gets the guard's answer (the login view or a 401), a `NeedsRefreshError` the
 * fresh-login guard's, a store outage a 503 (no stack trace); everything else goes on to the next
 * error handler. Mount it last.
 */
export function authErrorHandler(): ErrorRequestHandler {
  return (err, req, res, next) => {
    const auth = req.auth
    if (!auth || res.headersSent) return next(err)
    const r = err instanceof UnauthorizedError ? unauthorized(auth) : err instanceof NeedsRefreshError ? needsRefresh(auth) : errorResponse(auth, err)
    if (!r) return next(err)
    Promise.resolve(r)
      .then(
        (out) => sendResponse(res, out),
        (e: unknown) => {
          const outage = errorResponse(auth, e)
          if (!outage) throw e
          return sendResponse(res, outage)
        },
      )
      .catch(next)
  }
}
