/** @module internal/cookie: the strict RFC 6265 Set-Cookie serializer, and the Cookie header reader (cookie-read.ts) re-exported. */

import { CookieError } from './errors.ts'
import { allIn, isToken } from './cookie-read.ts'

/**
 * Attributes of a Set-Cookie value; every field is validated when the cookie is serialized.
 *
 * @example
 * ```ts
 * const attrs: CookieAttributes = { path: '/', secure: true, httpOnly: true, sameSite: 'Lax' }
 * ```
 */
export interface CookieAttributes {
  /** Lifetime in seconds (a non-negative integer); values over 400 days are capped to 34560000. */
  maxAge?: number
  /** Absolute expiry; sent as an IMF-fixdate. */
  expires?: Date
  /** Domain attribute: hostname characters only. Omit it for host-only cookies. */
  domain?: string
  /** Path attribute: must start with `/`; no `;`, controls or non-ASCII. */
  path?: string
  /** Send only over HTTPS. Required by `__Host-`/`__Secure-` names, SameSite=None and Partitioned. */
  secure?: boolean
  /** Hide the cookie from `document.cookie`. */
  httpOnly?: boolean
  /** SameSite attribute, exactly as spelled here. */
  sameSite?: 'Strict' | 'Lax' | 'None'
  /** CHIPS partitioned cookie (requires Secure). */
  partitioned?: boolean
}

export { MAX_COOKIE_HEADER, getCookie, getCookies, getCookiesUnchecked, parseCookieHeader } from './cookie-read.ts'

// RFC 6265bis §5.5/§5.6: user agents cap Max-Age and Expires at 400 days.
const MAX_AGE_CAP = 34560000

// RFC 6265 §4.1.1 cookie-octet: what the serializer allows in a value.
const OCTET = new Uint8Array(128)
// Hostname characters (RFC 1123) for the Domain attribute; IDNs must arrive as A-labels.
const HOST = new Uint8Array(128)
for (let c = 0x21; c < 0x7f; c++) {
  OCTET[c] = c === 0x22 || c === 0x2c || c === 0x3b || c === 0x5c ? 0 : 1
  HOST[c] = /[A-Za-z0-9.-]/.test(String.fromCharCode(c)) ? 1 : 0
}

function isValidPath(path: string): boolean {
  // RFC 6265 §4.1.1 path-value: any CHAR except CTLs or `;`; a path not starting with `/` is
  // silently replaced by the default path (§5.2.4), so it is refused rather than ignored.
  if (path.length === 0 || path.charCodeAt(0) !== 0x2f) return false
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c < 0x20 || c >= 0x7f || c === 0x3b) return false
  }
  return true
}

function isValidDomain(domain: string): boolean {
  return domain.length > 0 && domain.length <= 255 && allIn(HOST, domain, 0, domain.length)
}

/**
 * Serializes a Set-Cookie value. Every part is validated, because an unchecked name, value,
 * path or domain lets attacker data inject attributes (cookie CVE-2024-47764).
 *
 * @param name - An RFC 7230 token; `__Host-` requires Secure, Path=/ and no Domain, `__Secure-`
 *   requires Secure (prefixes matched case-insensitively, as browsers do).
 * @param value - cookie-octets only (no `;`, `,`, space, `"`, `\`, controls or non-ASCII).
 * @param attrs - The cookie attributes; SameSite=None and Partitioned require Secure.
 * @returns The header value, attributes in the order
 *   `Max-Age; Domain; Path; Expires; HttpOnly; Secure; SameSite; Partitioned`.
 * @throws {CookieError} On any invalid name, value or attribute.
 * @example
 * ```ts
 * serializeCookie('__Host-sid', 'abc', { path: '/', secure: true, httpOnly: true, sameSite: 'Lax' })
 * // '__Host-sid=abc; Path=/; HttpOnly; Secure; SameSite=Lax'
 * ```
 */
export function serializeCookie(name: string, value: string, attrs: CookieAttributes = {}): string {
  if (typeof name !== 'string' || !isToken(name, 0, name.length)) {
    throw new CookieError(`invalid cookie name ${JSON.stringify(name)}: it must be an RFC 7230 token`)
  }
  if (typeof value !== 'string' || !allIn(OCTET, value, 0, value.length)) {
    throw new CookieError(`invalid value for cookie "${name}": only RFC 6265 cookie-octets are allowed`)
  }
  const { maxAge, expires, domain, path, secure, httpOnly, sameSite, partitioned } = attrs
  // RFC 6265bis §4.1.3: cookie prefixes; browsers now match them case-insensitively.
  const lower = name.slice(0, 9).toLowerCase()
  if (lower.startsWith('__host-') && (secure !== true || path !== '/' || domain !== undefined)) {
    throw new CookieError(`cookie "${name}": the __Host- prefix requires secure, path "/" and no domain`)
  }
  if (lower.startsWith('__secure-') && secure !== true) {
    throw new CookieError(`cookie "${name}": the __Secure- prefix requires secure`)
  }
  let out = `${name}=${value}`
  if (maxAge !== undefined) {
    if (typeof maxAge !== 'number' || !Number.isSafeInteger(maxAge) || maxAge < 0) {
      throw new CookieError(`cookie "${name}": maxAge must be a non-negative integer of seconds`)
    }
    out += `; Max-Age=${Math.min(maxAge, MAX_AGE_CAP)}`
  }
  if (domain !== undefined) {
    if (typeof domain !== 'string' || !isValidDomain(domain)) {
      throw new CookieError(`cookie "${name}": invalid domain ${JSON.stringify(domain)}`)
    }
    out += `; Domain=${domain}`
  }
  if (path !== undefined) {
    if (typeof path !== 'string' || !isValidPath(path)) {
      throw new CookieError(`cookie "${name}": invalid path ${JSON.stringify(path)}`)
    }
    out += `; Path=${path}`
  }
  if (expires !== undefined) {
    if (!(expires instanceof Date) || Number.isNaN(expires.getTime())) {
      throw new CookieError(`cookie "${name}": expires must be a valid Date`)
    }
    out += `; Expires=${expires.toUTCString()}`
  }
  if (httpOnly) out += '; HttpOnly'
  if (secure) out += '; Secure'
  if (sameSite !== undefined) {
    if (sameSite !== 'Strict' && sameSite !== 'Lax' && sameSite !== 'None') {
      throw new CookieError(`cookie "${name}": sameSite must be 'Strict', 'Lax' or 'None'`)
    }
    // Browsers reject SameSite=None without Secure; failing here beats a silently dropped cookie.
    if (sameSite === 'None' && secure !== true) {
      throw new CookieError(`cookie "${name}": sameSite 'None' requires secure`)
    }
    out += `; SameSite=${sameSite}`
  }
  if (partitioned) {
    // CHIPS: a Partitioned cookie without Secure is rejected by the browser.
    if (secure !== true) throw new CookieError(`cookie "${name}": partitioned requires secure`)
    out += '; Partitioned'
  }
  return out
}

/**
 * A Set-Cookie value that deletes the cookie: empty value, `Max-Age=0` and an Expires in 1970.
 * A browser only deletes a cookie whose name, Path and Domain match, so pass the same attributes
 * as when it was set (`maxAge`/`expires` given here are ignored).
 *
 * @param name - The cookie name.
 * @param attrs - The attributes the cookie was set with (Path, Domain, Secure, SameSite, ...).
 * @returns The header value.
 * @throws {CookieError} On an invalid name or attribute.
 * @example
 * ```ts
 * expireCookie('__Host-sid', { path: '/', secure: true, httpOnly: true, sameSite: 'Lax' })
 * // '__Host-sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax'
 * ```
 */
export function expireCookie(name: string, attrs: CookieAttributes = {}): string {
  return serializeCookie(name, '', { ...attrs, maxAge: 0, expires: new Date(0) })
}
