/**
 * @module doorman/session: the session layer on its own: the session object, the store
 * interfaces and the two backends (sealed cookie, server-side store).
 *
 * @example
 * ```ts
 * import type { SessionStore } from 'doorman-login/session'
 * ```
 */
export { Session } from './session.ts'
export type { SessionOrigin } from './session.ts'
export type { SessionStore, SessionRecord, StoredSession, RememberTokenStore, RememberTokenRecord } from './store.ts'
export { hasRememberTokens } from './store.ts'
export { CookieSessionBackend } from './backend.ts'
export { StoreSessionBackend } from './store-backend.ts'
export type { SessionBackend, CookieWrite, SessionRequestInfo, SessionTimeouts } from './backend.ts'
