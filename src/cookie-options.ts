/**
 * @module internal/cookie-options: checking the cookie settings shared by the session and
 * remember-me cookies, and the small option checks every part of the options uses.
 */
import { ConfigError } from './errors.ts'
import { serializeCookie } from './cookie.ts'
import { MAX_COOKIE_AGE } from './defaults.ts'

/** Cookie settings shared by the session and remember-me cookies. */
export interface CookieOptions {
  /** Cookie name. */
  name?: string
  /** Domain attribute; leave unset for a host-only cookie (safer: no cookie tossing from siblings). */
  domain?: string | null
  /** Path attribute. @default '/' */
  path?: string
  /** Secure attribute: `'auto'` sets it when the request is HTTPS. @default 'auto' */
  secure?: boolean | 'auto'
  /** HttpOnly attribute. @default true */
  httpOnly?: boolean
  /** SameSite attribute. @default 'Lax' */
  sameSite?: 'Strict' | 'Lax' | 'None'
  /** CHIPS `Partitioned` attribute (Flask's `SESSION_COOKIE_PARTITIONED`); needs Secure. @default false */
  partitioned?: boolean
}

/** Resolved cookie settings. */
export interface ResolvedCookie {
  name: string
  domain: string | undefined
  path: string
  secure: boolean | 'auto'
  httpOnly: boolean
  sameSite: 'Strict' | 'Lax' | 'None'
  partitioned: boolean
}

/** The keys a cookie's options may have. */
export const COOKIE_KEYS = ['name', 'domain', 'path', 'secure', 'httpOnly', 'sameSite', 'partitioned']

/** Fail on any key of an options object that is not allowed, naming it. */
export function checkKeys(option: string, value: unknown, allowed: Set<string>): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(option, 'must be an object')
  for (const k of Object.keys(value)) if (!allowed.has(k)) throw new ConfigError(`${option}.${k}`, 'is not a doorman option')
}

/** Check one cookie's options and apply the defaults. */
export function resolveCookie(option: string, o: CookieOptions, defaultName: string): ResolvedCookie {
  const name = str(`${option}.name`, o.name, defaultName)
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new ConfigError(`${option}.name`, 'must be a valid cookie name (RFC 6265 token)')
  const path = str(`${option}.path`, o.path, '/')
  if (!path.startsWith('/') || /[;\x00-\x1f\x7f]/.test(path)) throw new ConfigError(`${option}.path`, "must start with '/' and contain no ';' or control characters")
  const domain = o.domain == null ? undefined : str(`${option}.domain`, o.domain, '')
  if (domain !== undefined && !/^\.?[A-Za-z0-9.-]+$/.test(domain)) throw new ConfigError(`${option}.domain`, 'must be a host name')
  const secure = o.secure ?? 'auto'
  if (secure !== 'auto' && typeof secure !== 'boolean') throw new ConfigError(`${option}.secure`, "must be true, false or 'auto'")
  const httpOnly = bool(`${option}.httpOnly`, o.httpOnly, true)
  const sameSite = o.sameSite ?? 'Lax'
  if (!['Strict', 'Lax', 'None'].includes(sameSite)) throw new ConfigError(`${option}.sameSite`, "must be 'Strict', 'Lax' or 'None'")
  if (sameSite === 'None' && secure === false) throw new ConfigError(`${option}.sameSite`, "'None' requires Secure (browsers drop it otherwise)")
  if (name.startsWith('__Host-') && (domain !== undefined || path !== '/' || secure === false)) {
    throw new ConfigError(`${option}.name`, 'with the __Host- prefix needs Path=/, no Domain and Secure')
  }
  const partitioned = bool(`${option}.partitioned`, o.partitioned, false)
  if (partitioned && secure === false) throw new ConfigError(`${option}.partitioned`, 'requires Secure (browsers drop it otherwise)')
  return { name, domain, path, secure, httpOnly, sameSite, partitioned }
}

/** A non-empty string option, or its default. */
export function str(option: string, v: unknown, d: string): string {
  if (v === undefined || v === null) return d
  if (typeof v !== 'string' || v === '') throw new ConfigError(option, 'must be a non-empty string')
  return v
}

/** A boolean option, or its default. */
export function bool(option: string, v: unknown, d: boolean): boolean {
  if (v === undefined || v === null) return d
  if (typeof v !== 'boolean') throw new ConfigError(option, 'must be true or false')
  return v
}

/**
 * The bytes of a Set-Cookie line for this cookie besides its value: the name, `=`, and the longest
 * attributes it can carry (Secure on HTTPS, the longest Max-Age). RFC 6265 §6.1 counts them with
 * the value against the 4096 bytes every browser must accept.
 */
export function cookieOverhead(c: ResolvedCookie): number {
  return serializeCookie(c.name, '', { path: c.path, domain: c.domain, httpOnly: c.httpOnly, sameSite: c.sameSite, secure: true, maxAge: MAX_COOKIE_AGE }).length
}
