/** @module internal/next-url: open-redirect-safe `next` targets and Flask-Login's login URL helpers. */

import { ArgumentError } from './errors.ts'

/** Longest `next` value (and longest emitted target) accepted, in UTF-16 code units. */
const MAX_NEXT_LENGTH = 2048

// Only these absolute forms are even considered; `https:evil.com`, `http:/evil.com` and
// `http:999999999` mean different things to different parsers (Django CVE-2015-2317,
// CVE-2017-7233), so they are refused rather than interpreted.
const ABSOLUTE_HTTP = /^https?:\/\//i

// Characters a browser (or a server that decodes once) may fold into `/` or `\` when they
// follow the leading slash: fullwidth and mathematical solidi, small reverse solidus.
const SLASH_LIKE = new Set([0x2f, 0x5c, 0x2044, 0x2215, 0x2216, 0x29f5, 0x29f8, 0x29f9, 0xfe68, 0xff0f, 0xff3c])

// C0/C1 controls, DEL, every Unicode space, and invisible format characters (zero-width and
// bidi controls). WHATWG silently strips tab/CR/LF, so `/\t/evil.com` becomes `//evil.com`
// (PyPI warehouse); Django CVE-2015-2317/CVE-2016-2512 were leading whitespace and controls.
function isSpaceOrControl(c: number): boolean {
  return (
    c <= 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0x061c || c === 0x1680 || c === 0x180e ||
    (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) || (c >= 0x205f && c <= 0x206f) ||
    c === 0x3000 || c === 0xfeff
  )
}

function hasForbiddenChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x5c || isSpaceOrControl(c)) return true
  }
  return false
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const l = c | 0x20
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1
}

// The code point a once-decoding server would see at `i`, where `s[i]` is `%`. Undecodable
// escapes read as `%` itself, which the caller refuses (`/%252F` is `//` after two decodes).
function decodedAt(s: string, i: number): number {
  const bytes: number[] = []
  while (bytes.length < 4 && s.charCodeAt(i) === 0x25) {
    const hi = hexValue(s.charCodeAt(i + 1))
    const lo = hexValue(s.charCodeAt(i + 2))
    if (hi < 0 || lo < 0) break
    bytes.push(hi * 16 + lo)
    i += 3
  }
  if (bytes.length === 0) return 0x25
  if (bytes[0] < 0x80) return bytes[0]
  return new TextDecoder().decode(new Uint8Array(bytes)).codePointAt(0) ?? 0x25
}

/**
 * The one check for a target doorman emits: a single leading `/`, then nothing a browser or a
 * decoding server turns into a second slash or a backslash (`//evil`, `/\evil`, `/%2F/evil`,
 * `/%5Cevil`, `/%09/evil`), and no control, whitespace or backslash anywhere.
 */
function isSafeTarget(s: string): boolean {
  if (s.length === 0 || s.length > MAX_NEXT_LENGTH || s.charCodeAt(0) !== 0x2f) return false
  if (hasForbiddenChar(s)) return false
  if (s.length === 1) return true
  let c = s.charCodeAt(1)
  if (c === 0x25) {
    c = decodedAt(s, 1)
    if (c === 0x25 || isSpaceOrControl(c)) return false
  }
  return !SLASH_LIKE.has(c)
}

function parseUrl(input: string, base?: string): URL | null {
  try {
    return new URL(input, base)
  } catch {
    return null
  }
}

/**
 * Reduces an untrusted `next` value to a safe same-origin relative target (path, query and
 * hash), or null. Only a string starting with a single `/`, or an absolute `http(s)://` URL of
 * exactly the request's origin (no userinfo), is accepted. The value is parsed with the WHATWG
 * parser browsers use, and the exact string returned is validated again after parsing
 * (Express CVE-2024-29041: never transform a URL after checking it), so `/..//evil.com`, which
 * normalizes to `//evil.com`, is refused. Never throws on client input.
 *
 * @param value - The untrusted value, e.g. `url.searchParams.get('next')` or a form field;
 *   anything that is not a non-empty string of at most 2048 characters gives null.
 * @param requestUrl - The current request URL; its origin is the only one allowed.
 * @returns A target starting with `/` (canonicalized by WHATWG, e.g. non-ASCII percent-encoded),
 *   or null: redirect to your default page then.
 * @example
 * ```ts
 * safeNextUrl('/private?x=1', 'http://app.test/login') // '/private?x=1'
 * safeNextUrl('http://app.test/a#b', 'http://app.test/login') // '/a#b'
 * safeNextUrl('//evil.com', 'http://app.test/login') // null
 * ```
 */
export function safeNextUrl(value: unknown, requestUrl: string | URL): string | null {
  // Non-strings (`?next=a&next=b` arrays, JSON objects) are hostile or broken input, not a 500
  // (better-auth: non-string callbackURL).
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NEXT_LENGTH) return null
  if (hasForbiddenChar(value)) return null
  const request = parseUrl(String(requestUrl))
  if (request === null || (request.protocol !== 'http:' && request.protocol !== 'https:')) return null
  const origin = request.origin
  let url: URL | null
  if (value.charCodeAt(0) === 0x2f) {
    if (!isSafeTarget(value)) return null
    url = parseUrl(value, origin)
  } else {
    if (!ABSOLUTE_HTTP.test(value)) return null
    url = parseUrl(value)
  }
  // `http://app.test@evil.com` has host evil.com, but refuse any userinfo: the Django
  // CVE-2018-14574/basic-auth family only exists because parsers disagree about it.
  if (url === null || url.origin !== origin || url.username !== '' || url.password !== '') return null
  const target = url.pathname + url.search + url.hash
  return isSafeTarget(target) ? target : null
}

interface SplitUrl {
  scheme: string
  netloc: string
  path: string
  query: string
  fragment: string
}

// Python's urllib.parse.urlsplit, which Flask-Login's helpers are defined in terms of: the
// scheme is lowercased, the netloc is what follows `//` up to `/`, `?` or `#`.
function urlsplit(url: string): SplitUrl {
  let scheme = ''
  let rest = url
  const colon = url.indexOf(':')
  if (colon > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase()
    rest = url.slice(colon + 1)
  }
  let netloc = ''
  if (rest.startsWith('//')) {
    let end = rest.length
    for (const d of ['/', '?', '#']) {
      const at = rest.indexOf(d, 2)
      if (at !== -1 && at < end) end = at
    }
    netloc = rest.slice(2, end)
    rest = rest.slice(end)
  }
  let fragment = ''
  const hash = rest.indexOf('#')
  if (hash !== -1) [rest, fragment] = [rest.slice(0, hash), rest.slice(hash + 1)]
  let query = ''
  const q = rest.indexOf('?')
  if (q !== -1) [rest, query] = [rest.slice(0, q), rest.slice(q + 1)]
  return { scheme, netloc, path: rest, query, fragment }
}

// Python's urlunsplit, for the forms urlsplit produces.
function urlunsplit({ scheme, netloc, path, query, fragment }: SplitUrl): string {
  let url = path
  if (netloc) url = `//${netloc}${url && !url.startsWith('/') ? '/' : ''}${url}`
  if (scheme) url = `${scheme}:${url}`
  if (query) url += `?${query}`
  if (fragment) url += `#${fragment}`
  return url
}

/**
 * Flask-Login's `make_next_param`: the path and query of `currentUrl` (fragment dropped) when
 * `loginUrl` is relative or has the same scheme and host, otherwise `currentUrl` unchanged.
 * Unlike Flask-Login, hosts compare case-insensitively and an empty path on an absolute
 * current URL reads as `/`. The result is a hint, not a trusted value: read it back with
 * {@link safeNextUrl}.
 *
 * @param loginUrl - The login URL the user is sent to.
 * @param currentUrl - The URL of the request that needs a login.
 * @returns The value to put in the `next` query parameter.
 * @example
 * ```ts
 * makeNextParam('/login', 'http://app.test/private?x=1#top') // '/private?x=1'
 * makeNextParam('https://auth.test/login', 'http://app.test/a') // 'http://app.test/a'
 * ```
 */
export function makeNextParam(loginUrl: string, currentUrl: string): string {
  const l = urlsplit(loginUrl)
  const c = urlsplit(currentUrl)
  if (
    (!l.scheme || l.scheme === c.scheme) &&
    (!l.netloc || l.netloc.toLowerCase() === c.netloc.toLowerCase())
  ) {
    const path = c.path === '' && c.netloc !== '' ? '/' : c.path
    return urlunsplit({ scheme: '', netloc: '', path, query: c.query, fragment: '' })
  }
  return currentUrl
}

// host or [IPv6], optional port; no userinfo, path or whitespace can ride along.
const FORCE_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/

/**
 * Flask-Login's `login_url`: `loginView` with `next` set in its query string (other parameters
 * kept, an existing `next` replaced; URLSearchParams encoding, so `/private` is `%2Fprivate`).
 * The `next` value comes from {@link makeNextParam} against `loginView`.
 *
 * `forceHost` (Flask-Login's FORCE_HOST_FOR_REDIRECTS) replaces the host and keeps the scheme,
 * exactly as Flask-Login's `netloc` replacement: a relative `loginView` therefore becomes the
 * scheme-relative `//host/login?...`, resolved by the browser against the current scheme.
 * Unlike Flask-Login, `forceHost` also applies when no `nextUrl` is given.
 *
 * @param loginView - The login page URL (relative like `/login`, or absolute).
 * @param nextUrl - The URL to come back to; null or undefined adds no `next`.
 * @param options - `nextField`: the query parameter name (default `next`); `forceHost`: a
 *   `host[:port]` to put in the URL instead of the one in `loginView`.
 * @returns The login URL.
 * @throws {ArgumentError} When `loginView` or `nextField` is empty, or `forceHost` is not a host.
 * @example
 * ```ts
 * loginUrl('/login?lang=fr', 'http://app.test/private') // '/login?lang=fr&next=%2Fprivate'
 * ```
 */
export function loginUrl(
  loginView: string,
  nextUrl?: string | null,
  options: { nextField?: string; forceHost?: string } = {},
): string {
  const { nextField = 'next', forceHost } = options
  if (typeof loginView !== 'string' || loginView === '') {
    throw new ArgumentError('loginUrl: `loginView` must be a non-empty URL')
  }
  if (typeof nextField !== 'string' || nextField === '') {
    throw new ArgumentError('loginUrl: `nextField` must be a non-empty string')
  }
  if (forceHost !== undefined && (typeof forceHost !== 'string' || !FORCE_HOST.test(forceHost))) {
    throw new ArgumentError('loginUrl: `forceHost` must be a host name with an optional port')
  }
  if (nextUrl == null && !forceHost) return loginView
  const parts = urlsplit(loginView)
  if (nextUrl != null) {
    const params = new URLSearchParams(parts.query)
    params.set(nextField, makeNextParam(loginView, nextUrl))
    parts.query = params.toString()
  }
  if (forceHost) parts.netloc = forceHost
  return urlunsplit(parts)
}
