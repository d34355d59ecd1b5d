/**
 * @module test/helpers/client: a tiny browser-like client over a {@link Target}.
 *
 * It keeps the cookies a server sets (`Set-Cookie`), deletes them on `Max-Age=0` or a past
 * `Expires`, and sends them back in one `Cookie` header, like a browser: only on matching paths,
 * and Secure ones only when the client is told it talks HTTPS. It never follows redirects.
 */
import type { Target, TargetInit } from './adapters.ts'

/** A cookie as the jar keeps it. */
export interface JarCookie {
  name: string
  value: string
  path: string
  secure: boolean
  httpOnly: boolean
  sameSite: string | undefined
  maxAge: number | undefined
  expires: string | undefined
  domain: string | undefined
  /** The whole Set-Cookie line it came from. */
  raw: string
}

/** Parse one Set-Cookie line (just enough for tests: attributes are case-insensitive). */
export function parseSetCookie(line: string): JarCookie {
  const [pair, ...attrs] = line.split(';')
  const eq = pair.indexOf('=')
  const c: JarCookie = {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    path: '/',
    secure: false,
    httpOnly: false,
    sameSite: undefined,
    maxAge: undefined,
    expires: undefined,
    domain: undefined,
    raw: line,
  }
  for (const a of attrs) {
    const i = a.indexOf('=')
    const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase()
    const val = i < 0 ? '' : a.slice(i + 1).trim()
    if (key === 'path') c.path = val
    else if (key === 'secure') c.secure = true
    else if (key === 'httponly') c.httpOnly = true
    else if (key === 'samesite') c.sameSite = val
    else if (key === 'max-age') c.maxAge = Number(val)
    else if (key === 'expires') c.expires = val
    else if (key === 'domain') c.domain = val
  }
  return c
}

/** Options of a {@link Client}. */
export interface ClientOptions {
  /** Headers sent with every request (e.g. a User-Agent). */
  headers?: Record<string, string>
  /** The browser talks HTTPS (through a TLS-terminating proxy): Secure cookies are sent. */
  https?: boolean
}

/** A browser-like client with a cookie jar. */
export class Client {
  readonly jar = new Map<string, JarCookie>()
  headers: Record<string, string>
  https: boolean
  /** The last response's Set-Cookie lines. */
  lastSetCookie: string[] = []

  constructor(
    readonly target: Target,
    options: ClientOptions = {},
  ) {
    this.headers = { ...options.headers }
    this.https = options.https ?? false
  }

  /** The `Cookie` header the browser would send for `path`, or undefined when none. */
  cookieHeader(path = '/'): string | undefined {
    const pathname = path.split('?')[0]
    const out: string[] = []
    for (const c of this.jar.values()) {
      if (c.secure && !this.https) continue
      if (!(pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : c.path + '/'))) continue
      out.push(`${c.name}=${c.value}`)
    }
    return out.length ? out.join('; ') : undefined
  }

  /** Send a request with the jar's cookies; store what comes back. */
  async request(path: string, init: TargetInit = {}): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, ...init.headers }
    const cookie = this.cookieHeader(path)
    if (cookie && !Object.keys(headers).some((k) => k.toLowerCase() === 'cookie')) headers.cookie = cookie
    const res = await this.target.request(path, { ...init, headers })
    this.lastSetCookie = res.headers.getSetCookie()
    for (const line of this.lastSetCookie) this.store(parseSetCookie(line))
    return res
  }

  get(path: string, init: TargetInit = {}): Promise<Response> {
    return this.request(path, { ...init, method: 'GET' })
  }

  /** POST a form (urlencoded). */
  post(path: string, form: Record<string, string> = {}, init: TargetInit = {}): Promise<Response> {
    return this.request(path, {
      ...init,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
      body: new URLSearchParams(form).toString(),
    })
  }

  /** GET and parse JSON. */
  async json<T = any>(path: string, init: TargetInit = {}): Promise<T> {
    return (await this.get(path, init)).json() as Promise<T>
  }

  store(c: JarCookie): void {
    const key = `${c.name};${c.path}`
    const expired = (c.maxAge !== undefined && c.maxAge <= 0) || (c.expires !== undefined && Date.parse(c.expires) <= Date.now())
    if (expired) this.jar.delete(key)
    else this.jar.set(key, c)
  }

  /** The stored value of cookie `name` (any path), or undefined. */
  cookie(name: string): string | undefined {
    for (const c of this.jar.values()) if (c.name === name) return c.value
    return undefined
  }

  /** The stored cookie `name` with its attributes. */
  cookieEntry(name: string): JarCookie | undefined {
    for (const c of this.jar.values()) if (c.name === name) return c
    return undefined
  }

  /** Plant (or replace) a cookie, as an attacker or another tab would. */
  setCookie(name: string, value: string, path = '/'): void {
    this.store({ ...parseSetCookie(`${name}=${value}`), path })
  }

  /** Forget a cookie. */
  deleteCookie(name: string): void {
    for (const [k, c] of this.jar) if (c.name === name) this.jar.delete(k)
  }

  /** A second client with a copy of this jar (another tab, a stolen cookie, a replay). */
  clone(options: ClientOptions = {}): Client {
    const c = new Client(this.target, { headers: { ...this.headers, ...options.headers }, https: options.https ?? this.https })
    for (const [k, v] of this.jar) c.jar.set(k, { ...v })
    return c
  }
}
