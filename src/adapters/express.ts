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
import type { RequestUser } from '../request-user.ts'
import { runWithAuth } from '../ambient.ts'
import { NeedsRefreshError, UnauthorizedError } from '../errors.ts'
import { needsRefresh, unauthorized } from '../unauthorized.ts'
import type { LoginManager } from '../manager.ts'
import type { RegisteredUser, UserBase } from '../types.ts'
import { errorResponse, NodeAuthRequest } from './shared.ts'
import { AUTH_KEY, holdResponse, MANAGER_KEY } from './express-response.ts'
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
    const lazy = locals && ((req as any)[ACCESSORS] || installAccessors(req)) && !Object.hasOwn(req, 'auth') && !Object.hasOwn(req, 'user')
    holdResponse(res)
    if (lazy && !manager.options.ambient) {
      // `req.auth` is made on first use: a request that never asks allocates nothing for doorman.
      locals[MANAGER] = manager
      return next()
    }
    const auth = createAuth(manager, req)
    if (lazy) locals[AUTH] = auth
    else {
      req.auth = auth
      req.user = undefined
    }
    if (manager.options.ambient) runWithAuth(auth, () => next())
    else next()
  }
}

function createAuth(manager: LoginManager<RegisteredUser>, req: Request): RequestAuth<RegisteredUser> {
  const auth = new RequestAuth(manager, new NodeAuthRequest(req, req.originalUrl))
  auth.onUser = setUser
  return auth
}

// Adding a property to an Express request costs a few percent of a whole request (a map
// transition on a large object whose prototype Express swaps; measured by instruction count), so
// `req.auth` and `req.user` are accessors on Express's request prototype, reading the request's
// state from `res.locals` (symbol keys, a null-prototype map Express creates per request). The
// accessors return undefined for requests doorman did not see; assigning either property makes it
// an ordinary own property, as it was before (Passport and other code that sets `req.user`).
const AUTH = AUTH_KEY
const MANAGER = MANAGER_KEY
const USER = Symbol('doorman.user')
const ACCESSORS = Symbol.for('doorman.express.accessors')

function stateOf(req: Request | undefined): Record<PropertyKey, unknown> | undefined {
  return (req?.res?.locals as Record<PropertyKey, unknown> | undefined) ?? undefined
}

function own(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true })
}

// Express's request prototype is the one every app's `app.request` inherits from (sub-apps swap the
// request's prototype to their own `app.request`, never past this one): it owns `get` and `accepts`.
function installAccessors(req: Request): boolean {
  let proto = Object.getPrototypeOf(req)
  while (proto && !(Object.hasOwn(proto, 'get') && Object.hasOwn(proto, 'accepts'))) proto = Object.getPrototypeOf(proto)
  if (!proto || Object.hasOwn(proto, 'auth') || Object.hasOwn(proto, 'user')) return false
  Object.defineProperty(proto, 'auth', {
    configurable: true,
    get(this: Request) {
      if (this === proto) return undefined
      const locals = stateOf(this)
      if (!locals) return undefined
      const auth = locals[AUTH]
      if (auth !== undefined) return auth
      const manager = locals[MANAGER] as LoginManager<RegisteredUser> | undefined
      return manager ? (locals[AUTH] = createAuth(manager, this)) : undefined
    },
    set(this: Request, v: unknown) {
      own(this, 'auth', v)
    },
  })
  Object.defineProperty(proto, 'user', {
    configurable: true,
    get(this: Request) {
      return this === proto ? undefined : stateOf(this)?.[USER]
    },
    set(this: Request, v: unknown) {
      own(this, 'user', v)
    },
  })
  Object.defineProperty(proto, ACCESSORS, { value: true })
  return true
}

// Shared by every request (called with the request's auth as `this`): no closure per request.
function setUser(this: RequestUser<object>, user: object | null): void {
  const req = (this.request as NodeAuthRequest).raw as Request
  // The manager's user type is the registered one (checked by doorman()'s signature).
  const value = (user ?? undefined) as Express.User | undefined
  const locals = stateOf(req)
  if (locals && locals[AUTH] === this && !Object.hasOwn(req, 'user')) locals[USER] = value
  else req.user = value
  if (req.res) req.res.locals.currentUser = user ?? this.manager.anonymousUser()
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
