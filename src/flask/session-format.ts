/**
 * @module internal/flask/session-format: Flask's session cookie, whole: what
 * `SecureCookieSessionInterface` writes with `URLSafeTimedSerializer(keys, salt='cookie-session',
 * serializer=TaggedJSONSerializer(), signer_kwargs={key_derivation: 'hmac', digest_method: sha1})`
 * and reads with `loads(value, max_age=PERMANENT_SESSION_LIFETIME)`.
 *
 * Anything wrong (a bad signature, a foreign key, an age over `maxAge` or below zero, a bad
 * encoding, a payload over {@link MAX_INFLATED} once inflated, JSON Flask would not read, a data
 * root that is not a dict) reads as null: no session, never an exception.
 */
import { fromUtf8 } from '../crypto/encoding.ts'
import { prepareHmacKey, type HmacKey, type MaybePromise } from '../crypto/primitives.ts'
import { MAX_COOKIE_SIZE } from '../defaults.ts'
import { deriveKey, dumpPayload, loadPayload, signTimed, unsignTimed, type FlaskSecretKey, type Unsigned } from './itsdangerous.ts'
import { dumpsTagged, loadsTagged } from './tagged-json.ts'

export type { FlaskSecretKey } from './itsdangerous.ts'
export { MAX_INFLATED } from './itsdangerous.ts'

/** A Flask session read from its cookie. */
export interface DecodedFlaskSession {
  /** The session dict, with Flask-only values as {@link FlaskTuple} & co. */
  data: Record<string, unknown>
  /** When the cookie was signed, in seconds since the epoch. */
  timestamp: number
  /** True when a fallback key (not the current one) verified it. */
  stale: boolean
}

/**
 * Flask's session signer for a list of keys, the current one first and then the accepted
 * fallbacks (Flask 3.1's `SECRET_KEY_FALLBACKS`). Keys are derived once, here.
 */
export class FlaskSessionCodec {
  readonly #keys: readonly HmacKey[]
  private constructor(derivedKeys: readonly Uint8Array[]) {
    this.#keys = derivedKeys.map((k) => prepareHmacKey('sha1', k))
  }

  /** Derive the keys: synchronous on node:crypto, a promise on Web Crypto. */
  static create(keys: readonly FlaskSecretKey[]): MaybePromise<FlaskSessionCodec> {
    if (!keys.length) throw new TypeError('FlaskSessionCodec needs at least one key')
    const derived = keys.map((k) => deriveKey(k))
    if (derived.some((d) => d instanceof Promise)) return Promise.all(derived).then((d) => new FlaskSessionCodec(d))
    return new FlaskSessionCodec(derived as Uint8Array[])
  }

  /** Read a cookie value; null for anything Flask would not open as this session. */
  decode(value: string, now: number, maxAge: number): MaybePromise<DecodedFlaskSession | null> {
    const v = this.verify(value)
    return v instanceof Promise ? v.then((x) => parseVerified(x, now, maxAge)) : parseVerified(v, now, maxAge)
  }

  /**
   * The signed, cacheable half of {@link decode}: signature, timestamp, payload inflated to JSON
   * text. What it answers for a value never changes, so it may be remembered; the age and the
   * JSON are checked on every use by {@link parseVerified}.
   */
  verify(value: string): MaybePromise<VerifiedFlaskCookie | null> {
    // A browser never sends a cookie over 4096 bytes; anything bigger is forged and not worth a hash.
    if (typeof value !== 'string' || value.length > MAX_COOKIE_SIZE) return null
    const u = unsignTimed(value, this.#keys)
    if (u === null) return null
    return u instanceof Promise ? u.then((x) => x && payloadOf(x)) : payloadOf(u)
  }

  /** Write `data` signed at `timestamp` (seconds) under the current key. */
  encode(data: Record<string, unknown>, timestamp: number): MaybePromise<string> {
    const payload = dumpPayload(dumpsTagged(data))
    return payload instanceof Promise ? payload.then((p) => signTimed(p, timestamp, this.#keys[0])) : signTimed(payload, timestamp, this.#keys[0])
  }
}

/** A cookie whose signature verified: its JSON text, signing time and key (see {@link FlaskSessionCodec.verify}). */
export interface VerifiedFlaskCookie {
  json: string
  timestamp: number
  stale: boolean
}

function payloadOf(u: Unsigned): MaybePromise<VerifiedFlaskCookie | null> {
  const bytes = loadPayload(u.payload)
  const finish = (b: Uint8Array | null) => {
    const json = b && fromUtf8(b)
    return json == null ? null : { json, timestamp: u.timestamp, stale: u.keyIndex > 0 }
  }
  return bytes instanceof Promise ? bytes.then(finish) : finish(bytes)
}

/** The age check and JSON of a verified cookie: a fresh session dict each call, or null. */
export function parseVerified(v: VerifiedFlaskCookie | null, now: number, maxAge: number): DecodedFlaskSession | null {
  if (!v) return null
  // itsdangerous: `age > max_age` or `age < 0` is SignatureExpired, which open_session treats as no session.
  const age = now - v.timestamp
  if (age > maxAge || age < 0) return null
  let data: unknown
  try {
    data = loadsTagged(v.json)
  } catch {
    return null
  }
  // `SecureCookieSession(data)` needs a dict; Flask itself never signs anything else here.
  if (!data || typeof data !== 'object' || Array.isArray(data) || Object.getPrototypeOf(data) !== Object.prototype) return null
  return { data: data as Record<string, unknown>, timestamp: v.timestamp, stale: v.stale }
}

/** Options of {@link decodeFlaskSession} and {@link encodeFlaskSession}. */
export interface FlaskSessionCodecOptions {
  /** The Flask app's `SECRET_KEY`, or a list: the current key first, then `SECRET_KEY_FALLBACKS`. */
  secretKey: FlaskSecretKey | readonly FlaskSecretKey[]
  /** Reading: largest accepted age in seconds (`PERMANENT_SESSION_LIFETIME`). @default 2678400 (31 days) */
  maxAge?: number
  /** Now (reading) or the signing time (writing), in seconds. @default the clock */
  now?: number
}

const keysOf = (k: FlaskSessionCodecOptions['secretKey']): FlaskSecretKey[] => (Array.isArray(k) ? [...k] : [k as FlaskSecretKey])
const nowOf = (o: FlaskSessionCodecOptions) => o.now ?? Math.floor(Date.now() / 1000)

/**
 * Read a Flask session cookie outside a manager (tests, scripts, a migration): the session dict,
 * or null when Flask would not open it.
 *
 * @example
 * ```ts
 * const s = await decodeFlaskSession(cookieValue, { secretKey: process.env.FLASK_SECRET_KEY! })
 * s?.data._user_id
 * ```
 */
export async function decodeFlaskSession(value: string, options: FlaskSessionCodecOptions): Promise<DecodedFlaskSession | null> {
  const codec = await FlaskSessionCodec.create(keysOf(options.secretKey))
  return codec.decode(value, nowOf(options), options.maxAge ?? 31 * 24 * 3600)
}

/**
 * Write a Flask session cookie value, byte for byte what Flask writes for the same data and time
 * when the payload is not compressed (a compressed one inflates to Flask's exact JSON).
 *
 * @example
 * ```ts
 * const value = await encodeFlaskSession({ _user_id: '1', _fresh: true }, { secretKey })
 * ```
 */
export async function encodeFlaskSession(data: Record<string, unknown>, options: FlaskSessionCodecOptions): Promise<string> {
  const codec = await FlaskSessionCodec.create(keysOf(options.secretKey))
  return codec.encode(data, nowOf(options))
}
