/**
 * An in-process session store, for development, tests and
 * single-process apps that accept losing sessions on restart.
 *
 * @example
 * ```ts
 * import { memoryStore } from 'doorman-login/stores/memory'
 * const manager = createLoginManager({ secret, userLoader, store: memoryStore() })
 * ```
 *
 * @module doorman-login/stores/memory
 */
import type { RememberTokenRecord, RememberTokenStore, SessionRecord, SessionStore, StoredSession } from '../session/store.ts'

interface Entry {
  record: string
  userId: string
  expires: number
  selector: string | null
}

/**
 * The in-memory store: sessions and per-device remember tokens. Records are kept as JSON so
 * callers can never alias stored state.
 */
export class MemoryStore implements SessionStore, RememberTokenStore {
  readonly #entries = new Map<string, Entry>()
  readonly #byUser = new Map<string, Set<string>>()
  readonly #tokens = new Map<string, { record: string; userId: string; expires: number }>()
  readonly #now: () => number
  #writes = 0

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
  }

  /** Number of live records (expired ones may linger until the next sweep). */
  get size(): number {
    return this.#entries.size
  }

  #live(id: string): Entry | undefined {
    const e = this.#entries.get(id)
    if (e && e.expires <= this.#now() / 1000) {
      this.#remove(id)
      return undefined
    }
    return e
  }

  #remove(id: string): boolean {
    const e = this.#entries.get(id)
    if (!e) return false
    this.#entries.delete(id)
    const set = this.#byUser.get(e.userId)
    set?.delete(id)
    if (set && !set.size) this.#byUser.delete(e.userId)
    return true
  }

  #put(id: string, record: SessionRecord, ttl: number): void {
    const old = this.#entries.get(id)
    if (old && old.userId !== record.userId) this.#remove(id)
    const expires = Math.min(record.expiresAt, this.#now() / 1000 + ttl)
    this.#entries.set(id, { record: JSON.stringify(record), userId: record.userId, expires, selector: record.rememberSelector ?? null })
    let set = this.#byUser.get(record.userId)
    if (!set) this.#byUser.set(record.userId, (set = new Set()))
    set.add(id)
    // Sweep now and then so abandoned sessions do not pile up (amortised O(1) per write).
    if (++this.#writes % 1000 === 0) this.sweep()
  }

  /** Remove every expired record. */
  sweep(): number {
    const now = this.#now() / 1000
    let n = 0
    for (const [id, e] of this.#entries) if (e.expires <= now && this.#remove(id)) n++
    for (const [sel, t] of this.#tokens) if (t.expires <= now && this.#tokens.delete(sel)) n++
    return n
  }

  async get(id: string): Promise<SessionRecord | null> {
    const e = this.#live(id)
    return e ? (JSON.parse(e.record) as SessionRecord) : null
  }

  async create(id: string, record: SessionRecord, ttl: number): Promise<void> {
    this.#put(id, record, ttl)
  }

  async update(id: string, record: SessionRecord, ttl: number): Promise<boolean> {
    if (!this.#live(id)) return false
    this.#put(id, record, ttl)
    return true
  }

  // Synchronous up to the end: no other request can run between the check and the move.
  async rotate(previousId: string, id: string, record: SessionRecord, ttl: number): Promise<boolean> {
    if (!this.#live(previousId)) return false
    this.#remove(previousId)
    this.#put(id, record, ttl)
    return true
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number, ttl: number): Promise<boolean> {
    const e = this.#live(id)
    if (!e) return false
    const rec = JSON.parse(e.record) as SessionRecord
    rec.lastSeenAt = lastSeenAt
    rec.expiresAt = expiresAt
    this.#put(id, rec, ttl)
    return true
  }

  async destroy(id: string): Promise<void> {
    this.#remove(id)
  }

  async destroyUserSessions(userId: string, exceptId?: string | null): Promise<number> {
    let n = 0
    for (const id of [...(this.#byUser.get(userId) ?? [])]) {
      if (id !== exceptId && this.#remove(id)) n++
    }
    return n
  }

  async listUserSessions(userId: string): Promise<StoredSession[]> {
    const out: StoredSession[] = []
    for (const id of [...(this.#byUser.get(userId) ?? [])]) {
      const e = this.#live(id)
      if (e) out.push({ id, record: JSON.parse(e.record) })
    }
    return out.sort((a, b) => a.record.createdAt - b.record.createdAt || (a.id < b.id ? -1 : 1))
  }

  async destroySessionsBySelector(selector: string): Promise<number> {
    let n = 0
    for (const [id, e] of [...this.#entries]) if (e.selector === selector && this.#remove(id)) n++
    return n
  }

  // Remember-me tokens. JavaScript runs each method up to its first await without interruption,
  // so the compare-and-swap in rotateToken is atomic as long as it awaits nothing in between.

  #liveToken(selector: string): RememberTokenRecord | null {
    const t = this.#tokens.get(selector)
    if (!t) return null
    const rec = JSON.parse(t.record) as RememberTokenRecord
    if (t.expires <= this.#now() / 1000 || rec.expiresAt <= this.#now() / 1000) {
      this.#tokens.delete(selector)
      return null
    }
    return rec
  }

  async getToken(selector: string): Promise<RememberTokenRecord | null> {
    return this.#liveToken(selector)
  }

  async createToken(record: RememberTokenRecord, ttl: number): Promise<void> {
    const expires = Math.min(record.expiresAt, this.#now() / 1000 + ttl)
    this.#tokens.set(record.selector, { record: JSON.stringify(record), userId: record.userId, expires })
    if (++this.#writes % 1000 === 0) this.sweep()
  }

  async rotateToken(selector: string, expectedHash: string, newHash: string, now: number): Promise<boolean> {
    const rec = this.#liveToken(selector)
    if (!rec || rec.validatorHash !== expectedHash) return false
    const t = this.#tokens.get(selector)!
    Object.assign(rec, { previousHash: expectedHash, validatorHash: newHash, rotatedAt: now, lastUsedAt: now })
    this.#tokens.set(selector, { ...t, record: JSON.stringify(rec) })
    return true
  }

  async deleteToken(selector: string): Promise<void> {
    this.#tokens.delete(selector)
  }

  async deleteUserTokens(userId: string, exceptSelector?: string | null): Promise<number> {
    let n = 0
    for (const [sel, t] of [...this.#tokens]) {
      if (t.userId === userId && sel !== exceptSelector && this.#tokens.delete(sel)) n++
    }
    return n
  }

  /** Number of live remember-token series (expired ones may linger until the next sweep). */
  get tokenCount(): number {
    return this.#tokens.size
  }
}

/**
 * Create an in-memory store.
 *
 * @param options.now - clock in milliseconds, for tests.
 */
export function memoryStore(options?: { now?: () => number }): MemoryStore {
  return new MemoryStore(options)
}
