/**
 * @module internal/adapters/express-request: where `req.auth` and `req.user` live on Express, and
 * the request's auth object, made on first use.
 */
import type { Request } from 'express'
import { RequestAuth } from '../auth.ts'
import type { RequestUser } from '../request-user.ts'
import type { LoginManager } from '../manager.ts'
import type { RegisteredUser } from '../types.ts'
import { NodeAuthRequest } from './shared.ts'

/** The request's auth object, filling `req.user` and `res.locals.currentUser` once the user is known. */
export function createAuth(manager: LoginManager<RegisteredUser>, req: Request): RequestAuth<RegisteredUser> {
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
/** Keys of doorman's per-request state in `res.locals`: the auth object once made, and the manager that makes it on first use. */
export const AUTH_KEY = Symbol('doorman.auth')
export const MANAGER_KEY = Symbol('doorman.manager')
const USER = Symbol('doorman.user')
const ACCESSORS = Symbol.for('doorman.express.accessors')

function stateOf(req: Request | undefined): Record<PropertyKey, unknown> | undefined {
  return req?.res?.locals as Record<PropertyKey, unknown> | undefined
}

/**
 * The request's auth object if something made it, without making it: a response whose request
 * never asked has nothing to commit.
 */
export function madeAuth(req: Request | undefined): RequestAuth | undefined {
  const locals = stateOf(req)
  const kept = locals?.[AUTH_KEY]
  if (kept instanceof RequestAuth) return kept
  if (locals?.[MANAGER_KEY] !== undefined && !Object.hasOwn(req!, 'auth')) return undefined
  const auth = (req as { auth?: unknown } | undefined)?.auth
  return auth instanceof RequestAuth ? auth : undefined
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
      const auth = locals[AUTH_KEY]
      if (auth !== undefined) return auth
      const manager = locals[MANAGER_KEY] as LoginManager<RegisteredUser> | undefined
      return manager ? (locals[AUTH_KEY] = createAuth(manager, this)) : undefined
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
  if (locals && locals[AUTH_KEY] === this && !Object.hasOwn(req, 'user')) locals[USER] = value
  else req.user = value
  if (req.res) req.res.locals.currentUser = user ?? this.manager.anonymousUser()
}

/** True when `req.auth`/`req.user` are doorman's accessors on this request's prototype (installed now if need be). */
export function accessorsOn(req: Request): boolean {
  return (req as any)[ACCESSORS] === true || installAccessors(req)
}
