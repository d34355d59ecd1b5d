/**
 * @module doorman/session/store: the interface every server-side session store implements.
 *
 * A store keeps records under a key that is the SHA-256 of the cookie token, never the token
 * itself, so a leaked table or an index-timing side channel yields nothing usable (Rack
 * CVE-2019-16782). Writes come in two kinds on purpose: `create` for a new id, and `update`/`touch`
 * that only change a record that still exists, so a request that was in flight during a logout can
 * never bring the destroyed session back (express-session #632, rack CVE-2025-46336).
 * Run `testStore` from `doorman/testing` against any implementation.
 */

/** What a store keeps for one session. Times are seconds since the epoch. */
export interface SessionRecord {
  /** The logged-in user's id (stores index it for "log out everywhere" and the device list). */
  userId: string
  /** The session data, JSON. */
  data: Record<string, unknown>
  /** When the session was created (absolute timeout). */
  createdAt: number
  /** Last recorded activity (idle timeout; "last seen" in the device list). */
  lastSeenAt: number
  /** When the record stops being valid: min(lastSeenAt + idle, createdAt + absolute). */
  expiresAt: number
  /** Client address at creation, for the device list. */
  ip?: string | null
  /** User agent at creation, for the device list. */
  userAgent?: string | null
  /** Selector of the remember-me token issued with this session, revoked with it. */
  rememberSelector?: string | null
}

/** A session as listed for its user (the device list). */
export interface StoredSession {
  /** The store key (a hash of the token: safe to show, useless to replay). */
  id: string
  /** The record. */
  record: SessionRecord
}

/** A server-side session store. Every method may throw; doorman fails closed (503) when it does. */
export interface SessionStore {
  /** The record under `id`, or null when missing or expired. */
  get(id: string): Promise<SessionRecord | null>
  /** Store a new record; `ttl` seconds is when the engine may forget it. */
  create(id: string, record: SessionRecord, ttl: number): Promise<void>
  /** Replace a record only if it still exists; false when it is gone (never re-creates). */
  update(id: string, record: SessionRecord, ttl: number): Promise<boolean>
  /** Refresh `lastSeenAt`/`expiresAt` only if the record still exists; false when it is gone. */
  touch(id: string, lastSeenAt: number, expiresAt: number, ttl: number): Promise<boolean>
  /** Delete a record (no error when missing). */
  destroy(id: string): Promise<void>
  /** Delete every session of a user except `exceptId`; returns how many were deleted. */
  destroyUserSessions(userId: string, exceptId?: string | null): Promise<number>
  /** Every live session of a user, oldest first. */
  listUserSessions(userId: string): Promise<StoredSession[]>
}
