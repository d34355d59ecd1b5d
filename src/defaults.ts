/**
 * @module internal/defaults: every default doorman uses, one documented constant each.
 *
 * Options are resolved once, when the manager is created; nothing reads these per request.
 */

/** Session cookie name. Flask calls its cookie `session` too. */
export const SESSION_COOKIE_NAME = 'session'
/** Remember-me cookie name, Flask-Login's `REMEMBER_COOKIE_NAME`. */
export const REMEMBER_COOKIE_NAME = 'remember_token'
/** Remember-me lifetime in seconds: Flask-Login's 365 days. */
export const REMEMBER_DURATION = 365 * 24 * 3600
/**
 * Idle timeout in seconds: a session unused this long is over, checked on the server from the
 * timestamp inside the seal or the store record. Two hours follows Laravel's default `lifetime`
 * and sits inside NIST 800-63B's AAL1 guidance; remember-me is what survives longer.
 */
export const IDLE_TIMEOUT = 2 * 3600
/**
 * Absolute timeout in seconds: no session lives longer than this from its creation, however
 * active (OWASP: 4–8 h for office apps; the Copenhagen Book: about 12 h). Remember-me restores
 * the user into a new, non-fresh session after it.
 */
export const ABSOLUTE_TIMEOUT = 12 * 3600
/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis); longer Max-Age values are cut. */
export const MAX_COOKIE_AGE = 400 * 24 * 3600
/** Largest cookie (name + value + attributes) browsers are required to keep (RFC 6265 §6.1). */
export const MAX_COOKIE_SIZE = 4096
/**
 * Most flashed messages kept waiting in a session; the oldest are dropped first. A page that
 * never reads its flashes (a static or single-page login page, an API client, a crawler) would
 * otherwise stack one message per redirect until the cookie passed 4 KB.
 */
export const MAX_FLASHES = 10
/**
 * Largest flashed message (category and text, UTF-8 bytes). A longer one is app data that cannot
 * fit a cookie beside the rest of the session: `flash()` throws `SessionTooLargeError` at once.
 */
export const MAX_FLASH_SIZE = 1024
/** Flask-Login's `login_message`. */
export const LOGIN_MESSAGE = 'Please log in to access this page.'
/** Flask-Login's `login_message_category`. */
export const LOGIN_MESSAGE_CATEGORY = 'message'
/** Flask-Login's `needs_refresh_message`. */
export const NEEDS_REFRESH_MESSAGE = 'Please reauthenticate to access this page.'
/** Flask-Login's `needs_refresh_message_category`. */
export const NEEDS_REFRESH_MESSAGE_CATEGORY = 'message'
/** Query field that carries the page to return to, Flask-Login's `next`. */
export const NEXT_FIELD = 'next'
/** Methods the guards let through, Flask-Login's `EXEMPT_METHODS` (CORS preflights). */
export const EXEMPT_METHODS: readonly string[] = ['OPTIONS']
/** Smallest secret accepted, in characters (iron-session's bar; 256 bits of hex). */
export const MIN_SECRET_LENGTH = 32
/** Challenge sent with JSON 401s (RFC 9110 §11.6.1 requires one). */
export const WWW_AUTHENTICATE = 'Bearer'
/** Session protection mode, Flask-Login's default. */
export const SESSION_PROTECTION = 'basic'
/** Grace window in seconds in which a just-rotated remember validator is still accepted. */
export const REMEMBER_ROTATION_GRACE = 60

/**
 * Session keys owned by doorman. Strong session protection and logout remove exactly these;
 * everything else in the session belongs to the app. The names are Flask-Login's where it has one.
 */
export const SESSION_KEYS = {
  userId: '_user_id',
  fresh: '_fresh',
  freshAt: '_fresh_at',
  identifier: '_id',
  epoch: '_epoch',
  remember: '_remember',
  rememberSeconds: '_remember_seconds',
  next: 'next',
  flashes: '_flashes',
  csrf: '_csrf_token',
} as const

/** The keys strong session protection purges (Flask-Login's `SESSION_KEYS`, minus flashes). */
export const AUTH_KEYS: readonly string[] = [
  SESSION_KEYS.userId,
  SESSION_KEYS.fresh,
  SESSION_KEYS.freshAt,
  SESSION_KEYS.identifier,
  SESSION_KEYS.epoch,
  SESSION_KEYS.remember,
  SESSION_KEYS.rememberSeconds,
  SESSION_KEYS.next,
]
