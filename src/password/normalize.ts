/**
 * @module internal/password/normalize: Unicode normalisation of passwords.
 *
 * NIST SP 800-63B §5.1.1.2: "If Unicode characters are accepted in memorized secrets, the
 * verifier SHOULD apply the Normalization Process for Stabilized Strings using either the NFKC or
 * NFKD normalization defined in Section 12.1 of Unicode Standard Annex 15 [UAX 15]. This process
 * is applied before hashing the byte string representing the memorized secret." doorman uses
 * NFKC: the same password typed as `é` (U+00E9) or as `e` + U+0301, or with full-width letters
 * from an East Asian input method, hashes to the same bytes.
 */

/**
 * The form of `password` that doorman hashes: Unicode NFKC.
 *
 * Apply it yourself only when you hash or compare passwords outside doorman; `hashPassword`,
 * `verifyPassword` and the policy checks already do.
 *
 * @param password - the password as typed.
 * @returns its NFKC form (the same string when it is already normalised, as ASCII always is).
 * @example
 * ```ts
 * normalizePassword('cafe\u0301') === 'caf\u00e9' // true
 * normalizePassword('ｐａｓｓ') // 'pass' (full-width letters)
 * ```
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC')
}

/**
 * The forms to verify, in order: the normalised one, then the password as typed when that
 * differs. Hashes made before normalisation (Werkzeug and bcrypt hashes from another app, Argon2
 * hashes from another library or an older doorman) were made from the raw bytes: trying both
 * keeps them verifying. Both forms are tried whatever the hash, and the dummy verification runs
 * once per form too, so how long a refusal takes depends on the password typed, never on the
 * account.
 */
export function passwordForms(password: string): string[] {
  const normalized = normalizePassword(password)
  return normalized === password ? [password] : [normalized, password]
}
