/** @module internal/password/policy: the new-password policy (length and blocklist, no composition rules). */

import { ConfigError, PasswordError } from '../errors.ts'
import { DEFAULT_PASSWORD_OPTIONS, assertUsablePassword, checkInteger } from './options.ts'
import { normalizePassword } from './normalize.ts'

/**
 * What a new password must satisfy. There are deliberately no composition rules (no "one digit,
 * one symbol"): ASVS 6.2.5 and NIST SP 800-63B §3.1.1.2 forbid them.
 *
 * @example
 * ```ts
 * const policy: PasswordPolicy = { minLength: 12, blocklist: new Set(['password123']) }
 * ```
 */
export interface PasswordPolicy {
  /**
   * The fewest Unicode code points allowed (an emoji counts once). At least 8 (ASVS 6.2.1).
   * @default 8
   */
  minLength?: number
  /**
   * The most bytes of UTF-8 allowed; keep it equal to {@link PasswordOptions.maxLength} so every
   * password the policy accepts can be hashed. From 64 to 65536.
   * @default 1024
   */
  maxLength?: number
  /**
   * Refused passwords (ASVS 6.2.4 / 6.2.12): either strings compared exactly (no case folding, no
   * trimming; a `Set` is searched in constant time, anything else is scanned), or a predicate that
   * returns true for a password to refuse. A predicate that returns a Promise (a breached-password
   * API, say) needs {@link checkNewPassword}.
   * @default undefined (no blocklist)
   */
  blocklist?: Iterable<string> | ((password: string) => boolean | Promise<boolean>)
}

const POLICY_KEYS = new Set(['minLength', 'maxLength', 'blocklist'])

interface ResolvedPolicy {
  minLength: number
  maxLength: number
  blocklist: PasswordPolicy['blocklist']
}

function resolvePolicy(policy: PasswordPolicy | undefined): ResolvedPolicy {
  if (policy === undefined) return { minLength: 8, maxLength: DEFAULT_PASSWORD_OPTIONS.maxLength, blocklist: undefined }
  if (policy === null || typeof policy !== 'object') throw new ConfigError('policy', 'must be an object')
  for (const key of Object.keys(policy)) {
    if (!POLICY_KEYS.has(key)) throw new ConfigError(`policy.${key}`, 'is not a password policy option')
  }
  const { minLength = 8, maxLength = DEFAULT_PASSWORD_OPTIONS.maxLength, blocklist } = policy
  checkInteger('policy.maxLength', maxLength, 64, 65536)
  // A code point is at least one byte, so a minimum above the byte cap could never be met.
  checkInteger('policy.minLength', minLength, 8, maxLength)
  if (blocklist !== undefined) {
    const iterable = typeof blocklist === 'object' && blocklist !== null && Symbol.iterator in blocklist
    // A string is iterable too, and would block its single characters instead of itself.
    if (typeof blocklist !== 'function' && !iterable) {
      throw new ConfigError('policy.blocklist', 'must be an iterable of strings (e.g. a Set) or a function')
    }
  }
  return { minLength, maxLength, blocklist }
}

function checkShape(password: unknown, policy: ResolvedPolicy): asserts password is string {
  assertUsablePassword(password, policy.maxLength)
  let codePoints = 0
  for (const _ of password) codePoints++
  if (codePoints < policy.minLength) {
    throw new PasswordError('too-short', `Passwords must be at least ${policy.minLength} characters long.`)
  }
}

function breached(): PasswordError {
  // Deliberately vague: saying "it's on a list of leaked passwords" is enough for the user to act on.
  return new PasswordError('breached', 'This password is too common or has appeared in a data breach; choose another.')
}

function listed(list: Iterable<string>, password: string): boolean {
  if (list instanceof Set) return list.has(password)
  for (const entry of list) if (entry === password) return true
  return false
}

// The checks both entry points share: length and form, then a listed blocklist. Returns the
// blocklist predicate still to run (sync or async, each entry point handles it), or null.
// The password is checked in the NFKC form hashPassword stores (length in its code points).
function checkStatic(password: string, policy: PasswordPolicy | undefined): { normalized: string; blocklist: ((pw: string) => unknown) | null } {
  const resolved = resolvePolicy(policy)
  assertUsablePassword(password, resolved.maxLength)
  const normalized = normalizePassword(password)
  checkShape(normalized, resolved)
  const { blocklist } = resolved
  if (blocklist === undefined) return { normalized, blocklist: null }
  if (typeof blocklist === 'function') return { normalized, blocklist }
  if (listed(blocklist, normalized)) throw breached()
  return { normalized, blocklist: null }
}

/**
 * Checks a new password (at sign-up or change) against the policy, synchronously.
 *
 * Rules, in order: a non-empty string; at most `maxLength` bytes; well-formed Unicode; then, on
 * its NFKC form (what `hashPassword` stores): at most `maxLength` bytes, at least
 * `minLength` code points, not on the blocklist (a predicate receives the NFKC form). A blocklist predicate must return a plain boolean
 * here; for an async predicate use {@link checkNewPassword}.
 *
 * @param password - the proposed password, exactly as the user typed it.
 * @param policy - the rules; see {@link PasswordPolicy} for defaults.
 * @returns nothing; throws `PasswordError` whose `reason` is `empty`, `too-long`, `malformed`,
 *   `too-short` or `breached`, and `ConfigError` for a bad policy or an async predicate.
 * @example
 * ```ts
 * try { validateNewPassword(form.password, { blocklist: commonPasswords }) }
 * catch (e) { if (e instanceof PasswordError) return c.text(e.message, 400); throw e }
 * ```
 */
export function validateNewPassword(password: string, policy?: PasswordPolicy): void {
  const { normalized, blocklist } = checkStatic(password, policy)
  if (!blocklist) return
  const verdict: unknown = blocklist(normalized)
  if (typeof verdict === 'boolean') {
    if (verdict) throw breached()
    return
  }
  if (verdict !== null && typeof (verdict as PromiseLike<unknown>)?.then === 'function') {
    // Keep a later rejection from surfacing as an unhandled rejection that crashes the process.
    Promise.resolve(verdict).catch(() => {})
    throw new ConfigError('policy.blocklist', 'returned a Promise; use checkNewPassword() for an async blocklist')
  }
  throw new ConfigError('policy.blocklist', `must return a boolean (got ${typeof verdict})`)
}

/**
 * Checks a new password against the policy, awaiting an async blocklist predicate.
 *
 * Same rules and errors as {@link validateNewPassword}. If the predicate rejects (the breach API is
 * down), that error propagates unchanged: whether to accept the password then is the app's call.
 *
 * @param password - the proposed password, exactly as the user typed it.
 * @param policy - the rules; see {@link PasswordPolicy} for defaults.
 * @returns a promise that resolves when the password is acceptable and rejects with
 *   `PasswordError` (or `ConfigError`) otherwise.
 * @example
 * ```ts
 * await checkNewPassword(form.password, { blocklist: async (pw) => isPwned(pw) })
 * ```
 */
export async function checkNewPassword(password: string, policy?: PasswordPolicy): Promise<void> {
  const { normalized, blocklist } = checkStatic(password, policy)
  if (!blocklist) return
  const verdict: unknown = await blocklist(normalized)
  if (typeof verdict !== 'boolean') {
    throw new ConfigError('policy.blocklist', `must return a boolean (got ${typeof verdict})`)
  }
  if (verdict) throw breached()
}
