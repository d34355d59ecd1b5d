/**
 * User session management for TypeScript web apps (the core; adapters live in
 * `doorman-login/hono`, `doorman-login/express`, `doorman-login/fastify` and `doorman-login/fetch`).
 *
 * @example
 * ```ts
 * import { createLoginManager } from 'doorman-login'
 * const manager = createLoginManager({ secret: process.env.SECRET_KEY!, userLoader: (id) => users.get(id) ?? null, loginView: '/login' })
 * ```
 *
 * @module doorman-login
 */
export { createLoginManager, LoginManager } from './manager.ts'
export type { LoginManagerOptions, SessionOptions, RememberOptions, CookieOptions } from './options.ts'
export { RequestAuth } from './auth.ts'
export type { LoginOptions, FlashOptions } from './auth.ts'
export { UserMixin, AnonymousUser, sameUser } from './user.ts'
export type { UserLike } from './user.ts'
export {
  currentUser, getUser, getAuth, loginUser, logoutUser, confirmLogin, isFresh, isRemembered, flash, getFlashedMessages,
} from './ambient.ts'
export { checkLogin, checkFreshLogin, isExempt, requireUser } from './guards.ts'
export type { LoginRequiredOptions, FreshLoginRequiredOptions, Exemption } from './guards.ts'
export { unauthorized, needsRefresh, wantsJson, responseForError } from './unauthorized.ts'
export { safeNextUrl, makeNextParam, loginUrl } from './next-url.ts'
export { Session } from './session/session.ts'
export type { SessionStore, SessionRecord, StoredSession } from './session/store.ts'
export type { RememberStrategy, RememberClaim } from './remember.ts'
export { StoredRemember, parseRememberToken } from './remember-tokens.ts'
export type { StoredRememberOptions, RememberTheft } from './remember-tokens.ts'
export type { DeviceSession, CredentialsChangedOptions } from './devices.ts'
export { hasRememberTokens } from './session/store.ts'
export type { RememberTokenStore, RememberTokenRecord } from './session/store.ts'
export type { AuthEvents, EventRequest } from './events.ts'
export type { AuthRequest } from './context.ts'
export type { Register, RegisteredUser, RegisteredAnonymousUser, UserBase } from './types.ts'
export type { Duration } from './duration.ts'
export { FlaskTuple, FlaskMarkup, FlaskUUID } from './flask/types.ts'
export { decodeFlaskSession, encodeFlaskSession } from './flask/session-format.ts'
export type { DecodedFlaskSession, FlaskSessionCodecOptions, FlaskSecretKey } from './flask/session-format.ts'
export { flaskLoginIdentifier } from './flask/session-id.ts'
export type { FlaskSessionConfig } from './flask/session-backend.ts'
export type { FlaskLoginIdentifier, IdentifierRequest } from './flask/session-id.ts'
// Types that public signatures mention, so that users can name them (and the API reference shows them).
export type { Emitter, Listener } from './events.ts'
export type { MaybePromise } from './crypto/primitives.ts'
export type { RememberContext } from './remember.ts'
export type { ResolvedCookie } from './cookie-options.ts'
export type { CookieAttributes } from './cookie.ts'
export * from './errors.ts'
export * as defaults from './defaults.ts'
