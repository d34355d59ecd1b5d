/**
 * Hash with Argon2id, verify Argon2/Werkzeug/bcrypt hashes, rehash, and check new passwords.
 *
 * @module doorman-login/password
 */

import { dummyVerify, loadArgon2, parseArgon2 } from './argon2.ts'
import { fitsBcrypt, isBcrypt, verifyBcrypt } from './bcrypt.ts'
import { assertUsablePassword, isTooLong, isWellFormed, resolveOptions } from './options.ts'
import { normalizePassword, passwordForms } from './normalize.ts'
import { parseWerkzeug, verifyWerkzeug } from './werkzeug.ts'
import type { PasswordOptions } from './options.ts'

export { DEFAULT_PASSWORD_OPTIONS } from './options.ts'
export type { PasswordOptions } from './options.ts'
export { normalizePassword } from './normalize.ts'
export { checkNewPassword, validateNewPassword } from './policy.ts'
export type { PasswordPolicy } from './policy.ts'

/**
 * Hashes a password with Argon2id and returns the PHC string to store.
 *
 * The input is refused before any hashing when it is over `maxLength` bytes (Django
 * CVE-2013-1443). It is normalised to Unicode NFKC ({@link normalizePassword}, as NIST SP 800-63B
 * §5.1.1.2 asks), and otherwise hashed as given: no trimming, no case folding, no truncation. The
 * cap applies to the normalised form too. Apply your {@link PasswordPolicy} first with
 * {@link validateNewPassword}; this function only enforces the cap.
 *
 * @param password - the password, as the user typed it.
 * @param options - cost and cap; see {@link DEFAULT_PASSWORD_OPTIONS}.
 * @returns a string like `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (16-byte random salt,
 *   32-byte tag).
 * @throws PasswordError `empty` (not a non-empty string), `too-long` (over the cap, as typed or
 *   normalised) or `malformed` (contains a lone surrogate, which has no exact UTF-8 form).
 * @throws ConfigError for a bad option, or when the `argon2` package cannot be loaded.
 * @example
 * ```ts
 * import { hashPassword } from 'doorman-login/password'
 * user.passwordHash = await hashPassword(form.password)
 * ```
 */
export async function hashPassword(password: string, options?: PasswordOptions): Promise<string> {
  const opts = resolveOptions(options)
  assertUsablePassword(password, opts.maxLength)
  const normalized = normalizePassword(password)
  assertUsablePassword(normalized, opts.maxLength)
  const argon2 = await loadArgon2()
  return argon2.hash(normalized, {
    type: argon2.argon2id,
    memoryCost: opts.memoryCost,
    timeCost: opts.timeCost,
    parallelism: opts.parallelism,
  })
}

/**
 * Checks a password against a stored hash, in any format doorman can read.
 *
 * Reads Argon2id/Argon2i/Argon2d PHC strings; Werkzeug `pbkdf2:…` and `scrypt:…` hashes (Flask's
 * `generate_password_hash`); and bcrypt `$2a$`, `$2b$`, `$2y$`. Any other format, a garbage
 * string, or a missing hash gives false, never a throw.
 *
 * Timing: pass `null` or `undefined` when there is no such user. Every false answer, except
 * refusals that depend only on the password itself (over the cap, empty, malformed), then costs
 * one full Argon2id verification at the configured cost, so an unknown user, a user without a
 * usable hash and a wrong password all take the same time (Django CVE-2016-2513; ASVS 6.3.8).
 *
 * bcrypt: a password over 72 bytes is refused for a bcrypt hash (false), because bcrypt would
 * silently ignore everything after byte 72.
 *
 * Unicode: the password is tried in its NFKC form (what {@link hashPassword} stores) and, when
 * that differs, as typed, so hashes made from the raw bytes (Werkzeug, bcrypt or Argon2 made
 * elsewhere or by an older doorman) keep verifying. Such a password costs two verifications,
 * whether or not the account exists.
 *
 * @param hash - the stored hash, or null/undefined for "no such user".
 * @param password - the submitted password, as typed.
 * @param options - `maxLength`, and the cost of the dummy verification; use the options you hash
 *   with.
 * @returns true only when the password matches the hash.
 * @throws ConfigError for a bad option, or when `argon2` (or `bcryptjs`, for a bcrypt hash) cannot
 *   be loaded: a broken install must not read as "wrong password" for every user.
 * @example
 * ```ts
 * const user = await db.findUserByEmail(email)
 * const ok = await verifyPassword(user?.passwordHash, password)
 * if (!user || !ok) return c.text('Wrong email or password.', 401)
 * if (needsRehash(user.passwordHash)) await db.setHash(user.id, await hashPassword(password))
 * ```
 */
export async function verifyPassword(
  hash: string | null | undefined,
  password: string,
  options?: PasswordOptions,
): Promise<boolean> {
  const opts = resolveOptions(options)
  // Refusals that depend on the input alone reveal nothing about the account, so they can be fast;
  // the cap in particular must be enforced before any hashing (CVE-2013-1443).
  if (typeof password !== 'string' || password.length === 0) return false
  if (isTooLong(password, opts.maxLength) || !isWellFormed(password)) return false

  // Every form gets its verification (or a dummy one), so the time depends on the input alone.
  const forms = passwordForms(password).filter((f) => !isTooLong(f, opts.maxLength))
  const dummy = async () => {
    for (const f of forms) await dummyVerify(f, opts.memoryCost, opts.timeCost, opts.parallelism)
    return false
  }
  const anyForm = async (verify: (form: string) => Promise<boolean>) => {
    for (const f of forms) if (await verify(f)) return true
    return false
  }
  // A hash the verifier rejects is a refusal, like a wrong password (a missing package is not:
  // it is loaded outside this).
  const safely = (verify: () => Promise<boolean>) => verify().catch(() => false)
  if (typeof hash !== 'string') return dummy()

  if (parseArgon2(hash) !== null) {
    const argon2 = await loadArgon2()
    return anyForm((f) => safely(() => argon2.verify(hash, f)))
  }
  const werkzeug = parseWerkzeug(hash)
  if (werkzeug !== null) return anyForm((f) => safely(() => verifyWerkzeug(werkzeug, f)))
  if (isBcrypt(hash)) {
    // Spend the usual time on the refusal too, or a long password would tell bcrypt users apart.
    return anyForm(async (f) => (fitsBcrypt(f) ? verifyBcrypt(hash, f) : dummyVerify(f, opts.memoryCost, opts.timeCost, opts.parallelism)))
  }
  // An unusable or unknown hash (e.g. Django's "!" marker, a legacy MD5) costs the same as a real
  // one: that is exactly the enumeration Django's CVE-2016-2513 fix closed.
  return dummy()
}

/**
 * Whether a stored hash should be replaced with a fresh {@link hashPassword} after a successful
 * {@link verifyPassword}.
 *
 * True for every hash that is not Argon2id (Werkzeug, bcrypt, Argon2i, Argon2d), for an Argon2id
 * hash whose memory, time or parallelism is below `options`, whose version is not 0x13, or whose
 * salt is under 16 bytes or tag under 32 bytes, and for anything unparseable. A stronger stored
 * hash is left alone.
 *
 * @param hash - the stored hash.
 * @param options - the cost you hash with now; see {@link DEFAULT_PASSWORD_OPTIONS}.
 * @returns true when the hash is weaker than, or not in, the current format.
 * @throws ConfigError for a bad option.
 * @example
 * ```ts
 * if (ok && needsRehash(user.passwordHash)) user.passwordHash = await hashPassword(password)
 * ```
 */
export function needsRehash(hash: string, options?: PasswordOptions): boolean {
  const opts = resolveOptions(options)
  if (typeof hash !== 'string') return true
  const params = parseArgon2(hash)
  if (params === null || params.variant !== 'argon2id' || params.version !== 19) return true
  if (params.saltBytes < 16 || params.hashBytes < 32) return true
  return params.m < opts.memoryCost || params.t < opts.timeCost || params.p < opts.parallelism
}
