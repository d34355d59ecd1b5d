/**
 * CSRF protection for every unsafe method whatever its Content-Type (Hono
 * CVE-2024-43787/48913): `Sec-Fetch-Site`, else `Origin`, else `Referer`, plus a session-bound
 * masked token for forms. Middlewares: `csrf()` from `doorman-login/hono`, `/express`, `/fastify`,
 * `/fetch`. See docs/csrf.md.
 * @example
 * ```ts
 * const field = `<input type="hidden" name="csrf_token" value="${await csrfToken(auth)}">`
 * ```
 *
 * @module doorman-login/csrf
 */
import { ConfigError, CsrfError } from './errors.ts'
import { SESSION_KEYS } from './defaults.ts'
import { randomBytes, randomToken } from './crypto/primitives.ts'
import { fromBase64Url, toBase64Url } from './crypto/encoding.ts'
import { isExempt, type Exemption } from './guards.ts'
import { wantsJson } from './unauthorized.ts'
import type { RequestAuth } from './auth.ts'
import type { RegisteredUser } from './types.ts'

/** Options of the `csrf()` middlewares and {@link checkRequestOrigin}. */
export interface CsrfOptions {
  /** Form field that carries the token. @default 'csrf_token' */
  tokenField?: string
  /** Header that carries the token (read before the form field). @default 'x-csrf-token' */
  headerName?: string
  /** Other origins allowed to post, as browsers send them (`'https://app.example.com'`). @default [] */
  trustedOrigins?: readonly string[]
  /** Accept `Sec-Fetch-Site: same-site`, i.e. trust every sibling subdomain. @default false */
  allowSameSite?: boolean
  /** Paths never checked, matched by `isExempt` on the raw path (trick spellings stay checked). @default [] */
  exempt?: readonly Exemption[]
  /** Require the session-bound token on top of the header checks (false: header checks only). @default true */
  requireToken?: boolean
  /** Refuse a request that has cookies but none of Sec-Fetch-Site, Origin, Referer. @default true */
  requireOriginHeader?: boolean
  /** A request with no ambient credential (no Cookie, no Basic/Digest auth) skips the token and the rule above. @default true */
  skipCookieless?: boolean
  /**
   * Largest form body the Hono and fetch middlewares read to find the token field, in bytes: a
   * longer one is a 413, a malformed one a 400 (Express and Fastify read `req.body`, parsed under
   * their own body limits). The body is not read when the token comes in the header.
   * @default 1048576 (1 MiB, Fastify's bodyLimit)
   */
  maxBodySize?: number
  /** Build the refusal yourself (e.g. an HTML page); the default is a 403 in text or JSON. `auth` is typed with the registered user. */
  onFailure?: (error: CsrfError, auth: RequestAuth<RegisteredUser>) => Response | Promise<Response>
}

/** Why a request was refused: the `reason` of its {@link CsrfError}. */
export type CsrfReason = 'cross-site' | 'same-site' | 'origin' | 'origin-null' | 'referer' | 'origin-missing' | 'token-missing' | 'token-malformed' | 'token-mismatch'

/** Options checked once, defaults filled in. */
export type ResolvedCsrfOptions = Required<Omit<CsrfOptions, 'trustedOrigins' | 'onFailure'>> & Pick<CsrfOptions, 'onFailure'> & { trustedOrigins: ReadonlySet<string> }

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
const TOKEN_MESSAGE = 'CSRF token missing or invalid.'
const MAC_BYTES = 32
const resolved = new WeakMap<object, ResolvedCsrfOptions>()
const originOf = (url: string) => (URL.canParse(url) ? new URL(url).origin : null)
const xor = (a: Uint8Array, b: Uint8Array) => a.map((x, i) => x ^ b[i])

/** Check options once (a ConfigError names the bad one); the middlewares call it when created. */
export function resolveCsrfOptions(options: CsrfOptions | ResolvedCsrfOptions = {}): ResolvedCsrfOptions {
  const hit = resolved.get(options)
  if (hit) return hit
  const o = options as CsrfOptions
  const fail = (k: string, msg: string): never => { throw new ConfigError(`csrf.${k}`, msg) }
  for (const k of ['tokenField', 'headerName'] as const) if (o[k] != null && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(String(o[k]))) fail(k, 'must be a field or header name')
  for (const k of ['allowSameSite', 'requireToken', 'requireOriginHeader', 'skipCookieless'] as const) if (o[k] != null && typeof o[k] !== 'boolean') fail(k, 'must be true or false')
  for (const t of o.trustedOrigins ?? []) if (typeof t !== 'string' || t === 'null' || originOf(t) !== t) fail('trustedOrigins', `must list origins like 'https://app.example.com', got ${JSON.stringify(t)}`)
  if (o.onFailure != null && typeof o.onFailure !== 'function') fail('onFailure', 'must be a function')
  if (o.maxBodySize != null && !(Number.isSafeInteger(o.maxBodySize) && o.maxBodySize > 0)) fail('maxBodySize', 'must be a whole number of bytes, more than 0')
  const out: ResolvedCsrfOptions = {
    tokenField: o.tokenField ?? 'csrf_token', headerName: (o.headerName ?? 'x-csrf-token').toLowerCase(),
    trustedOrigins: new Set(o.trustedOrigins), allowSameSite: o.allowSameSite ?? false, exempt: o.exempt ?? [],
    requireToken: o.requireToken ?? true, requireOriginHeader: o.requireOriginHeader ?? true, skipCookieless: o.skipCookieless ?? true, onFailure: o.onFailure,
    maxBodySize: o.maxBodySize ?? 1024 * 1024,
  }
  resolved.set(options, out).set(out, out)
  return out
}

/** Whether the request carries a credential browsers attach by themselves: cookies, or HTTP authentication other than Bearer. */
export function hasAmbientCredentials(auth: RequestAuth): boolean {
  const authz = auth.request.header('authorization')?.trim()
  return !!auth.request.header('cookie')?.trim() || (!!authz && !/^bearer\s/i.test(authz))
}

/**
 * The header checks on an unsafe request: `Sec-Fetch-Site` `same-origin`/`none` pass; without
 * it, `Origin` (`null` fails), else `Referer`, must be the request's origin or a trusted one.
 *
 * @throws CsrfError (403) whose `reason` says which check failed.
 */
export function checkRequestOrigin(auth: RequestAuth, options: CsrfOptions | ResolvedCsrfOptions = {}): void {
  const o = resolveCsrfOptions(options)
  const h = (n: string) => auth.request.header(n)?.trim() || null
  if (SAFE.has(auth.request.method.toUpperCase())) return
  const origin = h('origin')
  const site = h('sec-fetch-site')?.toLowerCase()
  if (site) {
    if (site === 'same-origin' || site === 'none' || (origin && o.trustedOrigins.has(origin)) || (site === 'same-site' && o.allowSameSite)) return
    throw new CsrfError(site === 'same-site' ? 'same-site' : 'cross-site')
  }
  if (origin === 'null') throw new CsrfError('origin-null')
  const referer = h('referer')
  if (origin || referer) {
    const own = originOf(auth.request.url)?.replace(/^[a-z]+:/, auth.secure ? 'https:' : 'http:') // scheme as the client saw it (trustProxy)
    const from = origin ?? originOf(referer!)
    if (from && from !== 'null' && (from === own || o.trustedOrigins.has(from))) return
    throw new CsrfError(origin ? 'origin' : 'referer')
  }
  if (o.requireOriginHeader && !(o.skipCookieless && !hasAmbientCredentials(auth))) throw new CsrfError('origin-missing')
}

/** `<kid>‖<mac>` of the secret under the CSRF key: the token before masking (the kid survives key rotation). */
async function rawToken(auth: RequestAuth, secret: string): Promise<Uint8Array> {
  const [kid, mac] = (await auth.manager.keyring('csrf').tag(secret)).split('.').map((p) => fromBase64Url(p)!)
  return Uint8Array.from([...kid, ...mac])
}

/**
 * A token for a form field or a header, bound to the session's CSRF secret (created on first
 * use; login and logout drop it). Each call masks it afresh against BREACH.
 */
export async function csrfToken(auth: RequestAuth): Promise<string> {
  const s = await auth.session()
  let secret = s.get<string>(SESSION_KEYS.csrf)
  if (typeof secret !== 'string' || !/^[\w-]{43}$/.test(secret)) s.set(SESSION_KEYS.csrf, (secret = randomToken(32)))
  const raw = await rawToken(auth, secret)
  const mask = randomBytes(raw.length)
  return toBase64Url(Uint8Array.from([...mask, ...xor(raw, mask)]))
}

/**
 * Verify a submitted token against the session, in constant time. Anything but one well-formed
 * string is refused, as are tokens of another session or from before login; nothing is created.
 *
 * @throws CsrfError `token-missing`, `token-malformed` or `token-mismatch`.
 */
export async function verifyCsrf(auth: RequestAuth, submitted: unknown): Promise<void> {
  if (submitted === undefined || submitted === null || submitted === '') throw new CsrfError('token-missing', TOKEN_MESSAGE)
  const bytes = typeof submitted === 'string' && submitted.length <= 512 ? fromBase64Url(submitted) : null
  const n = bytes ? bytes.length / 2 : 0
  if (!bytes || !Number.isInteger(n) || n <= MAC_BYTES) throw new CsrfError('token-malformed', TOKEN_MESSAGE)
  const raw = xor(bytes.subarray(n), bytes.subarray(0, n))
  const secret = (await auth.session()).get(SESSION_KEYS.csrf)
  const tag = `${toBase64Url(raw.subarray(0, n - MAC_BYTES))}.${toBase64Url(raw.subarray(n - MAC_BYTES))}`
  if (typeof secret !== 'string' || !(await auth.manager.keyring('csrf').checkTag(tag, secret))) throw new CsrfError('token-mismatch', TOKEN_MESSAGE)
}

/** The default refusal: 403, JSON for JSON clients, plain text otherwise, never cached. */
export function csrfFailure(error: CsrfError, auth: RequestAuth): Response {
  const json = wantsJson((n) => auth.request.header(n)) || /[/+]json\b/i.test(auth.request.header('content-type') ?? '')
  const body = json ? JSON.stringify({ error: 'csrf', code: error.code, reason: error.reason, message: error.message }) : `Forbidden: ${error.message} (${error.reason})`
  return new Response(body, { status: 403, headers: { 'content-type': `${json ? 'application/json' : 'text/plain'}; charset=utf-8`, 'cache-control': 'no-store' } })
}
