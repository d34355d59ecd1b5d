/**
 * @module internal/store-health: one log line when a store goes down and one when it is back.
 *
 * During an outage every request that needs a session answers 503. Logging each of them (a stack
 * trace per request, as Hono's default error handler did) buries the one fact that matters under
 * tens of thousands of lines a second; so doorman reports the transitions only, and the 503s
 * themselves are silent. The line names the store and the cause's code, never a token, a URL or
 * a password (ASVS 16.2.5).
 */

import { AuthError, StoreError } from './errors.ts'

/** A store's availability as doorman last saw it. */
export type StoreStatus = 'down' | 'up'

/** Told of each transition: `down` with what failed, `up` when an operation succeeds again. */
export type StoreStatusListener = (status: StoreStatus, detail: { store: string; cause?: unknown }) => void

/** A short, secret-free description of a store failure: the error's code or name, no message. */
export function describeCause(cause: unknown): string {
  const e = cause as { code?: unknown; name?: unknown; errno?: unknown } | null
  const code = e && typeof e === 'object' && typeof e.code === 'string' && /^[\w.-]{1,40}$/.test(e.code) ? e.code : null
  const name = e && typeof e === 'object' && typeof e.name === 'string' && /^\w{1,40}$/.test(e.name) ? e.name : typeof cause
  return code ? `${name} ${code}` : name
}

/** The default listener: one line on stderr per transition. */
export function logStoreStatus(status: StoreStatus, detail: { store: string; cause?: unknown }): void {
  if (status === 'down') {
    console.error(`doorman: the ${detail.store} is unavailable (${describeCause(detail.cause)}); answering 503 until it is back`)
  } else {
    console.error(`doorman: the ${detail.store} is back`)
  }
}

/** Tracks one store: {@link failed} and {@link succeeded} report each transition once. */
export class StoreHealth {
  #down = false
  constructor(
    /** What to call the store in the log, e.g. `session store`. */
    readonly store: string,
    readonly listener: StoreStatusListener = logStoreStatus,
  ) {}

  /** True between a failure and the next success. */
  get down(): boolean {
    return this.#down
  }

  /** An operation failed: reported when the store was up until now. */
  failed(cause: unknown): void {
    if (this.#down) return
    this.#down = true
    this.#tell('down', cause)
  }

  /** An operation succeeded: reported when the store was down until now. Costs a field read otherwise. */
  succeeded(): void {
    if (!this.#down) return
    this.#down = false
    this.#tell('up')
  }

  #tell(status: StoreStatus, cause?: unknown): void {
    // A listener that throws must not turn a 503 (or a recovery) into a 500.
    try {
      this.listener(status, cause === undefined ? { store: this.store } : { store: this.store, cause })
    } catch {}
  }
}

/**
 * `store` with every method's failure turned into a {@link StoreError} (503, fail closed) and
 * reported to `health`, and every answer reported as the store being up. For the stores doorman
 * calls outside the session backend (remember tokens), so an outage met while restoring a
 * remembered login is a 503 logged once, not a 500 with a stack per request.
 */
export function guardStore<T extends object>(store: T, health: StoreHealth): T {
  const fail = (op: string, e: unknown): unknown => {
    if (e instanceof AuthError) return e
    health.failed(e)
    return new StoreError(`doorman: the ${health.store} failed during ${op}`, { cause: e })
  }
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver)
      if (typeof v !== 'function' || typeof prop !== 'string') return v
      return (...args: unknown[]) => {
        let out: unknown
        try {
          out = v.apply(target, args)
        } catch (e) {
          throw fail(prop, e)
        }
        if (!(out instanceof Promise)) return out
        return out.then(
          (x) => (health.succeeded(), x),
          (e) => {
            throw fail(prop, e)
          },
        )
      }
    },
  })
}
