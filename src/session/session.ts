/**
 * @module internal/session/session: the per-request session object.
 *
 * A plain key/value map with a `changed` flag (marked on write, as fastify-secure-session does,
 * rather than hashing the data to detect changes), plus the timestamps the server checks for idle
 * and absolute expiry. doorman's own keys start with `_` (see `SESSION_KEYS`); the rest is the app's.
 */

/** Keys that must never become own properties of a session map (prototype pollution, ASVS 15.3.6). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Copy parsed JSON into a null-prototype map, dropping prototype-polluting keys. */
export function sanitizeData(input: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null)
  if (!input || typeof input !== 'object' || Array.isArray(input)) return out
  for (const k of Object.keys(input)) {
    if (!FORBIDDEN_KEYS.has(k)) out[k] = (input as any)[k]
  }
  return out
}

/** Where the session came from, for the backend that saves it. */
export type SessionOrigin = 'new' | 'cookie' | 'store'

/**
 * The session of one request. Reads are free; writes mark it `changed`, and only a changed,
 * rotated or destroyed session is written back, so a request that changes nothing sends no
 * `Set-Cookie` (Flask-Login parity H41).
 *
 * @example
 * ```ts
 * const session = await req.auth.session()
 * session.set('theme', 'dark')
 * session.get('theme') // 'dark'
 * ```
 */
export class Session {
  #data: Record<string, unknown>
  // True while #data is a map shared with other requests (a seal-cache hit, see `shared()`): the
  // first write copies it, so a request that only reads (most of them) copies nothing.
  #borrowed = false
  /** Server-side id: a random id inside the seal, or the store key (a hash of the cookie token). */
  id: string | null
  /** How this session was read: a new one, a sealed cookie, or a store record. */
  origin: SessionOrigin
  /** Seconds since the epoch when this session was created (absolute timeout). */
  createdAt: number
  /** Seconds since the epoch of the last recorded activity (idle timeout). */
  lastSeenAt: number
  /** True when the data changed and must be written back. */
  changed = false
  /** True when the id must change (login, logout, re-authentication): the old record is destroyed. */
  rotated = false
  /** The store key this session had before rotation, destroyed on save. */
  previousId: string | null = null
  /** True when the cookie was read under an old key and must be re-issued under the current one. */
  stale = false
  /** When true the session cookie outlives the browser (Max-Age to the absolute expiry). */
  permanent: boolean

  constructor(init?: {
    id?: string | null
    data?: Record<string, unknown>
    origin?: SessionOrigin
    createdAt?: number
    lastSeenAt?: number
    permanent?: boolean
  }) {
    const now = Math.floor(Date.now() / 1000)
    this.#data = init?.data ?? Object.create(null)
    this.id = init?.id ?? null
    this.origin = init?.origin ?? 'new'
    this.createdAt = init?.createdAt ?? now
    this.lastSeenAt = init?.lastSeenAt ?? now
    this.permanent = init?.permanent ?? false
  }

  /** True when the session holds no data at all. */
  get isEmpty(): boolean {
    for (const _ in this.#data) return false
    return true
  }

  /** True when no valid session cookie came with the request. */
  get isNew(): boolean {
    return this.origin === 'new'
  }

  /** The value under `key`, or undefined. */
  get<T = unknown>(key: string): T | undefined {
    return this.#data[key] as T | undefined
  }

  /** Whether `key` is set. */
  has(key: string): boolean {
    return key in this.#data
  }

  /** Set `key` to a JSON-serialisable value. */
  set(key: string, value: unknown): void {
    if (FORBIDDEN_KEYS.has(key)) throw new TypeError(`doorman: "${key}" cannot be a session key`)
    if (value === undefined) {
      this.delete(key)
      return
    }
    if (this.#borrowed) this.#own()
    this.#data[key] = value
    this.changed = true
  }

  /** Remove `key`; returns whether it was there. */
  delete(key: string): boolean {
    if (!(key in this.#data)) return false
    if (this.#borrowed) this.#own()
    delete this.#data[key]
    this.changed = true
    return true
  }

  /** Remove `key` and return its value (Flask's `session.pop`). */
  pop<T = unknown>(key: string): T | undefined {
    const v = this.#data[key] as T | undefined
    this.delete(key)
    return v
  }

  /** The keys in the session. */
  keys(): string[] {
    return Object.keys(this.#data)
  }

  /** Remove every key. */
  clear(): void {
    if (this.isEmpty) return
    this.#data = Object.create(null)
    this.#borrowed = false
    this.changed = true
  }

  /**
   * Give the session a new id (and a new creation time), keeping only `keep` keys. The old
   * server-side record is destroyed when the session is saved: the defence against session
   * fixation (ASVS 7.2.4, passport CVE-2022-25896). With a store, a logged-in session moves to
   * its new id only if its old record still exists when it is saved: if a logout ended it
   * meanwhile, nothing is written and the request ends anonymous (`loginUser` excepted: a fresh
   * login stands on its own).
   */
  regenerate(keep?: readonly string[]): void {
    if (keep) {
      const next: Record<string, unknown> = Object.create(null)
      for (const k of keep) if (k in this.#data) next[k] = this.#data[k]
      this.#data = next
      this.#borrowed = false
    }
    if (this.origin === 'store' && this.id && !this.previousId) this.previousId = this.id
    this.id = null
    this.rotated = true
    this.changed = true
    const now = Math.floor(Date.now() / 1000)
    this.createdAt = now
    this.lastSeenAt = now
  }

  /** The data as a plain object, for saving. */
  toJSON(): Record<string, unknown> {
    return this.#data
  }

  /**
   * A session over `data` without copying it: `data` must be a sanitized null-prototype map of
   * primitives only (strings, numbers, booleans, null) that nobody writes to, since other
   * requests read the same map. This session copies it on its first write.
   */
  static shared(data: Readonly<Record<string, unknown>>, id: string, origin: SessionOrigin, createdAt: number, lastSeenAt: number, permanent: boolean): Session {
    const s = new Session({ id, data: data as Record<string, unknown>, origin, createdAt, lastSeenAt, permanent })
    s.#borrowed = true
    return s
  }

  #own(): void {
    const copy: Record<string, unknown> = Object.create(null)
    const src = this.#data
    for (const k in src) copy[k] = src[k]
    this.#data = copy
    this.#borrowed = false
  }
}
