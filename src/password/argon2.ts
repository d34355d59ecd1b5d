/** @module internal/password/argon2: Argon2 PHC strings through the `argon2` package, and the dummy verify. */

import { randomBytes } from 'node:crypto'
import { lazyModule } from './load.ts'

type Argon2Module = typeof import('argon2')

/**
 * Loads the `argon2` package on first use.
 *
 * @returns the package's exports; throws `ConfigError` naming `argon2` when it cannot load.
 * @example
 * ```ts
 * const argon2 = await loadArgon2()
 * ```
 */
export const loadArgon2: () => Promise<Argon2Module> = lazyModule('argon2', () => import('argon2'))

/**
 * The parameters of an Argon2 PHC string, e.g. `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`.
 *
 * @example
 * ```ts
 * const params: Argon2Params | null = parseArgon2(hash)
 * if (params?.variant === 'argon2id' && params.m >= 19456) console.log('current')
 * ```
 */
export interface Argon2Params {
  /** `argon2id`, `argon2i` or `argon2d`. */
  variant: 'argon2id' | 'argon2i' | 'argon2d'
  /** The Argon2 version: 19 (0x13) today, 16 (0x10) when the `v=` field is absent. */
  version: number
  /** Memory in KiB. */
  m: number
  /** Passes. */
  t: number
  /** Lanes. */
  p: number
  /** Salt length in bytes. */
  saltBytes: number
  /** Digest length in bytes. */
  hashBytes: number
}

// Bounds on what a stored hash may ask for. A corrupted or planted row with m=2^32 must read as
// "unknown format", not allocate 4 TiB (RFC 9106 §3.1: m up to 2^32-1 KiB is legal).
const MAX_M = 4194304 // 4 GiB, the PasswordOptions ceiling
const MAX_T = 64
const MAX_P = 255

const B64 = /^[A-Za-z0-9+/]+$/ // PHC: standard alphabet, no padding
const INT = /^(?:0|[1-9]\d{0,9})$/

function b64Bytes(text: string): number {
  // Unpadded base64: 4 chars carry 3 bytes; a remainder of 1 char is impossible.
  if (!B64.test(text) || text.length % 4 === 1) return -1
  return Math.floor((text.length * 3) / 4)
}

/**
 * Parses an Argon2 PHC string, with bounds on its cost parameters.
 *
 * @param hash - the stored hash.
 * @returns the parameters, or null when `hash` is not a usable Argon2 PHC string.
 * @example
 * ```ts
 * parseArgon2('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA')?.m // 19456
 * ```
 */
export function parseArgon2(hash: string): Argon2Params | null {
  const parts = hash.split('$')
  // ['', id, v=19, params, salt, digest], or without the v= field (Argon2 1.0 strings).
  if (parts[0] !== '' || (parts.length !== 6 && parts.length !== 5)) return null
  const variant = parts[1]
  if (variant !== 'argon2id' && variant !== 'argon2i' && variant !== 'argon2d') return null
  let version = 16
  let rest = parts.slice(2)
  if (parts.length === 6) {
    const v = /^v=(\d{1,3})$/.exec(parts[2])
    if (!v) return null
    version = Number(v[1])
    rest = parts.slice(3)
  }
  if (version !== 16 && version !== 19) return null
  const [paramText, salt, digest] = rest
  const params = new Map<string, string>()
  for (const pair of paramText.split(',')) {
    const eq = pair.indexOf('=')
    const key = pair.slice(0, eq)
    if (eq < 1 || params.has(key)) return null
    params.set(key, pair.slice(eq + 1))
  }
  // `data` (associated data) is the one optional field the `argon2` package reads; `keyid` and
  // anything else would need a secret we do not have.
  for (const key of params.keys()) if (!['m', 't', 'p', 'data'].includes(key)) return null
  const m = params.get('m')
  const t = params.get('t')
  const p = params.get('p')
  if (m === undefined || t === undefined || p === undefined) return null
  if (!INT.test(m) || !INT.test(t) || !INT.test(p)) return null
  const data = params.get('data')
  if (data !== undefined && b64Bytes(data) < 0) return null
  const result: Argon2Params = {
    variant,
    version,
    m: Number(m),
    t: Number(t),
    p: Number(p),
    saltBytes: b64Bytes(salt),
    hashBytes: b64Bytes(digest),
  }
  // RFC 9106 §3.1: p ≥ 1, m ≥ 8p, t ≥ 1, salt ≥ 8 bytes, tag ≥ 4 bytes.
  if (result.p < 1 || result.p > MAX_P || result.t < 1 || result.t > MAX_T) return null
  if (result.m < 8 * result.p || result.m > MAX_M) return null
  if (result.saltBytes < 8 || result.hashBytes < 4) return null
  return result
}

// One dummy hash per cost triple, made on first need. Its password is random and thrown away, so
// nothing can ever verify against it.
const dummyHashes = new Map<string, Promise<string>>()

function dummyHash(argon2: Argon2Module, m: number, t: number, p: number): Promise<string> {
  const key = `${m},${t},${p}`
  let pending = dummyHashes.get(key)
  if (pending === undefined) {
    pending = argon2.hash(randomBytes(32).toString('base64'), {
      type: argon2.argon2id,
      memoryCost: m,
      timeCost: t,
      parallelism: p,
    })
    pending.catch(() => dummyHashes.delete(key))
    dummyHashes.set(key, pending)
  }
  return pending
}

/**
 * Spends one full Argon2id verification at the given cost, and always yields false.
 *
 * This is what a login for an unknown user (or a user with no usable hash) costs, so that it takes
 * as long as a wrong password for a real user (Django CVE-2016-2513; ASVS 6.3.8).
 *
 * @param password - the submitted password, verified against a throw-away hash.
 * @param m - memory in KiB.
 * @param t - passes.
 * @param p - lanes.
 * @returns false, always.
 * @example
 * ```ts
 * if (user === undefined) return dummyVerify(password, 19456, 2, 1)
 * ```
 */
export async function dummyVerify(password: string, m: number, t: number, p: number): Promise<false> {
  const argon2 = await loadArgon2()
  const hash = await dummyHash(argon2, m, t, p)
  try {
    await argon2.verify(hash, password)
  } catch {
    // The result is discarded; only the time spent matters.
  }
  return false
}
