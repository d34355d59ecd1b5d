/**
 * @module internal/cookie-read: the strict RFC 6265 `Cookie` request-header reader (re-exported by
 * `cookie.ts`). It scans the header in place: no map is built for a lookup, and a bad pair is
 * skipped alone.
 */

// RFC 7230 §3.2.6 tchar: the only characters allowed in a cookie name (RFC 6265 §4.1.1).
const TOKEN = new Uint8Array(128)
for (let c = 0x21; c < 0x7f; c++) TOKEN[c] = '"(),/:;<=>?@[\\]{}'.includes(String.fromCharCode(c)) ? 0 : 1

/** Whether every character of `s[start, end)` is allowed by `table` (a 128-entry 0/1 table). */
export function allIn(table: Uint8Array, s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f || table[c] !== 1) return false
  }
  return true
}

/** Whether `s[start, end)` is a non-empty RFC 7230 token (a valid cookie name). */
export const isToken = (s: string, start: number, end: number): boolean => start < end && allIn(TOKEN, s, start, end)

/**
 * Largest Cookie header doorman reads, in bytes; longer headers read as no cookies.
 *
 * @example
 * ```ts
 * if (header.length > MAX_COOKIE_HEADER) return new Response(null, { status: 431 })
 * ```
 */
export const MAX_COOKIE_HEADER = 16384

// Read side is a bit wider (as Go's net/http): SP and `,` are sent by real browsers for cookies
// set by scripts, but `"` and `\` are not cookie-octets and never survive quoting. A sticky regular
// expression: a sealed session's value is a few hundred characters, checked on every request, and
// the regex engine scans them faster than a loop does.
const READ_RUN = /[\x20\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]*/y

// Only SP and HTAB are whitespace here (RFC 6265 §5.2 WSP). Trimming Unicode spaces lets a
// U+2000-prefixed cookie pose as a `__Host-` one (PortSwigger cookie-prefix bypass).
const isWsp = (c: number): boolean => c === 0x20 || c === 0x09

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
