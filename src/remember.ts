/**
 * @module internal/remember: remember-me tokens.
 *
 * Three strategies behind one interface. The default for cookie-only apps is a sealed token that
 * carries the user id, the user's auth epoch (so changing the password revokes every remember
 * cookie of that user) and an absolute expiry checked on the server. `flask-login` reproduces
 * Flask-Login's `<id>|<hex HMAC-SHA512>` cookie so a Flask app and a doorman app on one domain can
 * share remembered users; it cannot expire or be revoked and is opt-in only. With a server-side
 * store, `StoredRemember` (src/remember-tokens.ts) keeps per-device selector/validator tokens that
 * rotate on use and can be revoked one by one.
 */
import { hmacSha512Hex, timingSafeEqual } from './crypto/primitives.ts'
import type { Keyring } from './crypto/keyring.ts'
import { fromUtf8, utf8 } from './crypto/encoding.ts'
import { MAX_COOKIE_SIZE } from './defaults.ts'
import { flaskLoginKeyBytes } from './flask/options.ts'
import type { FlaskSecretKey } from './flask/itsdangerous.ts'

/** What a verified remember token says. */
export interface RememberClaim {
  /** The remembered user's id (as `getId` returns it). */
  userId: string
  /** The auth-epoch hash the token was issued under, or null when the format has none. */
  epoch: string | null
  /** A rotated cookie value to send back in place of the one presented, if the strategy rotates. */
  rotated?: { value: string; maxAge: number }
  /** The token's selector, for strategies that store tokens (links it to the session). */
  selector?: string
}

/** Context for issuing or verifying a token. */
export interface RememberContext {
  /** Now, seconds since the epoch. */
  now: number
  /** Client address. */
  ip?: string | null
  /** User agent. */
  userAgent?: string | null
}

/** A remember-me token strategy. */
export interface RememberStrategy {
  /** Issue a token for a user; returns the cookie value (and selector, for stored tokens). */
  issue(userId: string, epoch: string | null, duration: number, ctx: RememberContext): Promise<{ value: string; selector?: string }>
  /**
   * Verify a presented token. `null` means "not valid, ignore"; `'theft'` means a stored token was
   * replayed after rotation (the strategy has already revoked that device's tokens).
   */
  verify(value: string, ctx: RememberContext): Promise<RememberClaim | null | { theft: true; userId: string }>
  /** Verify without side effects (no rotation), for `isRemembered()`. */
  peek(value: string, ctx: RememberContext): Promise<boolean>
  /** Revoke the token presented (logout on this device). */
  revoke(value: string): Promise<void>
  /** Revoke every token of a user but `exceptSelector` (log out everywhere / other devices), when the strategy can. */
  revokeUser?(userId: string, exceptSelector?: string | null): Promise<void>
  /** Revoke a token by selector (revoking a session from the device list). */
  revokeSelector?(selector: string): Promise<void>
  /**
   * Whether the series under `selector` still exists (not revoked, not expired). A store-backed
   * restore asks once it has written its session, so that a logout racing it cannot leave that
   * session alive (docs/security.md); strategies without server-side tokens leave it out.
   */
  isLive?(selector: string): Promise<boolean>
  /** True when tokens live on the server and can be revoked one by one. */
  readonly revocable: boolean
}

/** The default: a sealed, epoch-bound, server-checked-expiry token. */
export class SealedRemember implements RememberStrategy {
  readonly revocable = false
  constructor(readonly keyring: Keyring) {}

  async issue(userId: string, epoch: string | null, duration: number, ctx: RememberContext) {
    const claim = { u: userId, e: epoch, x: ctx.now + duration }
    return { value: await this.keyring.seal(JSON.stringify(claim)) }
  }

  async verify(value: string, ctx: RememberContext): Promise<RememberClaim | null> {
    if (value.length > MAX_COOKIE_SIZE) return null
    const opened = await this.keyring.open(value)
    if (!opened) return null
    let c: any
    try {
      c = JSON.parse(opened.text)
    } catch {
      return null
    }
    if (!c || typeof c.u !== 'string' || !Number.isSafeInteger(c.x)) return null
    // The expiry inside the seal is what counts, not the cookie's (Devise CVE-2015-8314).
    if (c.x <= ctx.now) return null
    return { userId: c.u, epoch: typeof c.e === 'string' ? c.e : null }
  }

  async peek(value: string, ctx: RememberContext): Promise<boolean> {
    return (await this.verify(value, ctx)) !== null
  }

  async revoke(): Promise<void> {}
}

/**
 * Flask-Login's cookie: `<id>|<hex HMAC-SHA512(secret, id)>`, the secret's text read as Latin-1
 * bytes (`str.encode('latin1')` in `_secret_key`). No expiry on the server, no epoch, identical
 * on every device: for interoperability only.
 */
export class FlaskLoginRemember implements RememberStrategy {
  readonly revocable = false
  readonly #key: Uint8Array
  /** `secret`: text (Latin-1, as Flask-Login 0.6 encodes it) or bytes. */
  constructor(secret: FlaskSecretKey) {
    this.#key = flaskLoginKeyBytes(secret)
  }

  /** Flask-Login's `encode_cookie`. */
  async encode(userId: string): Promise<string> {
    return `${userId}|${await hmacSha512Hex(this.#key, userId)}`
  }

  async issue(userId: string) {
    const value = await this.encode(userId)
    // Cookie values are ASCII without separators (RFC 6265); Flask-Login ids are usually plain,
    // anything else travels percent-encoded and is decoded by verify().
    return { value: /^[\x21-\x7e]*$/.test(value) && !/[;,"\\%]/.test(value) ? value : encodeURIComponent(value).replace(/%7C/g, '|') }
  }

  async verify(value: string): Promise<RememberClaim | null> {
    if (value.length > MAX_COOKIE_SIZE) return null
    // Browsers and Werkzeug may quote or percent-encode the `|` (Flask sends it as is).
    const raw = value.includes('%') ? safeDecode(value) : value
    if (raw === null) return null
    const bar = raw.lastIndexOf('|')
    if (bar <= 0) return null
    const userId = raw.slice(0, bar)
    const digest = raw.slice(bar + 1)
    if (!/^[0-9a-f]{128}$/.test(digest)) return null
    if (!timingSafeEqual(digest, await hmacSha512Hex(this.#key, userId))) return null
    return { userId, epoch: null }
  }

  async peek(value: string): Promise<boolean> {
    return (await this.verify(value)) !== null
  }

  async revoke(): Promise<void> {}
}

function safeDecode(v: string): string | null {
  try {
    const s = decodeURIComponent(v)
    return fromUtf8(utf8(s))
  } catch {
    return null
  }
}
