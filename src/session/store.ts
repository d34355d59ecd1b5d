/**
 * @module internal/session/store: the interface every server-side session store implements.
 *
 * A store keeps records under a key that is the SHA-256 of the cookie token, never the token
 * itself, so a leaked table or an index-timing side channel yields nothing usable (Rack
 * CVE-2019-16782). Writes come in two kinds on purpose: `create` for a new id, and `update`/`touch`/
 * `rotate` that only change (or move) a record that still exists, so a request that was in flight
 * during a logout can never bring the destroyed session back (express-session #632, rack
 * CVE-2025-46336).
 * Run `testStore` from `doorman-login/testing` against any implementation.
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
  /**
   * Move a session to a new id (a rotation: re-authentication, a password change). Atomically:
   * only if the record under `previousId` still exists and has not expired, it goes and `record`
   * is stored under `id`, and the answer is true. When `previousId` is gone (a logout, a revocation
   * or expiry got there first) the answer is false and nothing is created: a rotation that was in
   * flight during a logout cannot bring the session back under a new id. One atomic step, never a
   * read followed by a write (SQL: `UPDATE … SET id = <new> … WHERE id = <old> AND expires_at > now`).
   */
  rotate(previousId: string, id: string, record: SessionRecord, ttl: number): Promise<boolean>
  /** Refresh `lastSeenAt`/`expiresAt` only if the record still exists; false when it is gone. */
  touch(id: string, lastSeenAt: number, expiresAt: number, ttl: number): Promise<boolean>
  /** Delete a record (no error when missing). */
  destroy(id: string): Promise<void>
  /** Delete every session of a user except `exceptId`; returns how many were deleted. */
  destroyUserSessions(userId: string, exceptId?: string | null): Promise<number>
  /** Every live session of a user, oldest first. */
  listUserSessions(userId: string): Promise<StoredSession[]>
  /**
   * OPTIONAL: delete every session whose `rememberSelector` is `selector`; returns how many.
   * doorman calls it when a remember token is replayed after rotation (suspected theft), so the
   * sessions that token created die with it. Optional so third-party stores still conform; all of
   * doorman's stores implement it (SQLite/PostgreSQL: an index on `remember_selector`; Redis: a
   * set per selector, like the per-user one). Without it, a theft ends only the token.
   */
  destroySessionsBySelector?(selector: string): Promise<number>
}

/**
 * One remember-me token series, as a store keeps it (security.md §5). The cookie is
 * `<selector>.<validator>`; only SHA-256 of the validator is stored. The selector stays the same
 * for the life of the series; the validator rotates on each use.
 */
export interface RememberTokenRecord {
  /** Public lookup key (≥ 96 random bits, base64url). */
  selector: string
  /** base64url SHA-256 of the current validator. */
  validatorHash: string
  /** base64url SHA-256 of the validator it replaced, accepted once more within the grace window. */
  previousHash: string | null
  /** When the validator was last rotated (seconds), for the grace window. */
  rotatedAt: number | null
  /** The user the token logs in. */
  userId: string
  /** Creation time (seconds). */
  createdAt: number
  /** Absolute expiry (seconds), set at creation and never pushed back by rotation (Devise CVE-2015-8314). */
  expiresAt: number
  /** Last use (seconds). */
  lastUsedAt: number
  /**
   * The auth-epoch tag the series was issued under (a MAC of the user's epoch, never the raw
   * value), or null when the manager has no `authEpoch`. Stores MUST round-trip it (a column or a
   * JSON field): when the user's epoch changes (password change, "log out everywhere"), a token
   * whose tag no longer matches logs nobody in. A store that drops it fails closed: with
   * `authEpoch` configured, no remembered login would work.
   */
  epoch?: string | null
}

/** A store that also keeps per-device remember-me tokens (all of doorman's stores do). */
export interface RememberTokenStore {
  /** The token series under `selector`, or null when missing or past `expiresAt`. */
  getToken(selector: string): Promise<RememberTokenRecord | null>
  /** Store a new series; `ttl` seconds is when the engine may forget it. */
  createToken(record: RememberTokenRecord, ttl: number): Promise<void>
  /**
   * Compare-and-swap rotation: only if the stored `validatorHash` still equals `expectedHash`,
   * set `previousHash = expectedHash`, `validatorHash = newHash`, `rotatedAt = lastUsedAt = now`.
   * Returns false when another request rotated first (or the series is gone).
   */
  rotateToken(selector: string, expectedHash: string, newHash: string, now: number): Promise<boolean>
  /** Delete one series (logout on that device, theft). */
  deleteToken(selector: string): Promise<void>
  /** Delete every series of a user but `exceptSelector`; returns how many were deleted. */
  deleteUserTokens(userId: string, exceptSelector?: string | null): Promise<number>
}

/** True when a store also implements {@link RememberTokenStore}. */
export function hasRememberTokens(store: unknown): store is RememberTokenStore {
  return !!store && typeof (store as any).getToken === 'function' && typeof (store as any).rotateToken === 'function'
}
