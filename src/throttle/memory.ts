/**
 * @module internal/throttle/memory: throttle counters in this process, for development, tests and
 * single-process apps (counts are lost on restart and not shared between instances).
 *
 * @example
 * ```ts
 * import { createLoginThrottle, memoryThrottleStore } from 'doorman-login/throttle'
 * const throttle = createLoginThrottle({ store: memoryThrottleStore(), secret })
 * ```
 */
import type { ThrottleBucket, ThrottleDelta, ThrottleStore } from './types.ts'

/** The in-memory throttle store. Expired buckets are swept from the write path. */
export class MemoryThrottleStore implements ThrottleStore {
  readonly #buckets = new Map<string, ThrottleBucket>()
  #writes = 0

  /** Number of buckets held (expired ones linger until the next sweep). */
  get size(): number {
    return this.#buckets.size
  }

  async hit(key: string, windowSeconds: number, now: number, delta: ThrottleDelta = { count: 1 }): Promise<ThrottleBucket> {
    if (++this.#writes % 1000 === 0) this.prune(now)
    const live = this.#buckets.get(key)
    const b = live && live.expiresAt > now ? { ...live } : { count: 0, pending: 0, first: now, last: now, expiresAt: now + windowSeconds }
    const dc = delta.count ?? 0
    b.count = Math.max(0, b.count + dc)
    b.pending = Math.max(0, b.pending + (delta.pending ?? 0))
    if (dc > 0) b.last = now
    this.#buckets.set(key, b)
    return { ...b }
  }

  async peek(key: string, now: number): Promise<ThrottleBucket | null> {
    const b = this.#buckets.get(key)
    return b && b.expiresAt > now ? { ...b } : null
  }

  async reset(key: string): Promise<void> {
    this.#buckets.delete(key)
  }

  /** Drop every expired bucket; returns how many were dropped. */
  prune(now: number): number {
    let n = 0
    for (const [k, b] of this.#buckets) if (b.expiresAt <= now && this.#buckets.delete(k)) n++
    return n
  }
}

/** A new, empty in-memory throttle store. */
export function memoryThrottleStore(): MemoryThrottleStore {
  return new MemoryThrottleStore()
}
