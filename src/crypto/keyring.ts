/**
 * @module internal/crypto/keyring: a list of secrets for rotation, with purpose-separated keys.
 *
 * The first secret seals and signs; every secret in the list still opens, so rotating a secret is
 * "put the new one first, drop the old one once its cookies have expired" (ASVS 11.2.2). Each seal
 * names its key by a short id derived from the key, so opening never tries keys in turn and a
 * seal naming an unknown key is refused at once (ASVS 9.1.3).
 */
import { mac, open, prepareKey, seal, timingSafeEqual, type MaybePromise, type PreparedKey } from './primitives.ts'
import { utf8 } from './encoding.ts'

/** Keys for one purpose (e.g. `session`, `remember`), derived from every configured secret. */
export class Keyring {
  readonly purpose: string
  readonly #keys: PreparedKey[]
  readonly #byKid: Map<string, PreparedKey>
  /** Each key's associated data (`v1.<kid>.<purpose>`, UTF-8), encoded once rather than per seal. */
  readonly #aad: Map<PreparedKey, Uint8Array>

  private constructor(purpose: string, keys: PreparedKey[]) {
    this.purpose = purpose
    this.#keys = keys
    this.#byKid = new Map(keys.map((k) => [k.kid, k]))
    this.#aad = new Map(keys.map((k) => [k, utf8(`v1.${k.kid}.${purpose}`)]))
  }

  /** Derive the keyring for `purpose` from `secrets` (first one current). */
  static create(secrets: readonly string[], purpose: string): MaybePromise<Keyring> {
    const keys = secrets.map((s) => prepareKey(s, purpose))
    if (keys.some((k) => k instanceof Promise)) {
      return Promise.all(keys).then((ks) => new Keyring(purpose, ks))
    }
    return new Keyring(purpose, keys as PreparedKey[])
  }

  /** The key that seals and signs now. */
  get current(): PreparedKey {
    return this.#keys[0]
  }

  /** The key with this id, if it is still in the ring. */
  byKid(kid: string): PreparedKey | undefined {
    return this.#byKid.get(kid)
  }

  /**
   * Seal text as `v1.<kid>.<sealed>`; the version, kid and purpose are bound in as associated data
   * so a value sealed for one purpose or by one format version never opens as another.
   */
  seal(text: string): MaybePromise<string> {
    const k = this.current
    const head = `v1.${k.kid}`
    const body = seal(k, text, this.#aad.get(k)!)
    return typeof body === 'string' ? `${head}.${body}` : body.then((b) => `${head}.${b}`)
  }

  /**
   * Open a value sealed by {@link seal}. Returns the text and whether it was sealed by an older
   * key (so the caller can re-issue it under the current one), or null for anything else:
   * one format, no fallback decoder (rack-session CVE-2026-39324).
   */
  open(value: string): MaybePromise<{ text: string; stale: boolean } | null> {
    if (value.length < 12 || value.charCodeAt(0) !== 118 /* v */ || !value.startsWith('v1.')) return null
    const dot = value.indexOf('.', 3)
    if (dot < 0) return null
    const key = this.#byKid.get(value.slice(3, dot))
    if (!key) return null
    const stale = key !== this.#keys[0]
    // The associated data is `v1.<kid>.<purpose>`, that is, this value's own head and the purpose.
    const text = open(key, value.slice(dot + 1), this.#aad.get(key)!)
    if (text instanceof Promise) return text.then((t) => (t === null ? null : { text: t, stale }))
    return text === null ? null : { text, stale }
  }

  /**
   * A MAC tag of `text` under the current key, as `<kid>.<mac>`: how doorman stores values it must
   * recognise later but never reveal (auth epochs), and how CSRF tokens are bound to a session.
   */
  tag(text: string): MaybePromise<string> {
    const k = this.current
    const m = mac(k, text)
    return typeof m === 'string' ? `${k.kid}.${m}` : m.then((v) => `${k.kid}.${v}`)
  }

  /** Whether `tag` is a valid tag of `text` under any key still in the ring (constant-time compare). */
  checkTag(tag: unknown, text: string): MaybePromise<boolean> {
    if (typeof tag !== 'string') return false
    const dot = tag.indexOf('.')
    const key = dot > 0 ? this.#byKid.get(tag.slice(0, dot)) : undefined
    if (!key) return false
    const expected = mac(key, text)
    const given = tag.slice(dot + 1)
    return typeof expected === 'string'
      ? timingSafeEqual(given, expected)
      : expected.then((e) => timingSafeEqual(given, e))
  }
}
