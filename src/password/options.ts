/** @module internal/password/options: hashing options, their defaults and checks, and password input checks. */

import { ConfigError, PasswordError } from '../errors.ts'

/**
 * Tuning for {@link hashPassword}, {@link verifyPassword} and {@link needsRehash}.
 *
 * Every field is optional; a missing field takes its value from {@link DEFAULT_PASSWORD_OPTIONS}.
 * Values below the security floor throw a `ConfigError` naming the field.
 *
 * @example
 * ```ts
 * const options: PasswordOptions = { memoryCost: 65536, timeCost: 3 }
 * const hash = await hashPassword('correct horse battery staple', options)
 * ```
 */
export interface PasswordOptions {
  /**
   * Argon2id memory in KiB. At least 19456 (19 MiB), at most 4194304 (4 GiB).
   * @default 19456
   */
  memoryCost?: number
  /**
   * Argon2id passes over memory. At least 1.
   * @default 2
   */
  timeCost?: number
  /**
   * Argon2id lanes. From 1 to 255.
   * @default 1
   */
  parallelism?: number
  /**
   * The longest password accepted, in bytes of UTF-8. From 64 to 65536. Longer input is refused
   * before any hashing (Django CVE-2013-1443).
   * @default 1024
   */
  maxLength?: number
}

/**
 * The defaults: Argon2id with m = 19 MiB, t = 2, p = 1 and a 1024-byte cap on input.
 *
 * The Argon2id triple is the first of the OWASP Password Storage Cheat Sheet's equivalent
 * configurations, which ASVS 5.0 row 11.4.2 takes as the floor. The cap is far above ASVS 6.2.9's
 * "at least 64 characters" and far below anything that could tie up a worker.
 *
 * @example
 * ```ts
 * import { DEFAULT_PASSWORD_OPTIONS } from 'doorman-login/password'
 * console.log(DEFAULT_PASSWORD_OPTIONS.memoryCost) // 19456
 * ```
 */
export const DEFAULT_PASSWORD_OPTIONS: Readonly<Required<PasswordOptions>> = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
  maxLength: 1024,
})

// Floors and ceilings. The floors are the security bar (OWASP Argon2id minimum; ASVS 6.2.9's
// 64 characters); the ceilings only stop a typo (an extra zero) from turning into an outage.
const LIMITS: Record<keyof PasswordOptions, readonly [min: number, max: number]> = {
  memoryCost: [19456, 4194304],
  timeCost: [1, 64],
  parallelism: [1, 255],
  maxLength: [64, 65536],
}

/**
 * Checks that `value` is an integer in `[min, max]`.
 *
 * @param option - the option's name, used in the error message.
 * @param value - the value given.
 * @param min - the smallest allowed value.
 * @param max - the largest allowed value.
 * @returns nothing; throws `ConfigError` naming `option` when the check fails.
 * @example
 * ```ts
 * checkInteger('policy.minLength', 8, 8, 1024)
 * ```
 */
export function checkInteger(option: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(option, `must be an integer from ${min} to ${max} (got ${String(value)})`)
  }
}

/**
 * Merges `options` over the defaults and checks every field.
 *
 * @param options - the caller's options, possibly undefined.
 * @returns a complete, checked set of options.
 * @example
 * ```ts
 * resolveOptions({ timeCost: 3 }) // { memoryCost: 19456, timeCost: 3, parallelism: 1, maxLength: 1024 }
 * ```
 */
export function resolveOptions(options: PasswordOptions | undefined): Required<PasswordOptions> {
  if (options === undefined) return DEFAULT_PASSWORD_OPTIONS
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('options', 'must be an object')
  }
  // A misspelt key (memorycost) would otherwise silently fall back to the default.
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(LIMITS, key)) throw new ConfigError(key, 'is not a password option')
  }
  const resolved = { ...DEFAULT_PASSWORD_OPTIONS }
  for (const key of Object.keys(LIMITS) as (keyof PasswordOptions)[]) {
    const value = options[key]
    if (value === undefined) continue
    const [min, max] = LIMITS[key]
    checkInteger(key, value, min, max)
    resolved[key] = value
  }
  return resolved
}

// A lone surrogate has no UTF-8 form: the encoder turns every one into U+FFFD, so two different
// strings would hash to the same bytes. Python's str.encode() raises instead; so do we.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Whether `password` has an exact UTF-8 form, i.e. contains no lone surrogate.
 *
 * @param password - the string to check.
 * @returns true when the string is well-formed Unicode.
 * @example
 * ```ts
 * isWellFormed('pässwörd 🔑') // true
 * isWellFormed('\uD800') // false
 * ```
 */
export function isWellFormed(password: string): boolean {
  return !LONE_SURROGATE.test(password)
}

/**
 * Whether `password` is longer than `maxBytes` bytes of UTF-8.
 *
 * @param password - the string to measure.
 * @param maxBytes - the cap in bytes.
 * @returns true when the UTF-8 encoding exceeds the cap.
 * @example
 * ```ts
 * isTooLong('é'.repeat(40), 64) // true: 80 bytes
 * ```
 */
export function isTooLong(password: string, maxBytes: number): boolean {
  // Every UTF-16 code unit needs at least one UTF-8 byte, so a long string is refused without
  // walking it: a 100 MB body costs nothing here.
  if (password.length > maxBytes) return true
  return Buffer.byteLength(password, 'utf8') > maxBytes
}

/**
 * Throws unless `password` is a non-empty, well-formed string within `maxBytes`.
 *
 * @param password - the candidate password (from untrusted input, so possibly not a string).
 * @param maxBytes - the cap in bytes of UTF-8.
 * @returns nothing; throws `PasswordError` with reason `empty`, `malformed` or `too-long`.
 * @example
 * ```ts
 * assertUsablePassword('hunter2hunter2', 1024)
 * ```
 */
export function assertUsablePassword(password: unknown, maxBytes: number): asserts password is string {
  if (typeof password !== 'string' || password.length === 0) {
    throw new PasswordError('empty', 'Enter a password.')
  }
  if (isTooLong(password, maxBytes)) {
    throw new PasswordError('too-long', `Passwords can be at most ${maxBytes} bytes long.`)
  }
  if (!isWellFormed(password)) {
    throw new PasswordError('malformed', 'The password contains an invalid character.')
  }
}
