/**
 * @module internal/flask/session-backend: sessions kept in Flask's own session cookie, so a Flask
 * app and a doorman app on one site share one session (`session: { format: 'flask' }`).
 *
 * Flask's rules, not doorman's sealed ones: the cookie is signed, not encrypted; its age is
 * checked against `PERMANENT_SESSION_LIFETIME` from the signing time (Flask's `max_age`), whether
 * the session is permanent or not; `_permanent` in the data is `session.permanent`; a permanent
 * session is re-signed on every request that reads it when `refreshEachRequest` (Flask's
 * `SESSION_REFRESH_EACH_REQUEST`) is on; a session emptied by the request deletes the cookie.
 * Flashes are written as Flask writes them: a list of `(category, message)` tuples.
 */
import { SessionTooLargeError } from '../errors.ts'
import { shedDoormanData } from '../flashes.ts'
import { MAX_COOKIE_SIZE, SESSION_KEYS as K } from '../defaults.ts'
import { Session, sanitizeData } from '../session/session.ts'
import { promised, type CookieWrite, type SessionBackend, type SessionRequestInfo } from '../session/backend.ts'
import type { MaybePromise } from '../crypto/primitives.ts'
import { FlaskSessionCodec, parseVerified, type DecodedFlaskSession, type VerifiedFlaskCookie } from './session-format.ts'
import { SealCache } from '../session/seal-cache.ts'
import { FlaskTuple } from './types.ts'
import type { FlaskLoginIdentifier } from './session-id.ts'
import type { FlaskSecretKey } from './itsdangerous.ts'

/** The Flask session settings after checking (see `SessionOptions`). */
export interface FlaskSessionConfig {
  /** The current `SECRET_KEY` first, then the fallbacks. */
  keys: readonly FlaskSecretKey[]
  /** `PERMANENT_SESSION_LIFETIME` in seconds: the cookie's largest age, and a permanent cookie's Max-Age. */
  lifetime: number
  /** `SESSION_REFRESH_EACH_REQUEST`. */
  refreshEachRequest: boolean
  /** How Flask-Login computes `_id`. */
  identifier: FlaskLoginIdentifier
}

const PERMANENT = '_permanent'
// Larger sessions (Flask may compress 64 KiB into a cookie) are verified afresh, to bound memory.
const CACHED_JSON_LENGTH = 8192

/** The session backend for `session.format: 'flask'`. */
export class FlaskSessionBackend implements SessionBackend {
  readonly store = null
  // session.permanent as read, to tell a change of the field from a change of `_permanent` in the data.
  readonly #readPermanent = new WeakMap<Session, boolean>()
  // Verified cookies (signature checked, payload inflated), as session.sealCache does for seals:
  // a browser repeats its cookie until the session changes. The age and the JSON are checked
  // afresh on every request, so a hit answers what verifying again would.
  readonly #cache: SealCache | null

  constructor(
    readonly codec: FlaskSessionCodec,
    readonly config: FlaskSessionConfig,
    /** The Set-Cookie header's length without its value (RFC 6265 §6.1 counts it all). */
    readonly cookieOverhead: number,
    /** Verified cookies to keep; 0 verifies every cookie afresh. */
    cacheSize = 0,
  ) {
    this.#cache = cacheSize > 0 ? new SealCache(cacheSize) : null
  }

  #verify(value: string): MaybePromise<VerifiedFlaskCookie | null> {
    const hit = this.#cache?.get(value)
    if (hit) return { json: hit.text, stale: hit.stale, timestamp: hit.parsed as number }
    const v = this.codec.verify(value)
    const keep = (x: VerifiedFlaskCookie | null) => {
      if (x && this.#cache && x.json.length <= CACHED_JSON_LENGTH) this.#cache.set(value, { text: x.json, stale: x.stale, parsed: x.timestamp })
      return x
    }
    return v instanceof Promise ? v.then(keep) : keep(v)
  }

  load(values: readonly string[], info: SessionRequestInfo): Promise<Session> {
    return promised(() => this.loadNow(values, info))
  }

  loadNow(values: readonly string[], info: SessionRequestInfo, from = 0): Session | Promise<Session> {
    for (let i = from; i < values.length; i++) {
      const v = this.#verify(values[i])
      if (v instanceof Promise) {
        return v.then((x) => {
          const d = parseVerified(x, info.now, this.config.lifetime)
          return d ? this.#session(d) : this.loadNow(values, info, i + 1)
        })
      }
      const d = parseVerified(v, info.now, this.config.lifetime)
      if (d) return this.#session(d)
    }
    return new Session({ createdAt: info.now, lastSeenAt: info.now })
  }

  #session(d: DecodedFlaskSession): Session {
    const permanent = d.data[PERMANENT] === true
    const s = new Session({
      data: sanitizeData(d.data),
      origin: 'cookie',
      // Flask keeps no creation time; the signing time is the last time the cookie was written.
      createdAt: d.timestamp,
      lastSeenAt: d.timestamp,
      permanent,
    })
    s.stale = d.stale
    this.#readPermanent.set(s, permanent)
    return s
  }

  #permanentChanged(session: Session): boolean {
    return session.permanent !== (this.#readPermanent.get(session) ?? false)
  }

  unchanged(session: Session): boolean {
    if (session.changed || session.rotated || session.stale || this.#permanentChanged(session)) return false
    // Flask's should_set_cookie: a permanent session is re-sent on every request when refreshing.
    return !(session.permanent && this.config.refreshEachRequest && !session.isEmpty)
  }

  save(session: Session, info: SessionRequestInfo): Promise<CookieWrite> {
    return promised(() => this.saveNow(session, info))
  }

  /** {@link save}, synchronous on node:crypto. */
  saveNow(session: Session, info: SessionRequestInfo): MaybePromise<CookieWrite> {
    if (this.unchanged(session)) return null
    const data: Record<string, unknown> = { ...session.toJSON() }
    // `session.permanent = x` in a handler wins over the data; otherwise `_permanent` in the data
    // decides, as in Flask where the property is that key.
    if (this.#permanentChanged(session)) {
      if (session.permanent || PERMANENT in data) data[PERMANENT] = session.permanent
    } else {
      session.permanent = data[PERMANENT] === true
    }
    // Flask's save_session: an empty session deletes the cookie if there was one, else writes nothing.
    if (Object.keys(data).length === 0) return session.origin === 'new' ? null : { expire: true }
    const flashes = data[K.flashes]
    if (Array.isArray(flashes)) data[K.flashes] = flashes.map((f) => (Array.isArray(f) && !(f instanceof FlaskTuple) ? FlaskTuple.from(f) : f))
    session.lastSeenAt = info.now
    const value = this.codec.encode(data, info.now)
    return value instanceof Promise ? value.then((v) => this.#write(session, v, info)) : this.#write(session, value, info)
  }

  #write(session: Session, value: string, info: SessionRequestInfo): MaybePromise<CookieWrite> {
    const size = this.cookieOverhead + value.length
    if (size > MAX_COOKIE_SIZE) {
      // What doorman itself wrote (flashes, a kept `next`) goes first, as for sealed cookies.
      if (shedDoormanData(session)) return this.saveNow(session, info)
      throw new SessionTooLargeError(size, MAX_COOKIE_SIZE)
    }
    return session.permanent ? { value, maxAge: this.config.lifetime } : { value }
  }
}

/** Build the backend, deriving the keys once (a promise on Web Crypto). */
export function createFlaskSessionBackend(config: FlaskSessionConfig, cookieOverhead: number, cacheSize = 0): MaybePromise<FlaskSessionBackend> {
  const codec = FlaskSessionCodec.create(config.keys)
  return codec instanceof Promise
    ? codec.then((c) => new FlaskSessionBackend(c, config, cookieOverhead, cacheSize))
    : new FlaskSessionBackend(codec, config, cookieOverhead, cacheSize)
}
