/**
 * @module internal/protection: session protection, Flask-Login's `session_protection`.
 *
 * At login the session stores a client identifier: SHA-512 of `<ip>|<user agent>`. When a later
 * request comes from a different identifier, `basic` keeps the user but makes the login non-fresh
 * (so sensitive pages ask for the password again), and `strong` logs the user out and drops the
 * remember cookie. The binding is a detection signal, not a defence (OWASP Session Management:
 * NAT and mobile networks change IPs), which is why `basic` is the default.
 */
import { sha512Hex, type MaybePromise } from './crypto/primitives.ts'

/** Flask-Login's `_create_identifier`: SHA-512 hex of `<ip>|<user agent>`. */
export function clientIdentifier(ip: string | null | undefined, userAgent: string | null | undefined): MaybePromise<string> {
  return sha512Hex(`${ip ?? ''}|${userAgent ?? ''}`)
}

let lastRawIp: string | undefined
let lastNormalizedIp: string | undefined

/** Normalise an address the way doorman compares it (IPv4-mapped IPv6 becomes IPv4). */
export function normalizeIp(ip: string | null | undefined): string | undefined {
  if (!ip) return undefined
  // The socket's address repeats from request to request (keep-alive, one proxy in front).
  if (ip === lastRawIp) return lastNormalizedIp
  const v = normalized(ip)
  if (ip.length <= 64) {
    lastRawIp = ip
    lastNormalizedIp = v
  }
  return v
}

function normalized(ip: string): string {
  const v = ip.trim()
  if (v.startsWith('::ffff:') && v.includes('.')) return v.slice(7)
  if (v.startsWith('[') && v.endsWith(']')) return v.slice(1, -1).toLowerCase()
  return v.toLowerCase()
}

/**
 * The client address: the socket's, unless `trustProxy` says how many proxies to believe in
 * `X-Forwarded-For` (Flask-Login #700: trusting the header by default lets clients spoof it).
 */
export function clientIp(remote: string | undefined, forwardedFor: string | null | undefined, trustProxy: boolean | number): string | undefined {
  if (trustProxy === false || trustProxy === 0 || !forwardedFor) return normalizeIp(remote)
  const hops = forwardedFor.split(',').map((s) => s.trim()).filter(Boolean)
  if (!hops.length) return normalizeIp(remote)
  if (trustProxy === true) return normalizeIp(hops[0])
  // With N trusted proxies, the client is the Nth address from the right (each proxy appends one).
  return normalizeIp(hops[Math.max(0, hops.length - trustProxy)])
}

/**
 * {@link clientIdentifier} with a small cache of recent clients, so that session protection does
 * not hash the same two strings again on every request of a session.
 */
// Client identifiers (SHA-512 of `<ip>|<user agent>`) of recent clients, so that session
// protection does not hash the same two strings again on every request of a session. Bounded in
// entries and in key length, and simply emptied when full.
const IDENT_CACHE_ENTRIES = 1024
const IDENT_CACHE_KEY_LENGTH = 512
const identCache = new Map<string, string>()

// The last client seen: consecutive requests of one client (a page and its assets, an API
// client) then skip building and hashing the cache key.
let lastIp: string | undefined
let lastUserAgent: string | null | undefined
let lastIdentifier: string | undefined

export function cachedClientIdentifier(ip: string | undefined, userAgent: string | null | undefined): string | Promise<string> {
  if (lastIdentifier !== undefined && ip === lastIp && userAgent === lastUserAgent) return lastIdentifier
  const key = `${ip ?? ''}|${userAgent ?? ''}`
  const hit = identCache.get(key)
  if (hit !== undefined) return remember(ip, userAgent, hit)
  const v = clientIdentifier(ip, userAgent)
  if (typeof v === 'string' && key.length <= IDENT_CACHE_KEY_LENGTH) {
    if (identCache.size >= IDENT_CACHE_ENTRIES) identCache.clear()
    identCache.set(key, v)
    remember(ip, userAgent, v)
  }
  return v
}

function remember(ip: string | undefined, userAgent: string | null | undefined, identifier: string): string {
  // Bounded like the map's keys: a huge User-Agent is hashed each time rather than kept.
  if ((userAgent?.length ?? 0) + (ip?.length ?? 0) < IDENT_CACHE_KEY_LENGTH) {
    lastIp = ip
    lastUserAgent = userAgent
    lastIdentifier = identifier
  }
  return identifier
}
