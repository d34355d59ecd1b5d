/** @module internal/cookie: strict RFC 6265 Cookie parser and Set-Cookie serializer. */

import { CookieError } from './errors.ts'

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

/**
 * Largest Cookie header doorman reads, in bytes; longer headers read as no cookies.
 *
 * @example
 * ```ts
 * if (header.length > MAX_COOKIE_HEADER) return new Response(null, { status: 431 })
 * ```
 */
export const MAX_COOKIE_HEADER = 16384

// RFC 6265bis §5.5/§5.6: user agents cap Max-Age and Expires at 400 days.
const MAX_AGE_CAP = 34560000

// RFC 7230 §3.2.6 tchar: the only characters allowed in a cookie name (RFC 6265 §4.1.1).
const TOKEN = new Uint8Array(128)
// RFC 6265 §4.1.1 cookie-octet: what the serializer allows in a value.
const OCTET = new Uint8Array(128)
// Hostname characters (RFC 1123) for the Domain attribute; IDNs must arrive as A-labels.
const HOST = new Uint8Array(128)
for (let c = 0x21; c < 0x7f; c++) {
  TOKEN[c] = '"(),/:;<=>?@[\\]{}'.includes(String.fromCharCode(c)) ? 0 : 1
  OCTET[c] = c === 0x22 || c === 0x2c || c === 0x3b || c === 0x5c ? 0 : 1
  HOST[c] = /[A-Za-z0-9.-]/.test(String.fromCharCode(c)) ? 1 : 0
}
// Read side is a bit wider (as Go's net/http): SP and `,` are sent by real browsers for cookies
// set by scripts, but `"` and `\` are not cookie-octets and never survive quoting. A sticky regular
// expression: a sealed session's value is a few hundred characters, checked on every request, and
// the regex engine scans them faster than a loop does.
const READ_RUN = /[\x20\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]*/y

// Only SP and HTAB are whitespace here (RFC 6265 §5.2 WSP). Trimming Unicode spaces lets a
// U+2000-prefixed cookie pose as a `__Host-` one (PortSwigger cookie-prefix bypass).
const isWsp = (c: number): boolean => c === 0x20 || c === 0x09

const isToken = (s: string, start: number, end: number): boolean => start < end && allIn(TOKEN, s, start, end)

function allIn(table: Uint8Array, s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f || table[c] !== 1) return false
  }
  return true
}

// Bounds of the last pair found by nextPair. A module-level scratch is safe (scanning is
// synchronous) and keeps the per-request lookup free of per-pair allocations.
let ns = 0, ne = 0, vs = 0, ve = 0

/**
 * Finds the next well-formed pair at or after `from` and stores its bounds in ns/ne/vs/ve.
 * `want`, when given, is compared before any validation, so a lookup only validates (and
 * allocates for) the pair it returns. Returns where to resume, or -1 when there is none.
 */
function nextPair(header: string, from: number, want: string | undefined, check = true): number {
  const len = header.length
  let pos = from
  while (pos < len) {
    let end = header.indexOf(';', pos)
    if (end === -1) end = len
    let s = pos
    while (s < end && isWsp(header.charCodeAt(s))) s++
    let e = end
    while (e > s && isWsp(header.charCodeAt(e - 1))) e--
    pos = end + 1
    // Bounded search: indexOf('=') could run past this pair, quadratic on `a;a;a;...;b=1`.
    let eq = s
    while (eq < e && header.charCodeAt(eq) !== 0x3d) eq++
    // No `=` means no name: Werkzeug CVE-2023-23934 read `=__Host-x=bad` as `__Host-x`.
    if (eq === e) continue
    let n = eq
    while (n > s && isWsp(header.charCodeAt(n - 1))) n--
    if (want !== undefined && (n - s !== want.length || !header.startsWith(want, s))) continue
    if (!isToken(header, s, n)) continue
    let v = eq + 1
    while (v < e && isWsp(header.charCodeAt(v))) v++
    let w = e
    // RFC 6265 §4.1.1: one pair of DQUOTEs around a cookie-value is not part of the value.
    if (w - v >= 2 && header.charCodeAt(v) === 0x22 && header.charCodeAt(w - 1) === 0x22) {
      v++
      w--
    }
    // A caller whose own parser rejects every character outside its format (a sealed session's
    // base64url) skips this scan of a value it will check anyway.
    if (!check) {
      ns = s, ne = n, vs = v, ve = w
      return pos
    }
    // Skip a bad pair alone (Django CVE-2016-7401: one bad cookie dropped or injected others).
    READ_RUN.lastIndex = v
    READ_RUN.test(header)
    if (READ_RUN.lastIndex < w) continue
    ns = s, ne = n, vs = v, ve = w
    return pos
  }
  return -1
}

// An oversized header is an attack or a misconfiguration; reading part of it would make the
// result depend on where the cut fell.
function readable(header: string | null | undefined): header is string {
  return typeof header === 'string' && header.length > 0 && header.length <= MAX_COOKIE_HEADER
}

/**
 * All values of the cookie `name`, in header order. Duplicates happen (cookie tossing from a
 * sibling subdomain, or the same name on several paths), so security code should look at all.
 *
 * @param header - The raw `Cookie` request header.
 * @param name - The exact (case-sensitive) cookie name.
 * @returns The raw values (quotes stripped, no URI decoding); empty when absent.
 * @example
 * ```ts
 * getCookies('sid=a; sid=b', 'sid') // ['a', 'b']
 * ```
 */
export function getCookies(header: string | null | undefined, name: string): string[] {
  const out: string[] = []
  if (!readable(header) || !name) return out
  let pos = 0
  while ((pos = nextPair(header, pos, name)) !== -1) out.push(header.slice(vs, ve))
  return out
}

/**
 * {@link getCookies} without the cookie-octet check of each value, for a caller that parses the
 * values with a stricter grammar of its own and refuses any that fails it (a sealed session cookie
 * is `v1.<kid>.<base64url>`): the values it then keeps are the same, with one scan fewer of a
 * few hundred characters on every request. Names, separators, quotes and whitespace are read as
 * in {@link getCookies}.
 */
export function getCookiesUnchecked(header: string | null | undefined, name: string): string[] {
  const out: string[] = []
  if (!readable(header) || !name) return out
  let pos = 0
  while ((pos = nextPair(header, pos, name, false)) !== -1) out.push(header.slice(vs, ve))
  return out
}

/**
 * The first valid value of the cookie `name`. Scans the header in place: no map is built and
 * only the returned value is allocated.
 *
 * @param header - The raw `Cookie` request header.
 * @param name - The exact (case-sensitive) cookie name.
 * @returns The raw value (quotes stripped, no URI decoding), or `undefined`.
 * @example
 * ```ts
 * getCookie(request.headers.get('cookie'), '__Host-session') // 'eyJ...' or undefined
 * ```
 */
export function getCookie(header: string | null | undefined, name: string): string | undefined {
  if (!readable(header) || !name) return undefined
  return nextPair(header, 0, name) === -1 ? undefined : header.slice(vs, ve)
}

/**
 * Parses the whole header into a null-prototype record, so names such as `__proto__` are plain
 * keys. When a name repeats, the first value wins (use {@link getCookies} to see all).
 *
 * @param header - The raw `Cookie` request header.
 * @returns A record from cookie name to raw value.
 * @example
 * ```ts
 * parseCookieHeader('a=1; b="2"') // { a: '1', b: '2' }
 * ```
 */
export function parseCookieHeader(header: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  if (!readable(header)) return out
  let pos = 0
  while ((pos = nextPair(header, pos, undefined)) !== -1) {
    const name = header.slice(ns, ne)
    if (!(name in out)) out[name] = header.slice(vs, ve)
  }
  return out
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
