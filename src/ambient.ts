/**
 * @module internal/ambient: Flask-Login's global style (`current_user`, `login_user()`…) through
 * AsyncLocalStorage, for apps that enable `ambient: true` on the manager.
 *
 * It is opt-in because on Node 20 an active AsyncLocalStorage adds a cost to every promise in the
 * process (as Hono's `contextStorage()` middleware is opt-in for the same reason).
 */
import { ContextError } from './errors.ts'
import type { Duration } from './duration.ts'
import type { FlashOptions, LoginOptions, RequestAuth } from './auth.ts'
import type { RegisteredAnonymousUser, RegisteredUser } from './types.ts'
import { nodeBuiltin } from './node-builtin.ts'

interface Storage<T> {
  run<R>(store: T, fn: () => R): R
  getStore(): T | undefined
}

const ALS: (new () => Storage<RequestAuth>) | undefined =
  (nodeBuiltin('node:async_hooks') as { AsyncLocalStorage?: new () => Storage<RequestAuth> } | null)?.AsyncLocalStorage ??
  (globalThis as any).AsyncLocalStorage

let storage: Storage<RequestAuth> | null = null

/** Run `fn` with `auth` as the ambient request (adapters call this when `ambient` is on). */
export function runWithAuth<R>(auth: RequestAuth, fn: () => R): R {
  if (!storage) {
    if (!ALS) throw new ContextError('ambient: true needs AsyncLocalStorage, which this runtime does not have')
    storage = new ALS()
  }
  return storage.run(auth, fn)
}

/**
 * The current request's auth object; throws outside a request or without `ambient: true`.
 *
 * @example
 * ```ts
 * const auth = getAuth()
 * ```
 */
export function getAuth(): RequestAuth<RegisteredUser> {
  const auth = storage?.getStore()
  if (!auth) throw new ContextError('no request in scope: enable `ambient: true` on the manager and call this inside a request')
  // The adapters refuse a manager whose user type is not the registered one, so this holds.
  return auth as RequestAuth<RegisteredUser>
}

// The Promise-returning accessors are `async` so that "no request in scope" is a rejected
// promise, as their type says, rather than a synchronous throw that `.catch()` would miss.

/**
 * Flask-Login's `current_user`: the user, or the anonymous user.
 *
 * @example
 * ```ts
 * import { currentUser } from 'doorman-login'
 * const user = await currentUser()
 * ```
 */
export async function currentUser(): Promise<RegisteredUser | RegisteredAnonymousUser> {
  return getAuth().currentUser()
}

/** The logged-in user or null (typed by `Register`). */
export async function getUser(): Promise<RegisteredUser | null> {
  return getAuth().getUser()
}

/** Flask-Login's `login_user()` for the current request. */
export async function loginUser(user: RegisteredUser, options?: LoginOptions): Promise<boolean> {
  return getAuth().loginUser(user, options)
}

/** Flask-Login's `logout_user()` for the current request. */
export async function logoutUser(): Promise<boolean> {
  return getAuth().logoutUser()
}

/** Flask-Login's `confirm_login()` for the current request. */
export async function confirmLogin(): Promise<void> {
  return getAuth().confirmLogin()
}

/** Flask-Login's `login_fresh()`. */
export async function isFresh(within?: Duration): Promise<boolean> {
  return getAuth().isFresh(within)
}

/** Flask-Login's `login_remembered()`. */
export async function isRemembered(): Promise<boolean> {
  return getAuth().isRemembered()
}

/** Flask's `flash()` for the current request. */
export async function flash(message: string, category?: string): Promise<void> {
  return getAuth().flash(message, category)
}

/** Flask's `get_flashed_messages()` for the current request. */
export async function getFlashedMessages(options?: FlashOptions): Promise<string[] | [string, string][]> {
  return getAuth().getFlashedMessages(options)
}
