/**
 * @module internal/remember-tokens: revocable, per-device remember-me tokens kept in a store
 * (security.md §5). The default remember format whenever the manager's `store` also implements
 * {@link RememberTokenStore}.
 *
 * The cookie is `<selector>.<validator>`: a 16-byte selector (the public lookup key) and a 32-byte
 * validator (the secret), both CSPRNG output in base64url, with fixed lengths checked before any
 * store lookup. The store keeps only SHA-256 of the validator, compared in constant time, and an
 * absolute expiry that rotation never pushes back (Devise CVE-2015-8314). Each use rotates the
 * validator with a compare-and-swap; the previous validator stays acceptable for a short grace
 * window so that tabs restored in parallel after a browser restart do not log the user out
 * (Spring Security #3079, Miller 2010). Any other validator presented for a known selector is
 * treated as theft: the series is deleted, with the sessions it created.
 */
import { randomToken, sha256, timingSafeEqual } from './crypto/primitives.ts'
import { fromBase64Url } from './crypto/encoding.ts'
import { REMEMBER_ROTATION_GRACE } from './defaults.ts'
import type { RememberClaim, RememberContext, RememberStrategy } from './remember.ts'
import type { RememberTokenRecord, RememberTokenStore, SessionStore } from './session/store.ts'

/** Selector size in bytes (128 bits; security.md asks ≥ 96). */
export const SELECTOR_BYTES = 16
/** Validator size in bytes (256 bits; security.md asks ≥ 128). */
export const VALIDATOR_BYTES = 32
// Unpadded base64url lengths of the two parts: 22 and 43 characters, 66 with the dot.
const COOKIE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/

/** Options of {@link StoredRemember}. */
export interface StoredRememberOptions {
  /**
   * Seconds after a rotation during which the replaced validator is still accepted (without
   * issuing another cookie). @default 60 (`REMEMBER_ROTATION_GRACE`)
   */
  rotationGrace?: number
  /**
   * The session store, so that a logout and a suspected theft also end the sessions that token
   * created. Without it, a remember-me restore still running when the user logs out can leave its
   * session alive (docs/remember-me.md). The manager passes its `store` to the default format.
   */
  sessions?: SessionStore | null
}

/** A theft verdict: a known selector came with a validator that is neither current nor in grace. */
export interface RememberTheft {
  theft: true
  userId: string
}

/** Split a cookie value into selector and validator, or null unless both are canonical and of the right size. */
export function parseRememberToken(value: unknown): { selector: string; validator: string } | null {
  if (typeof value !== 'string' || value.length !== 66) return null
  const m = COOKIE.exec(value)
  if (!m) return null
  // Canonical encodings only: a value with non-zero padding bits is a different string for the same bytes.
  const s = fromBase64Url(m[1])
  const v = fromBase64Url(m[2])
  if (!s || s.length !== SELECTOR_BYTES || !v || v.length !== VALIDATOR_BYTES) return null
  return { selector: m[1], validator: m[2] }
}

/**
 * Per-device remember-me tokens over a {@link RememberTokenStore}.
 *
 * @example
 * ```ts
 * // Implicit: any store that keeps remember tokens makes this the default format.
 * const manager = createLoginManager({ secret, userLoader, store: memoryStore() })
 * // Explicit, e.g. tokens in a different store than sessions. Pass the session store: a logout
 * // then also ends the sessions a restore still running wrote, and theft ends the device's sessions.
 * const manager = createLoginManager({ secret, userLoader, store, remember: { format: new StoredRemember(tokens, { sessions: store }) } })
 * ```
 */
export class StoredRemember implements RememberStrategy {
  readonly revocable = true
  /** The grace window in seconds. */
  readonly rotationGrace: number
  readonly #sessions: SessionStore | null

  constructor(
    readonly tokens: RememberTokenStore,
    options: StoredRememberOptions = {},
  ) {
    const g = options.rotationGrace ?? REMEMBER_ROTATION_GRACE
    if (!Number.isSafeInteger(g) || g < 0) throw new TypeError('doorman: rotationGrace must be a whole number of seconds ≥ 0')
    this.rotationGrace = g
    this.#sessions = options.sessions ?? null
  }

  /** Start a new series for one device; `epoch` is the auth-epoch tag to bind it to. */
  async issue(userId: string, epoch: string | null, duration: number, ctx: RememberContext): Promise<{ value: string; selector: string }> {
    const selector = randomToken(SELECTOR_BYTES)
    const validator = randomToken(VALIDATOR_BYTES)
    const record: RememberTokenRecord = {
      selector,
      validatorHash: await sha256(validator),
      previousHash: null,
      rotatedAt: null,
      userId,
      createdAt: ctx.now,
      expiresAt: ctx.now + duration,
      lastUsedAt: ctx.now,
      epoch,
    }
    await this.tokens.createToken(record, Math.max(1, duration))
    return { value: `${selector}.${validator}`, selector }
  }

  /**
   * Check a presented token. The current validator rotates (the claim carries the new cookie);
   * the previous one within the grace window, or a lost rotation race, is accepted without a new
   * cookie; anything else for a known selector is theft.
   */
  async verify(value: string, ctx: RememberContext): Promise<RememberClaim | RememberTheft | null> {
    const parts = parseRememberToken(value)
    if (!parts) return null
    const rec = await this.tokens.getToken(parts.selector)
    // Unknown selectors are ignored: they prove nothing about any user.
    if (!rec || rec.expiresAt <= ctx.now) return null
    const hash = await sha256(parts.validator)
    const claim = (rotated?: RememberClaim['rotated']): RememberClaim => ({
      userId: rec.userId,
      epoch: rec.epoch ?? null,
      selector: rec.selector,
      ...(rotated ? { rotated } : {}),
    })
    if (timingSafeEqual(hash, rec.validatorHash)) {
      const next = randomToken(VALIDATOR_BYTES)
      if (await this.tokens.rotateToken(rec.selector, rec.validatorHash, await sha256(next), ctx.now)) {
        // The cookie lives until the series' absolute expiry, never longer (Devise CVE-2015-8314).
        return claim({ value: `${rec.selector}.${next}`, maxAge: Math.max(1, rec.expiresAt - ctx.now) })
      }
      // A parallel request rotated first: its response carries the new cookie, and this one must
      // not overwrite it. Accept only if the series still exists with our validator as the previous one.
      const again = await this.tokens.getToken(rec.selector)
      if (again && again.expiresAt > ctx.now && again.previousHash && timingSafeEqual(hash, again.previousHash)) return claim()
      return null
    }
    if (this.#inGrace(rec, hash, ctx.now)) return claim()
    await this.#burn(rec.selector)
    return { theft: true, userId: rec.userId }
  }

  /** Like {@link verify} without rotating or revoking anything (for `isRemembered()`). */
  async peek(value: string, ctx: RememberContext): Promise<boolean> {
    const parts = parseRememberToken(value)
    if (!parts) return false
    const rec = await this.tokens.getToken(parts.selector)
    if (!rec || rec.expiresAt <= ctx.now) return false
    const hash = await sha256(parts.validator)
    return timingSafeEqual(hash, rec.validatorHash) || this.#inGrace(rec, hash, ctx.now)
  }

  /** Whether the series under `selector` still exists and has not expired (by the store's clock). */
  async isLive(selector: string): Promise<boolean> {
    return (await this.tokens.getToken(selector)) !== null
  }

  /**
   * Delete the series of the token presented (logout on this device), then the sessions it
   * created: a restore that was in flight may have written one after the logout read its own.
   * Only a token that proves itself (current or previous validator) can delete its series, so a
   * guessed selector cannot log someone else's device out.
   */
  async revoke(value: string): Promise<void> {
    const parts = parseRememberToken(value)
    if (!parts) return
    const rec = await this.tokens.getToken(parts.selector)
    if (!rec) return
    const hash = await sha256(parts.validator)
    const current = timingSafeEqual(hash, rec.validatorHash)
    const previous = rec.previousHash !== null && timingSafeEqual(hash, rec.previousHash)
    if (current || previous) await this.#burn(rec.selector)
  }

  /** Delete every series of a user ("log out everywhere", password change), but `exceptSelector`. */
  async revokeUser(userId: string, exceptSelector?: string | null): Promise<void> {
    await this.tokens.deleteUserTokens(userId, exceptSelector ?? null)
  }

  /** Delete one series by selector (a session revoked from the device list). */
  async revokeSelector(selector: string): Promise<void> {
    await this.tokens.deleteToken(selector)
  }

  #inGrace(rec: RememberTokenRecord, hash: string, now: number): boolean {
    if (rec.previousHash === null || rec.rotatedAt === null) return false
    // Compare first, always, so the time check does not decide how long the comparison takes.
    const match = timingSafeEqual(hash, rec.previousHash)
    return match && now - rec.rotatedAt <= this.rotationGrace
  }

  async #burn(selector: string): Promise<void> {
    await this.tokens.deleteToken(selector)
    await this.#sessions?.destroySessionsBySelector?.(selector)
  }
}
