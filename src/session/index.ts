/**
 * The session layer on its own: the session object, the store
 * interfaces and the two backends (sealed cookie, server-side store).
 *
 * @example
 * ```ts
 * import type { SessionStore } from 'doorman-login/session'
 * ```
 *
 * @module doorman-login/session
 */
export { Session } from './session.ts'
export type { SessionOrigin } from './session.ts'
export type { SessionStore, SessionRecord, StoredSession, RememberTokenStore, RememberTokenRecord } from './store.ts'
export { hasRememberTokens } from './store.ts'
export { CookieSessionBackend } from './backend.ts'
export { StoreSessionBackend } from './store-backend.ts'
export type { SessionBackend, CookieWrite, SessionRequestInfo, SessionTimeouts } from './backend.ts'
// Types the backends' signatures mention.
export type { Keyring } from '../crypto/keyring.ts'
export type { PreparedKey } from '../crypto/primitives.ts'
export type { SealCache, OpenedSeal } from './seal-cache.ts'
export type { StoreHealth, StoreStatusListener, StoreStatus } from '../store-health.ts'
