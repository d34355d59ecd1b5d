/**
 * Typed errors with stable codes.
 *
 * Every error doorman throws is an {@link AuthError} with a `code` that never changes between
 * versions, so apps can branch on `err.code` instead of parsing messages. Malformed input from a
 * client (a tampered cookie, a hostile `next`) is never an error: it reads as "no session".
 *
 * @example
 * ```ts
 * import { AuthError } from 'doorman-login/errors'
 * try { createLoginManager({ secret: 'short' }) } catch (e) {
 *   if (e instanceof AuthError && e.code === 'DOORMAN_CONFIG') console.error(e.message)
 * }
 * ```
 *
 * @module doorman-login/errors
 */

/** Base class of every doorman error; `code` is stable, `status` is the HTTP status it maps to. */
export class AuthError extends Error {
  /** A stable machine-readable code, e.g. `DOORMAN_CONFIG`. */
  readonly code: string
  /** The HTTP status this error maps to when it reaches a client. */
  readonly status: number
  constructor(code: string, message: string, status = 500, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.status = status
  }
  /** Same as `status`, under the name Express's and Fastify's error handlers read. */
  get statusCode(): number {
    return this.status
  }
}

/** A bad option or a missing/short secret, thrown at start-up; the message names the option. */
export class ConfigError extends AuthError {
  /** The option at fault, e.g. `remember.duration`. */
  readonly option: string
  constructor(option: string, message: string) {
    super('DOORMAN_CONFIG', `doorman: option \`${option}\` ${message}`)
    this.option = option
  }
}

/** The request needs a logged-in user (rendered as 401 or a redirect by the guards). */
export class UnauthorizedError extends AuthError {
  constructor(message = 'Authentication required.') {
    super('DOORMAN_UNAUTHORIZED', message, 401)
  }
}

/** The request needs a fresh login (rendered as 401 or a redirect to the refresh view). */
export class NeedsRefreshError extends AuthError {
  constructor(message = 'Reauthentication required.') {
    super('DOORMAN_NEEDS_REFRESH', message, 401)
  }
}

/** A cross-site or tokenless unsafe request was refused. */
export class CsrfError extends AuthError {
  /** Why the request was refused, e.g. `origin`, `token-missing`, `token-mismatch`. */
  readonly reason: string
  constructor(reason: string, message = 'Cross-site request refused.') {
    super('DOORMAN_CSRF', message, 403)
    this.reason = reason
  }
}

/**
 * The app's own session data would not fit: a sealed cookie over RFC 6265's 4096 bytes (name,
 * value and attributes; nothing was sent), or one flashed message over its limit (thrown by
 * `flash()`). doorman's own data (flashes, `next`) is dropped to fit instead, never this error.
 */
export class SessionTooLargeError extends AuthError {
  /** The size it would have had, in bytes. */
  readonly size: number
  /** The limit it is over, in bytes. */
  readonly limit: number
  constructor(size: number, limit: number, message?: string) {
    super(
      'DOORMAN_SESSION_TOO_LARGE',
      message ??
        `doorman: the session cookie would be ${size} bytes (name, value and attributes), over the ${limit}-byte limit ` +
          'browsers must accept (RFC 6265 §6.1); keep less in the session or use a server-side store',
    )
    this.size = size
    this.limit = limit
  }
}

/** The session store failed (down, timed out); doorman fails closed and answers 503. */
export class StoreError extends AuthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DOORMAN_STORE_UNAVAILABLE', message, 503, options)
  }
  /**
   * The 503 to send, no detail. Hono's default error handler sends what `getResponse()` returns
   * instead of logging a stack trace, so an outage does not log one per request (doorman logs the
   * transitions once: see the `storeStatus` event).
   */
  getResponse(): Response {
    return new Response('Service Unavailable: sessions are temporarily unavailable.', {
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5', 'cache-control': 'no-store' },
    })
  }
}

/**
 * A request body doorman had to read (the CSRF token field) was malformed (400,
 * `DOORMAN_BODY_MALFORMED`) or over the limit (413, `DOORMAN_BODY_TOO_LARGE`): the client's
 * mistake, answered as such, never a 500.
 */
export class BodyError extends AuthError {
  /** `malformed` or `too-large`. */
  readonly reason: 'malformed' | 'too-large'
  constructor(reason: 'malformed' | 'too-large', message: string, cause?: unknown) {
    super(reason === 'too-large' ? 'DOORMAN_BODY_TOO_LARGE' : 'DOORMAN_BODY_MALFORMED', `doorman: ${message}`, reason === 'too-large' ? 413 : 400, { cause })
    this.reason = reason
  }
  /** The 400 or 413 to send (Hono's default error handler sends it rather than logging a stack). */
  getResponse(): Response {
    return new Response(this.status === 413 ? 'Payload Too Large: the request body is over the limit.' : 'Bad Request: the request body could not be read.', {
      status: this.status,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    })
  }
}

/** A cookie name, value or attribute that RFC 6265 forbids; thrown by the serializer. */
export class CookieError extends AuthError {
  constructor(message: string) {
    super('DOORMAN_COOKIE', `doorman: ${message}`)
  }
}

/** A call made with a bad argument (e.g. an invalid remember-me duration). */
export class ArgumentError extends AuthError {
  constructor(message: string) {
    super('DOORMAN_ARGUMENT', `doorman: ${message}`)
  }
}

/** A doorman API used outside a request (no ambient context), or before the manager is mounted. */
export class ContextError extends AuthError {
  constructor(message: string) {
    super('DOORMAN_NO_CONTEXT', `doorman: ${message}`)
  }
}

/** A password or policy input that cannot be processed (e.g. over the length cap). */
export class PasswordError extends AuthError {
  /** Why: `too-short`, `too-long`, `breached`, `empty`. */
  readonly reason: string
  constructor(reason: string, message: string) {
    super('DOORMAN_PASSWORD', message, 400)
    this.reason = reason
  }
}

/** A login attempt refused by throttling; `retryAfter` is in seconds. */
export class ThrottledError extends AuthError {
  /** Seconds until another attempt is allowed. */
  readonly retryAfter: number
  constructor(retryAfter: number) {
    super('DOORMAN_THROTTLED', 'Too many attempts. Try again later.', 429)
    this.retryAfter = retryAfter
  }
}

/**
 * A device-list or revocation call (`listSessions`, `revokeSession`, `revokeOtherSessions`,
 * `logoutEverywhere`, `revokeUserSessions`) on a manager without a server-side store: sealed cookie
 * sessions cannot be listed or ended one by one (docs/revocation.md). Also thrown by
 * `credentialsChanged` in cookie mode when the manager has no `authEpoch`.
 */
export class NoStoreError extends AuthError {
  constructor(message = 'doorman: this needs a server-side session store (cookie sessions cannot be listed or revoked one by one)') {
    super('DOORMAN_NO_STORE', message)
  }
}

/** Every error doorman throws, as a discriminated union on `code`. */
export type AnyAuthError =
  | ConfigError
  | UnauthorizedError
  | NeedsRefreshError
  | CsrfError
  | SessionTooLargeError
  | StoreError
  | BodyError
  | CookieError
  | ArgumentError
  | ContextError
  | PasswordError
  | ThrottledError
  | NoStoreError
