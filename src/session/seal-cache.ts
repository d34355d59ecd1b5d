/**
 * @module internal/session/seal-cache: sealed session cookies already opened, kept so that the next
 * request carrying the same cookie skips its decryption.
 *
 * A browser sends the same session cookie with every request until the session changes (a login,
 * a write, a touch at most every `touchInterval`), and opening it (AES-256-GCM, base64url, UTF-8)
 * is most of what an authenticated request costs doorman. Only values that opened under a key of
 * the keyring are kept, as the decrypted text: every request still parses it afresh and checks the
 * idle and absolute timeouts from the timestamps inside, so a hit answers exactly what opening the
 * cookie again would (the keyring cannot change during the manager's life). Keeping text rather
 * than parsed objects means a handler mutating a value in place cannot leak into the next request
 * (a session whose values are all strings, numbers and booleans may keep its parsed form, since the
 * per-request copy of it is then complete).
 */

/** What opening a sealed value gave: its text, and whether an older key sealed it. */
export interface OpenedSeal {
  text: string
  stale: boolean
  /** The parsed envelope, kept only when its data holds no objects (so copying it is enough). */
  parsed?: unknown
  /** With `parsed`: its data, sanitized and frozen, which sessions read without copying (`Session.shared`). */
  data?: Readonly<Record<string, unknown>>
}

// Seals end with their 16-byte GCM tag: the last characters tell seals apart, so they are the map
// key (hashing ~24 characters rather than the whole ~400-character cookie on every request), and
// a hit still compares the whole value.
const KEY_LENGTH = 24

// A cookie value is a slice of the request's Cookie header and would keep all of it alive; a copy
// keeps only the value (paid once per new cookie, next to a decryption).
const copy = (s: string): string => JSON.parse(JSON.stringify(s)) as string

/** A bounded first-in, first-out map from sealed cookie values to what they opened to. */
export class SealCache {
  readonly #entries = new Map<string, { value: string; opened: OpenedSeal }>()

  /** @param max entries kept; the oldest is dropped to make room (each costs its cookie and its text). */
  constructor(readonly max: number) {}

  // The last value found: a browser sends the same cookie with request after request.
  #lastValue: string | undefined
  #lastOpened: OpenedSeal | undefined

  /** What `value` opened to, if it was opened recently. */
  get(value: string): OpenedSeal | undefined {
    if (value === this.#lastValue) return this.#lastOpened
    const e = this.#entries.get(value.slice(-KEY_LENGTH))
    if (e === undefined || e.value !== value) return undefined
    this.#lastValue = value
    this.#lastOpened = e.opened
    return e.opened
  }


  /** Remember what `value` opened to. */
  set(value: string, opened: OpenedSeal): void {
    if (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value as string)
    const kept = copy(value)
    this.#entries.set(kept.slice(-KEY_LENGTH), { value: kept, opened })
  }

  /** Number of values kept. */
  get size(): number {
    return this.#entries.size
  }
}
