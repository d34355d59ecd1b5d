/** @module internal/throttle/types: the throttle's data types and the store interface, re-exported by `doorman-login/throttle`. */

/** One counter as a store keeps it. Times are seconds since the epoch (the throttle's clock). */
export interface ThrottleBucket {
  /** Failures counted in this window. */
  count: number
  /** Attempts let through by `check()` and not yet reported as a failure or a success. */
  pending: number
  /** When the window started (its first hit). */
  first: number
  /** When `count` last went up (or `first`). */
  last: number
  /** When the window ends and the bucket starts again from zero: `first + window`. */
  expiresAt: number
}

/** Change applied by {@link ThrottleStore.hit}: added to the counters, which never go below 0. */
export interface ThrottleDelta {
  count?: number
  pending?: number
}

/**
 * Where throttle counters live. Keys are opaque (`a:`, `n:`, `p:`, `c:`, `t:` and an HMAC: never a
 * username or an address); stores add their own prefix or table. Run `testThrottleStore` from
 * `doorman-login/testing` against an implementation.
 */
export interface ThrottleStore {
  /**
   * Atomically apply `delta` (default `{ count: 1 }`) to the bucket under `key` and return it.
   * A missing or expired bucket (`expiresAt <= now`) starts again from zero with a window of
   * `windowSeconds` from `now`; `last` moves to `now` when `count` goes up.
   */
  hit(key: string, windowSeconds: number, now: number, delta?: ThrottleDelta): Promise<ThrottleBucket>
  /** The live bucket under `key`, or null when missing or expired. Never writes. */
  peek(key: string, now: number): Promise<ThrottleBucket | null>
  /** Delete the bucket under `key` (no error when missing). */
  reset(key: string): Promise<void>
}

/** A login attempt: who it is for and where it comes from. */
export interface LoginAttempt {
  /** The account name as typed; case-folded and NFKC-normalised for counting. */
  username: string
  /** The client address (`auth.ip`); IPv6 counts by its /64, IPv4-mapped IPv6 as IPv4. */
  ip: string | null | undefined
  /** The app vouches for this client (e.g. a device cookie of this account): no account backoff. */
  trusted?: boolean
}

/** What {@link LoginThrottle.check} says. */
export interface ThrottleVerdict {
  /** Whether to go on and check the password. */
  allowed: boolean
  /** Seconds to wait before the next attempt (0 when allowed): the `Retry-After` value. */
  retryAfter: number
  /** Which limit refused it: the client network's, the account-and-network pair's, or the account's backoff. */
  reason?: 'address' | 'account-address' | 'account'
}

/** Payload of `onLoginFailure` (ASVS 6.1.1): no password, no token. */
export interface LoginFailureEvent {
  username: string
  ip: string | null | undefined
  /** The counting bucket of the address (`4:…` or `6:…/64`). */
  network: string
  /** Failures in the current windows, this one included. */
  failures: { account: number; accountAddress: number; address: number }
}
