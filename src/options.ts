/**
 * @module internal/options: everything a login manager can be told, and how each option is
 * checked. Resolution happens once, in the manager's constructor: a bad option fails at start-up
 * with a {@link ConfigError} that names it, and nothing is re-read per request.
 */
import { ConfigError } from './errors.ts'
import type { MaybePromise } from './crypto/primitives.ts'
import * as D from './defaults.ts'
import { optionSeconds } from './duration.ts'
import { AnonymousUser, defaultGetId, defaultIsActive } from './user.ts'
import { hasRememberTokens, type SessionStore } from './session/store.ts'
import type { RememberStrategy } from './remember.ts'
import { resolveSessionCap } from './devices.ts'
import type { AuthRequest } from './context.ts'
import { bool, checkKeys, COOKIE_KEYS, resolveCookie, str, type CookieOptions, type ResolvedCookie } from './cookie-options.ts'
import type { RequestAuth } from './auth.ts'
import { checkFlaskKey, FLASK_SESSION_KEYS, resolveFlaskSession } from './flask/options.ts'
import type { FlaskSessionConfig } from './flask/session-backend.ts'
import type { FlaskSecretKey } from './flask/itsdangerous.ts'
import type { RegisteredAnonymousUser } from './types.ts'

export type { CookieOptions, ResolvedCookie } from './cookie-options.ts'

/** Session settings. */
export interface SessionOptions extends CookieOptions {
  /** Idle timeout (seconds or `'30m'`), checked on the server. @default 7200 (2 h) */
  idleTimeout?: number | string
  /** Absolute timeout from creation, checked on the server. @default 43200 (12 h) */
  absoluteTimeout?: number | string
  /** Record activity at most this often. @default a tenth of the idle timeout, at most 5 minutes */
  touchInterval?: number | string
  /** Sealed cookies kept opened in memory, so one seen again is not decrypted again; 0 for none. @default 1000 */
  sealCache?: number
  /**
   * `'sealed'` (the default): doorman's encrypted cookie (or a store record). `'flask'`: Flask's own
   * signed session cookie, read and written exactly as Flask does, to share sessions with a Flask
   * app (docs/flask-session.md). Readable by the user: signed, not encrypted.
   */
  format?: 'sealed' | 'flask'
  /**
   * With `format: 'flask'`: the Flask app's `SECRET_KEY` (text or bytes), or a list: the current key
   * first, then Flask 3.1's `SECRET_KEY_FALLBACKS` (accepted, never used to sign).
   */
  flaskSecretKey?: FlaskSecretKey | readonly FlaskSecretKey[]
  /** With `format: 'flask'`: Flask's `PERMANENT_SESSION_LIFETIME`. @default 31 days */
  permanentSessionLifetime?: number | string
  /** With `format: 'flask'`: Flask's `SESSION_REFRESH_EACH_REQUEST`. @default true */
  refreshEachRequest?: boolean
  /**
   * With `format: 'flask'`: how the Flask app's Flask-Login computes the session identifier `_id`:
   * `'0.6'` (every released 0.6.x) or `'main'` (its unreleased main branch). @default '0.6'
   */
  flaskLoginIdentifier?: '0.6' | 'main'
}

/** Remember-me settings, Flask-Login's `REMEMBER_COOKIE_*`. */
export interface RememberOptions extends CookieOptions {
  /** Default lifetime of a remember-me login. @default 365 days */
  duration?: number | string | { days?: number; hours?: number; minutes?: number; seconds?: number }
  /** Re-issue the cookie with a later expiry on each request that carried it. @default false */
  refreshEachRequest?: boolean
  /**
   * Token format. `'stored'` (the default when `store` also keeps remember tokens): per-device,
   * rotating, revocable tokens (docs/remember-me.md). `'sealed'` (the default without such a
   * store): encrypted, epoch-bound, expiry checked on the server, revocable only through the epoch.
   * `'flask-login'`: Flask-Login's exact cookie, for sharing users with a Flask app (no server-side
   * expiry, no revocation). Or any {@link RememberStrategy}.
   */
  format?: 'sealed' | 'stored' | 'flask-login' | RememberStrategy
  /** With stored tokens: how long a just-replaced validator is still accepted. @default 60 s */
  rotationGrace?: number | string
  /** The Flask app's `SECRET_KEY` (text or bytes), for `format: 'flask-login'`. */
  flaskSecretKey?: FlaskSecretKey
}

/** Everything a manager can be told. `U` is the app's user type. */
export interface LoginManagerOptions<U extends object> {
  /** Secret, or a list for rotation (first one current); at least 32 characters each. */
  secret: string | readonly string[]
  /** Load a user from the id stored in the session; null/undefined means anonymous. */
  userLoader?(id: string): MaybePromise<U | null | undefined>
  /** Authenticate one request from its headers (API tokens); nothing is written to the session. */
  requestLoader?(request: AuthRequest): MaybePromise<U | null | undefined>
  /** Read a user's id. @default `user.getId()` or `user.id` */
  getId?(user: U): string | number
  /** Whether a user is active. @default `user.isActive !== false` */
  isActive?(user: U): boolean
  /**
   * Factory of the anonymous user. @default `() => new AnonymousUser()`
   * Register its type as `Register['anonymousUser']` so that `currentUser()` is typed with it.
   */
  anonymousUser?: () => RegisteredAnonymousUser
  /**
   * The user's auth epoch (e.g. derived from the password hash, or a session-version column):
   * when it changes, every session and remember cookie of that user stops working.
   */
  authEpoch?(user: U): MaybePromise<string | number | null | undefined>
  /** Server-side session store; without one, sessions are sealed cookies. */
  store?: SessionStore | null
  /**
   * Most concurrent sessions one user may have (ASVS 7.1.2), checked by `loginUser`; needs a
   * `store`. @default unlimited
   */
  maxSessionsPerUser?: number | null
  /**
   * At the cap: `'evict-oldest'` ends the user's oldest sessions (and their remember tokens) to
   * make room; `'refuse'` makes `loginUser` return false. Both fire `sessionLimitReached`.
   * @default 'evict-oldest'
   */
  sessionCapPolicy?: 'evict-oldest' | 'refuse'
  /** Session cookie and timeouts. */
  session?: SessionOptions
  /** Remember-me cookie and token format. */
  remember?: RememberOptions
  /** `'basic'` (default), `'strong'` or `'off'` (Flask-Login's `session_protection`). */
  sessionProtection?: 'off' | 'basic' | 'strong' | null
  /** Where anonymous users are sent (Flask-Login's `login_view`); unset: 401. */
  loginView?: string | null
  /** Per-area login views by path prefix (Flask-Login's `blueprint_login_views`). */
  loginViews?: Record<string, string>
  /** Where non-fresh users are sent (Flask-Login's `refresh_view`); unset: 401. */
  refreshView?: string | null
  /** Per-area refresh views by path prefix. */
  refreshViews?: Record<string, string>
  /** Flashed on redirect to the login view; empty string flashes nothing. */
  loginMessage?: string
  /** Category of the login message. @default 'message' */
  loginMessageCategory?: string
  /** Flashed on redirect to the refresh view. */
  needsRefreshMessage?: string
  /** Category of the needs-refresh message. @default 'message' */
  needsRefreshMessageCategory?: string
  /** Translate messages before they are flashed (Flask-Login's `localize_callback`). */
  localize?: (message: string) => string
  /** Query field for the return URL. @default 'next' */
  nextField?: string
  /** Keep `next` in the session instead of the query (`USE_SESSION_FOR_NEXT`). */
  useSessionForNext?: boolean
  /** Host to put in login redirects (`FORCE_HOST_FOR_REDIRECTS`). */
  forceHostForRedirects?: string | null
  /** Replace the unauthorized flow entirely; its response is used as is. */
  unauthorizedHandler?(auth: RequestAuth<U>): MaybePromise<Response>
  /** Replace the needs-refresh flow entirely. */
  needsRefreshHandler?(auth: RequestAuth<U>): MaybePromise<Response>
  /** Methods the guards let through. @default ['OPTIONS'] */
  exemptMethods?: readonly string[]
  /** Trust `X-Forwarded-For`/`-Proto`: `true` for the first hop, a number for that many proxies. @default false */
  trustProxy?: boolean | number
  /** Enable `currentUser()`, `loginUser()`… without a request argument (AsyncLocalStorage). @default false */
  ambient?: boolean
  /** Challenge sent with JSON 401 answers. @default 'Bearer' */
  wwwAuthenticate?: string
  /** Clock in milliseconds, for tests. @default Date.now */
  now?: () => number
}

const KNOWN = new Set([
  'secret', 'userLoader', 'requestLoader', 'getId', 'isActive', 'anonymousUser', 'authEpoch', 'store', 'session',
  'remember', 'sessionProtection', 'loginView', 'loginViews', 'refreshView', 'refreshViews', 'loginMessage',
  'loginMessageCategory', 'needsRefreshMessage', 'needsRefreshMessageCategory', 'localize', 'nextField',
  'useSessionForNext', 'forceHostForRedirects', 'unauthorizedHandler', 'needsRefreshHandler', 'exemptMethods',
  'trustProxy', 'ambient', 'wwwAuthenticate', 'now', 'maxSessionsPerUser', 'sessionCapPolicy',
])
const SESSION_KEYS_ALLOWED = new Set([...COOKIE_KEYS, 'idleTimeout', 'absoluteTimeout', 'touchInterval', 'sealCache', ...FLASK_SESSION_KEYS])
const REMEMBER_KEYS_ALLOWED = new Set([...COOKIE_KEYS, 'duration', 'refreshEachRequest', 'format', 'flaskSecretKey', 'rotationGrace'])
// Placeholders people paste from docs; refusing them costs nothing and saves a real incident.
const WELL_KNOWN = new Set(['change-me-to-a-long-random-secret-value', 'x'.repeat(32), '0'.repeat(32)])

/** The options after checking, with every default applied. */
export interface ResolvedOptions<U extends object> {
  secrets: readonly string[]
  sessionCookie: ResolvedCookie
  rememberCookie: ResolvedCookie & { duration: number; refreshEachRequest: boolean }
  timeouts: { idleTimeout: number; absoluteTimeout: number; touchInterval: number }
  sealCache: number
  /** Flask's session format settings, or null for doorman's sealed cookie / store. */
  flaskSession: FlaskSessionConfig | null
  sessionProtection: 'off' | 'basic' | 'strong'
  exemptMethods: ReadonlySet<string>
  nextField: string
  rememberFormat: NonNullable<RememberOptions['format']>
  rotationGrace: number | undefined
  sessionCap: { max: number; policy: 'evict-oldest' | 'refuse' } | null
  getId: (user: U) => string
  isActive: (user: U) => boolean
  anonymousUser: () => RegisteredAnonymousUser
  now: () => number
}

/** Check every option and apply the defaults; throws {@link ConfigError} naming the first bad option. */
export function resolveOptions<U extends object>(options: LoginManagerOptions<U>): ResolvedOptions<U> {
  const out = {} as ResolvedOptions<U>
  if (!options || typeof options !== 'object') throw new ConfigError('options', 'must be an object')
  for (const k of Object.keys(options)) if (!KNOWN.has(k)) throw new ConfigError(k, 'is not a doorman option')
  out.secrets = checkSecrets(options.secret)
  for (const k of ['userLoader', 'requestLoader', 'getId', 'isActive', 'anonymousUser', 'authEpoch', 'localize',
    'unauthorizedHandler', 'needsRefreshHandler', 'now'] as const) {
    if (options[k] != null && typeof options[k] !== 'function') throw new ConfigError(k, 'must be a function')
  }
  const s = options.session ?? {}
  checkKeys('session', s, SESSION_KEYS_ALLOWED)
  const r = options.remember ?? {}
  checkKeys('remember', r, REMEMBER_KEYS_ALLOWED)
  out.sessionCookie = resolveCookie('session', s, D.SESSION_COOKIE_NAME)
  out.flaskSession = resolveFlaskSession(s as Record<string, unknown>, options)
  out.rememberCookie = {
    ...resolveCookie('remember', r, D.REMEMBER_COOKIE_NAME),
    duration: r.duration === undefined ? D.REMEMBER_DURATION : optionSeconds('remember.duration', r.duration),
    refreshEachRequest: bool('remember.refreshEachRequest', r.refreshEachRequest, false),
  }
  const idle = s.idleTimeout === undefined ? D.IDLE_TIMEOUT : optionSeconds('session.idleTimeout', s.idleTimeout)
  const absolute = s.absoluteTimeout === undefined ? D.ABSOLUTE_TIMEOUT : optionSeconds('session.absoluteTimeout', s.absoluteTimeout)
  if (absolute < idle) throw new ConfigError('session.absoluteTimeout', 'must not be shorter than session.idleTimeout')
  const touch = s.touchInterval === undefined ? Math.min(300, Math.max(1, Math.floor(idle / 10))) : optionSeconds('session.touchInterval', s.touchInterval)
  out.timeouts = { idleTimeout: idle, absoluteTimeout: absolute, touchInterval: touch }
  out.sealCache = s.sealCache ?? 1000
  if (!Number.isSafeInteger(out.sealCache) || out.sealCache < 0) throw new ConfigError('session.sealCache', 'must be a whole number, 0 or more')
  const sp = options.sessionProtection ?? D.SESSION_PROTECTION
  if (!['off', 'basic', 'strong'].includes(sp)) throw new ConfigError('sessionProtection', "must be 'off', 'basic' or 'strong'")
  out.sessionProtection = sp
  const em = options.exemptMethods ?? D.EXEMPT_METHODS
  if (!Array.isArray(em) || em.some((m) => typeof m !== 'string')) throw new ConfigError('exemptMethods', 'must be an array of method names')
  out.exemptMethods = new Set(em.map((m) => m.toUpperCase()))
  out.nextField = str('nextField', options.nextField, D.NEXT_FIELD)
  for (const k of ['loginView', 'refreshView', 'forceHostForRedirects', 'loginMessage', 'needsRefreshMessage',
    'loginMessageCategory', 'needsRefreshMessageCategory', 'wwwAuthenticate'] as const) {
    if (options[k] != null && typeof options[k] !== 'string') throw new ConfigError(k, 'must be a string')
  }
  for (const k of ['loginViews', 'refreshViews'] as const) {
    const v = options[k]
    if (v == null) continue
    if (typeof v !== 'object' || Object.entries(v).some(([p, u]) => !p.startsWith('/') || typeof u !== 'string')) {
      throw new ConfigError(k, "must map path prefixes ('/admin') to login URLs")
    }
  }
  const tp = options.trustProxy ?? false
  if (typeof tp !== 'boolean' && !(Number.isInteger(tp) && tp >= 0)) throw new ConfigError('trustProxy', 'must be a boolean or a number of proxies')
  for (const k of ['ambient', 'useSessionForNext'] as const) bool(k, options[k], false)
  if (options.store != null) {
    for (const m of ['get', 'create', 'update', 'rotate', 'touch', 'destroy', 'destroyUserSessions', 'listUserSessions']) {
      if (typeof (options.store as any)[m] !== 'function') throw new ConfigError('store', `must implement SessionStore (missing ${m}())`)
    }
  }
  const fmt = r.format ?? (hasRememberTokens(options.store) ? 'stored' : 'sealed')
  if (fmt === 'stored' && !hasRememberTokens(options.store)) {
    throw new ConfigError('remember.format', "'stored' needs a store that keeps remember tokens (getToken, rotateToken…)")
  }
  out.rotationGrace = r.rotationGrace === undefined ? undefined : optionSeconds('remember.rotationGrace', r.rotationGrace)
  if (out.rotationGrace !== undefined && out.rotationGrace > 3600) throw new ConfigError('remember.rotationGrace', 'must be at most 1 hour (it weakens theft detection)')
  out.sessionCap = resolveSessionCap(options)
  if (fmt === 'flask-login') {
    if (r.flaskSecretKey == null) {
      throw new ConfigError('remember.flaskSecretKey', "is required with format 'flask-login' (the Flask app's SECRET_KEY)")
    }
    checkFlaskKey('remember.flaskSecretKey', r.flaskSecretKey, false)
  } else if (fmt !== 'sealed' && fmt !== 'stored' && (typeof fmt !== 'object' || typeof (fmt as any).verify !== 'function')) {
    throw new ConfigError('remember.format', "must be 'sealed', 'stored', 'flask-login' or a RememberStrategy")
  }
  out.getId = options.getId ? (u) => String(options.getId!(u)) : defaultGetId
  out.isActive = options.isActive ?? defaultIsActive
  out.anonymousUser = options.anonymousUser ?? (() => new AnonymousUser())
  out.now = options.now ?? Date.now
  out.rememberFormat = fmt
  return out
}

function checkSecrets(secret: unknown): string[] {
  const list = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? secret : null
  if (!list || list.length === 0) throw new ConfigError('secret', 'is required: a random string of at least 32 characters (or a list, newest first)')
  for (const s of list) {
    if (typeof s !== 'string') throw new ConfigError('secret', 'must be a string or a list of strings')
    if (s.length < D.MIN_SECRET_LENGTH) throw new ConfigError('secret', `must be at least ${D.MIN_SECRET_LENGTH} characters (got ${s.length})`)
    if (WELL_KNOWN.has(s) || new Set(s).size < 8) throw new ConfigError('secret', 'is a well-known or low-entropy value; generate a random one')
  }
  return list
}
