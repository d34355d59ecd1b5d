/**
 * @module internal/flask/options: checking `session: { format: 'flask', ... }` and the Flask keys
 * (`session.flaskSecretKey`, `remember.flaskSecretKey`) once, at start-up, naming the bad option.
 */
import { ConfigError } from '../errors.ts'
import { optionSeconds } from '../duration.ts'
import { bool } from '../cookie-options.ts'
import { utf8 } from '../crypto/encoding.ts'
import type { FlaskSecretKey } from './itsdangerous.ts'
import type { FlaskSessionConfig } from './session-backend.ts'

/** Flask's default `PERMANENT_SESSION_LIFETIME`: 31 days. */
export const PERMANENT_SESSION_LIFETIME = 31 * 24 * 3600
/** Shortest Flask session key accepted, in bytes (what `os.urandom(16)` gives: 128 bits). */
export const MIN_FLASK_KEY_BYTES = 16

/** The `session` options only the Flask format reads. */
export const FLASK_SESSION_KEYS = ['format', 'flaskSecretKey', 'permanentSessionLifetime', 'refreshEachRequest', 'flaskLoginIdentifier']
// doorman's own expiry model has no meaning in Flask's cookie; saying so beats ignoring them.
const SEALED_ONLY = ['idleTimeout', 'absoluteTimeout', 'touchInterval']
// Placeholders from tutorials and docs: refusing them costs nothing and saves a real incident.
const WELL_KNOWN = new Set(['super secret key', 'dev', 'secret', 'changeme', 'change-me', 'your-secret-key', 'secret-key'])

/** What `session` says about the Flask format (a subset of `SessionOptions`). */
export interface FlaskSessionInput {
  format?: 'sealed' | 'flask'
  flaskSecretKey?: FlaskSecretKey | readonly FlaskSecretKey[]
  permanentSessionLifetime?: number | string
  refreshEachRequest?: boolean
  flaskLoginIdentifier?: '0.6' | 'main'
  [key: string]: unknown
}

/**
 * Check the Flask session options; null when the format is doorman's sealed one.
 * `others` are the manager options that cannot go with Flask's cookie.
 */
export function resolveFlaskSession(s: FlaskSessionInput, others: { store?: unknown; authEpoch?: unknown }): FlaskSessionConfig | null {
  const format = s.format ?? 'sealed'
  if (format !== 'sealed' && format !== 'flask') throw new ConfigError('session.format', "must be 'sealed' or 'flask'")
  if (format === 'sealed') {
    for (const k of FLASK_SESSION_KEYS) {
      if (k !== 'format' && s[k] !== undefined) throw new ConfigError(`session.${k}`, "only applies with session.format 'flask'")
    }
    return null
  }
  for (const k of SEALED_ONLY) {
    if (s[k] !== undefined) {
      throw new ConfigError(`session.${k}`, "does not apply with session.format 'flask' (Flask's cookie expires by session.permanentSessionLifetime)")
    }
  }
  if (others.store != null) throw new ConfigError('store', "cannot be used with session.format 'flask': the session lives in Flask's cookie")
  if (others.authEpoch != null) {
    throw new ConfigError('authEpoch', "cannot be checked on sessions the Flask app creates (session.format 'flask'); make getId include a credential version instead, as Flask-Login's alternative tokens do")
  }
  const given = s.flaskSecretKey
  if (given === undefined || given === null || (Array.isArray(given) && given.length === 0)) {
    throw new ConfigError('session.flaskSecretKey', "is required with session.format 'flask' (the Flask app's SECRET_KEY, then its SECRET_KEY_FALLBACKS)")
  }
  const list = (Array.isArray(given) ? given : [given]) as unknown[]
  const keys = list.map((k) => checkFlaskKey('session.flaskSecretKey', k, true))
  const lifetime = s.permanentSessionLifetime === undefined ? PERMANENT_SESSION_LIFETIME : optionSeconds('session.permanentSessionLifetime', s.permanentSessionLifetime)
  if (lifetime < 1) throw new ConfigError('session.permanentSessionLifetime', 'must be at least one second')
  const identifier = s.flaskLoginIdentifier ?? '0.6'
  if (identifier !== '0.6' && identifier !== 'main') throw new ConfigError('session.flaskLoginIdentifier', "must be '0.6' (released Flask-Login) or 'main'")
  return { keys, lifetime, refreshEachRequest: bool('session.refreshEachRequest', s.refreshEachRequest, true), identifier }
}

/**
 * Check one Flask secret key: text or bytes. `strong` (the session key) also demands 16 bytes and
 * some variety, since anyone who guesses it can sign any session; the remember key keeps
 * Flask-Login's own leniency (its test key is "deterministic") but must be Latin-1 text, the
 * only text Flask-Login 0.6 can turn into key bytes (`key.encode('latin1')`).
 */
export function checkFlaskKey(option: string, key: unknown, strong: boolean): FlaskSecretKey {
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) throw new ConfigError(option, 'must be a string or a Uint8Array (or a list of them)')
  if (key.length === 0) throw new ConfigError(option, 'must not be empty')
  if (!strong) {
    // eslint-disable-next-line no-control-regex
    if (typeof key === 'string' && /[^\x00-\xff]/.test(key)) {
      throw new ConfigError(option, "has characters beyond Latin-1, which Flask-Login 0.6 cannot encode (key.encode('latin1')); give the key as bytes")
    }
    return key
  }
  const bytes = typeof key === 'string' ? utf8(key) : key
  if (bytes.length < MIN_FLASK_KEY_BYTES) throw new ConfigError(option, `must be at least ${MIN_FLASK_KEY_BYTES} bytes (got ${bytes.length}); Flask suggests secrets.token_hex()`)
  if ((typeof key === 'string' && WELL_KNOWN.has(key.toLowerCase())) || new Set(bytes).size < 8) {
    throw new ConfigError(option, 'is a well-known or low-entropy value; generate a random one')
  }
  return key
}

/** The Flask-Login remember key, as key bytes the way Flask-Login 0.6's `_secret_key` makes them. */
export function flaskLoginKeyBytes(key: FlaskSecretKey): Uint8Array {
  if (key instanceof Uint8Array) return key
  const out = new Uint8Array(key.length)
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i)
  return out
}
