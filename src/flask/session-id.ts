/**
 * @module internal/flask/session-id: Flask-Login's session identifier (`_id`), computed exactly as
 * the Flask app's Flask-Login computes it, so `basic`/`strong` session protection agree on both
 * sides.
 *
 * - `'0.6'` (every released 0.6.x, the default): SHA-512 hex of
 *   `"<repr(addr bytes)>|<repr(user agent bytes)>"`, e.g. `b'10.0.0.1'|b'curl/8.0'`, where the
 *   address is the first `X-Forwarded-For` entry when that header is present (whatever
 *   `trustProxy` says: Flask-Login 0.6 always reads it) and the socket's otherwise, and a missing
 *   header is `None`.
 * - `'main'` (Flask-Login's unreleased main branch): SHA-512 hex of `"<remote_addr>|<user agent>"`,
 *   the address being the one doorman trusts (`trustProxy`, like werkzeug's ProxyFix), `None` when
 *   unknown, and an empty string for a missing user agent.
 */
import { utf8 } from '../crypto/encoding.ts'
import { sha512Hex, type MaybePromise } from '../crypto/primitives.ts'
import { normalizeIp } from '../protection.ts'

/** Which Flask-Login computes the identifier: the released 0.6.x, or the main branch. */
export type FlaskLoginIdentifier = '0.6' | 'main'

/** What the identifier is computed from, as the request carries it. */
export interface IdentifierRequest {
  /** The socket's peer address. */
  remoteAddress?: string | null
  /** The `X-Forwarded-For` header as received (several headers joined by commas). */
  forwardedFor?: string | null
  /** The `User-Agent` header. */
  userAgent?: string | null
  /** The client address after `trustProxy` (what the `'main'` formula reads). */
  trustedIp?: string | null
}

/** CPython's `repr(bytes)`: `b'...'`, or `b"..."` when the bytes hold a `'` and no `"`. */
export function pythonBytesRepr(bytes: Uint8Array): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? 0x22 : 0x27
  let out = 'b' + String.fromCharCode(quote)
  for (const c of bytes) {
    if (c === quote || c === 0x5c) out += '\\' + String.fromCharCode(c)
    else if (c === 0x09) out += '\\t'
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0d) out += '\\r'
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
    else out += String.fromCharCode(c)
  }
  return out + String.fromCharCode(quote)
}

// Header values reach us as Latin-1 text (Node and the Fetch API both map each byte to one
// character), exactly as WSGI hands them to werkzeug; Flask-Login then encodes them as UTF-8.
const ASCII_SPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c])

function firstHop(header: string): Uint8Array {
  const b = utf8(header)
  let end = b.indexOf(0x2c)
  if (end < 0) end = b.length
  let start = 0
  while (start < end && ASCII_SPACE.has(b[start])) start++
  while (end > start && ASCII_SPACE.has(b[end - 1])) end--
  return b.subarray(start, end)
}

/** The base string Flask-Login hashes, before SHA-512. */
export function identifierBase(formula: FlaskLoginIdentifier, r: IdentifierRequest): string {
  if (formula === 'main') return `${r.trustedIp ?? 'None'}|${r.userAgent ?? ''}`
  const xff = r.forwardedFor
  const remote = normalizeIp(r.remoteAddress)
  const addr = xff != null ? pythonBytesRepr(firstHop(xff)) : remote !== undefined ? pythonBytesRepr(utf8(remote)) : 'None'
  const ua = r.userAgent != null ? pythonBytesRepr(utf8(r.userAgent)) : 'None'
  return `${addr}|${ua}`
}

// Identifiers of recent clients, so that protection does not hash the same strings on every
// request of a session; bounded in entries and key length, emptied when full.
const cache = new Map<string, string>()
const CACHE_ENTRIES = 1024
const CACHE_KEY_LENGTH = 1024

/** Flask-Login's `_create_identifier()` for this request, as lowercase SHA-512 hex. */
export function flaskLoginIdentifier(formula: FlaskLoginIdentifier, r: IdentifierRequest): MaybePromise<string> {
  const base = identifierBase(formula, r)
  const hit = cache.get(base)
  if (hit !== undefined) return hit
  const v = sha512Hex(base)
  if (typeof v === 'string' && base.length <= CACHE_KEY_LENGTH) {
    if (cache.size >= CACHE_ENTRIES) cache.clear()
    cache.set(base, v)
  }
  return v
}
