/**
 * @module doorman/session/seal-cache: sealed session cookies already opened, kept so that the next
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
}

/** A bounded first-in, first-out map from sealed cookie values to what they opened to. */
export class SealCache {
  readonly #entries = new Map<string, OpenedSeal>()

  /** @param max entries kept; the oldest is dropped to make room (each costs its cookie and its text). */
  constructor(readonly max: number) {}

  /** What `value` opened to, if it was opened recently. */
  get(value: string): OpenedSeal | undefined {
    return this.#entries.get(value)
  }

  /** Remember what `value` opened to. */
  set(value: string, opened: OpenedSeal): void {
    if (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value as string)
    // A cookie value is a slice of the request's Cookie header and would keep all of it alive; a
    // copy keeps only the value (paid once per new cookie, next to a decryption).
    this.#entries.set(JSON.parse(JSON.stringify(value)) as string, opened)
  }

  /** Number of values kept. */
  get size(): number {
    return this.#entries.size
  }
}
