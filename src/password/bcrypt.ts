/** @module internal/password/bcrypt: verify `$2a$`, `$2b$` and `$2y$` bcrypt hashes through `bcryptjs`, without truncation. */

import { lazyModule } from './load.ts'

type BcryptModule = typeof import('bcryptjs')

// bcryptjs is only needed when a bcrypt hash is actually met, so it is loaded on first use.
const loadBcrypt: () => Promise<BcryptModule> = lazyModule('bcryptjs', () => import('bcryptjs'))

/**
 * bcrypt reads at most 72 bytes of key and ignores the rest (Provos & Mazières 1999; OpenBSD
 * bcrypt.c). A longer password is refused rather than truncated, so that `'a'.repeat(72) + 'X'`
 * can never open an account whose password is `'a'.repeat(72) + 'Y'` (ASVS 6.2.8).
 *
 * @example
 * ```ts
 * Buffer.byteLength(password) > BCRYPT_MAX_BYTES // refused for bcrypt hashes
 * ```
 */
export const BCRYPT_MAX_BYTES = 72

// `$2a$`, `$2b$` and `$2y$` compute the same function on well-formed UTF-8 input (`$2y$` is PHP's
// name for the fixed `$2a$`; `$2b$` is OpenBSD's). `$2x$` marks hashes from the sign-extension bug
// in crypt_blowfish before 1.1 (CVE-2011-2483) and `$2$` the original, both refused.
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/

/**
 * Whether `hash` is a bcrypt hash we verify, with a cost from 4 to 31.
 *
 * @param hash - the stored hash.
 * @returns true for `$2a$`, `$2b$` or `$2y$` hashes of the standard 60-character form.
 * @example
 * ```ts
 * isBcrypt('$2b$10$' + 'a'.repeat(53)) // true
 * ```
 */
export function isBcrypt(hash: string): boolean {
  const match = BCRYPT.exec(hash)
  if (!match) return false
  const cost = Number(match[1])
  return cost >= 4 && cost <= 31
}

/**
 * Whether `password` can be checked against a bcrypt hash without truncation.
 *
 * @param password - the submitted password.
 * @returns true when its UTF-8 form is at most {@link BCRYPT_MAX_BYTES} bytes.
 * @example
 * ```ts
 * fitsBcrypt('a'.repeat(73)) // false
 * ```
 */
export function fitsBcrypt(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= BCRYPT_MAX_BYTES
}

/**
 * Verifies `password` against a bcrypt hash with `bcryptjs` (constant-time string compare inside).
 *
 * @param hash - a hash for which {@link isBcrypt} is true.
 * @param password - a password for which {@link fitsBcrypt} is true.
 * @returns true when the password matches; false when bcryptjs rejects the hash.
 * @throws ConfigError when `bcryptjs` cannot be loaded.
 * @example
 * ```ts
 * if (isBcrypt(hash) && fitsBcrypt(password)) ok = await verifyBcrypt(hash, password)
 * ```
 */
export async function verifyBcrypt(hash: string, password: string): Promise<boolean> {
  // Outside the try: a missing package is a deployment error, not a wrong password.
  const bcrypt = await loadBcrypt()
  try {
    return await bcrypt.compare(password, hash)
  } catch {
    return false
  }
}
