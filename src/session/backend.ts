/**
 * @module internal/session/backend: how a session is read from its cookie and written back.
 *
 * Two backends share one shape. The sealed-cookie backend keeps the whole session inside an
 * AES-256-GCM seal (no infrastructure), here. The store backend (store-backend.ts) keeps logged-in sessions in a
 * {@link SessionStore} under the hash of a random token, and keeps pre-login data (a flash, `next`,
 * a CSRF token) in a seal, so anonymous traffic never creates a row (Django CVE-2015-5143).
 * Idle and absolute expiry are checked here from server-side timestamps, whatever the cookie's
 * own Expires says (CVE-2024-35220).
 */
import { SessionTooLargeError } from '../errors.ts'
import { randomToken } from '../crypto/primitives.ts'
import type { Keyring } from '../crypto/keyring.ts'
import { MAX_COOKIE_SIZE } from '../defaults.ts'
import { Session, sanitizeData } from './session.ts'
import { SealCache, type OpenedSeal } from './seal-cache.ts'
import { shedDoormanData } from '../flashes.ts'
import type { SessionStore } from './store.ts'

/** What a backend needs to know about the request it serves. */
export interface SessionRequestInfo {
  /** Now, in seconds since the epoch. */
  now: number
  /** Client address, for the device list. */
  ip?: string | null
  /** User agent, for the device list. */
  userAgent?: string | null
}

/** What to do with the session cookie: set it (with an optional Max-Age), expire it, or nothing. */
export type CookieWrite = { value: string; maxAge?: number } | { expire: true } | null

/** Timeouts and limits shared by both backends (seconds). */
export interface SessionTimeouts {
  idleTimeout: number
  absoluteTimeout: number
  /** Activity is recorded at most this often, so steady traffic does not rewrite the cookie each time. */
  touchInterval: number
}

/** Reads and writes sessions for one manager. */
export interface SessionBackend {
  /** Read the first valid session among the cookie values (several when a cookie is tossed). */
  load(values: readonly string[], info: SessionRequestInfo): Promise<Session>
  /**
   * {@link load}, answering synchronously when it can (a sealed cookie on node:crypto): the hot
   * path then waits for no microtask. May throw; optional for backends that are always async.
   */
  loadNow?(values: readonly string[], info: SessionRequestInfo): Session | Promise<Session>
  /**
   * True when this backend refuses any cookie value with a character outside its own format, so
   * the cookie reader need not check the characters first (see `getCookiesUnchecked`). Optional.
   */
  readonly checksValues?: boolean
  /** True when {@link save} would write nothing and return null, so a caller may skip it. Optional. */
  unchanged?(session: Session, now: number): boolean
  /** Persist a session at the end of a request and say what to do with the cookie. */
  save(session: Session, info: SessionRequestInfo): Promise<CookieWrite>
  /** The store behind this backend, when there is one. */
  readonly store: SessionStore | null
}

/** Whether a session is past its idle or absolute timeout (or stamped in the future). */
export function expired(createdAt: number, lastSeenAt: number, t: SessionTimeouts, now: number): boolean {
  return now - lastSeenAt > t.idleTimeout || now - createdAt > t.absoluteTimeout || lastSeenAt > now + 300
}

function onlyPrimitives(d: unknown): boolean {
  if (!d || typeof d !== 'object' || Array.isArray(d)) return false
  for (const k in d) {
    const v = (d as Record<string, unknown>)[k]
    if (v !== null && typeof v === 'object') return false
  }
  return true
}

/** When a session expires: its idle or absolute end, whichever is first. */
export function expiresAt(s: { createdAt: number; lastSeenAt: number }, t: SessionTimeouts): number {
  return Math.min(s.lastSeenAt + t.idleTimeout, s.createdAt + t.absoluteTimeout)
}

const NOTHING: Promise<CookieWrite> = Promise.resolve(null)

/**
 * Run a function that answers now or later, as a promise: a throw becomes a rejection. The
 * synchronous fast paths (`loadNow`, `sessionNow`, `commitNow`…) keep their promise-returning
 * forms through this.
 */
export function promised<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    const v = fn()
    return v instanceof Promise ? v : Promise.resolve(v)
  } catch (e) {
    return Promise.reject(e)
  }
}

/** The sealed-cookie backend. */
export class CookieSessionBackend implements SessionBackend {
  readonly store = null
  readonly #cache: SealCache | null
  constructor(
    readonly keyring: Keyring,
    readonly timeouts: SessionTimeouts,
    /**
     * Bytes of the Set-Cookie line besides the value (name, `=` and the longest attributes this
     * cookie can have), counted against RFC 6265 §6.1's 4096 as browsers must accept them.
     */
    readonly cookieOverhead: number,
    /** Opened seals to keep (see {@link SealCache}); 0 opens every cookie afresh. */
    sealCache = 0,
  ) {
    this.#cache = sealCache > 0 ? new SealCache(sealCache) : null
  }

  /**
   * A sealed value is `v1.<kid>.<base64url>`: the keyring refuses any other character (an unknown
   * kid, a body outside the base64url alphabet) and the seal cache holds only values it opened.
   */
  readonly checksValues = true

  /** Open one sealed value into a session, or null when it is not a valid, unexpired seal. */
  async open(value: string, now: number): Promise<Session | null> {
    return this.#open(value, now)
  }

  /** {@link open}, synchronous on node:crypto. May throw. */
  openNow(value: string, now: number): Session | null | Promise<Session | null> {
    return this.#open(value, now)
  }

  // Synchronous on node:crypto, so that reading a sealed session waits for no microtask.
  #open(value: string, now: number): Session | null | Promise<Session | null> {
    // A browser never sends a cookie over 4096 bytes; anything bigger is forged and not worth opening.
    if (value.length > MAX_COOKIE_SIZE) return null
    const cache = this.#cache
    const hit = cache?.get(value)
    if (hit) return this.#session(hit, now)
    const opened = this.keyring.open(value)
    if (opened instanceof Promise) return opened.then((o) => (o && cache?.set(value, o), this.#session(o, now)))
    if (opened && cache) cache.set(value, opened)
    return this.#session(opened, now)
  }

  #session(opened: OpenedSeal | null, now: number): Session | null {
    if (!opened) return null
    const kept = opened.parsed as { i: string; c: number; a: number; p?: number } | undefined
    if (kept) {
      // A cached seal of primitives only: its sanitized data is shared, read-only, by every request
      // carrying this cookie, and copied by a request that writes (Session.shared).
      if (expired(kept.c, kept.a, this.timeouts, now)) return null
      const s = Session.shared(opened.data!, kept.i, 'cookie', kept.c, kept.a, kept.p === 1)
      s.stale = opened.stale
      return s
    }
    let env: any
    try {
      env = JSON.parse(opened.text)
    } catch {
      return null
    }
    if (!env || typeof env !== 'object' || typeof env.i !== 'string') return null
    if (!Number.isSafeInteger(env.c) || !Number.isSafeInteger(env.a)) return null
    const data = sanitizeData(env.d)
    // Nested values are parsed afresh on each request, so a handler changing one in place cannot
    // reach the next request; a session of primitives only is kept parsed, frozen and shared.
    if (this.#cache && onlyPrimitives(env.d)) {
      opened.data = Object.freeze(data)
      opened.parsed = env
      return this.#session(opened, now)
    }
    if (expired(env.c, env.a, this.timeouts, now)) return null
    const s = new Session({ id: env.i, data, origin: 'cookie', createdAt: env.c, lastSeenAt: env.a, permanent: env.p === 1 })
    s.stale = opened.stale
    return s
  }

  load(values: readonly string[], info: SessionRequestInfo): Promise<Session> {
    return promised(() => this.loadNow(values, info))
  }

  loadNow(values: readonly string[], info: SessionRequestInfo): Session | Promise<Session> {
    for (let i = 0; i < values.length; i++) {
      const s = this.#open(values[i], info.now)
      if (s instanceof Promise) return this.#loadRest(s, values, i, info)
      if (s) return s
    }
    return new Session({ createdAt: info.now, lastSeenAt: info.now })
  }

  // The same loop once a seal has to be opened asynchronously (Web Crypto).
  async #loadRest(pending: Promise<Session | null>, values: readonly string[], i: number, info: SessionRequestInfo): Promise<Session> {
    const first = await pending
    if (first) return first
    for (let j = i + 1; j < values.length; j++) {
      const s = await this.#open(values[j], info.now)
      if (s) return s
    }
    return new Session({ createdAt: info.now, lastSeenAt: info.now })
  }

  unchanged(session: Session, now: number): boolean {
    return !session.changed && !session.rotated && !session.stale && now - session.lastSeenAt < this.timeouts.touchInterval
  }

  save(session: Session, info: SessionRequestInfo): Promise<CookieWrite> {
    // The common case, an unchanged session inside its touch interval, allocates nothing.
    if (this.unchanged(session, info.now)) return NOTHING
    return this.#write(session, info)
  }

  async #write(session: Session, info: SessionRequestInfo): Promise<CookieWrite> {
    if (session.isEmpty) return session.origin === 'new' ? null : { expire: true }
    if (session.origin === 'new' && !session.changed) return null
    // A session regenerated this request starts now by the manager's clock (Session.regenerate uses the wall clock).
    if (session.rotated) session.createdAt = info.now
    session.lastSeenAt = info.now
    session.id ??= randomToken(16)
    let value = await this.#seal(session)
    // RFC 6265 §6.1 counts name, value and attributes. Over it, doorman's own data (flashes, a
    // kept `next`) is dropped first, so nothing doorman wrote can fail a request or lock a user
    // out; what is left over the limit is the app's, which must hear of it rather than lose it.
    while (this.cookieOverhead + value.length > MAX_COOKIE_SIZE) {
      if (!shedDoormanData(session)) throw new SessionTooLargeError(this.cookieOverhead + value.length, MAX_COOKIE_SIZE)
      if (session.isEmpty) return session.origin === 'new' ? null : { expire: true }
      value = await this.#seal(session)
    }
    return session.permanent ? { value, maxAge: Math.max(1, expiresAt(session, this.timeouts) - info.now) } : { value }
  }

  #seal(session: Session): Promise<string> | string {
    const env = { i: session.id, c: session.createdAt, a: session.lastSeenAt, p: session.permanent ? 1 : 0, d: session.toJSON() }
    return this.keyring.seal(JSON.stringify(env))
  }
}
