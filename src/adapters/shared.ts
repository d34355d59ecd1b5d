/**
 * @module internal/adapters/shared: what every adapter does at the end of a request.
 */
import { responseForError } from '../unauthorized.ts'
import type { RequestAuth } from '../auth.ts'
import type { AuthRequest } from '../context.ts'
import { promised } from '../session/backend.ts'

/** Headers to add to a response once the request is done. */
export interface FinalHeaders {
  /** `Set-Cookie` values. */
  setCookie: string[]
  /** `Cache-Control` to force (a cookie is being set), or to set when the app set none. */
  cacheControl: { value: string; force: boolean } | null
  /** Whether to add `Cookie` to `Vary`. */
  varyCookie: boolean
}

/**
 * Commit the request's auth state and say which headers go out. A reply that sets a cookie, or is
 * rendered for a logged-in user, must not be cached by a shared cache (Flask CVE-2023-30861).
 */
export function finalHeaders(auth: RequestAuth): Promise<FinalHeaders> {
  return promised(() => finalHeadersNow(auth))
}

const NO_COOKIE: readonly string[] = Object.freeze([])
const PRIVATE: FinalHeaders = Object.freeze({ setCookie: NO_COOKIE as string[], cacheControl: Object.freeze({ value: 'private, no-store', force: false }), varyCookie: true })
const PLAIN: FinalHeaders = Object.freeze({ setCookie: NO_COOKIE as string[], cacheControl: null, varyCookie: false })

/** {@link finalHeaders}, synchronous when nothing is to be written (the common case). May throw. */
export function finalHeadersNow(auth: RequestAuth): FinalHeaders | Promise<FinalHeaders> {
  const setCookie = auth.commitNow()
  return setCookie instanceof Promise ? setCookie.then((c) => headersFor(auth, c)) : headersFor(auth, setCookie)
}

function headersFor(auth: RequestAuth, setCookie: string[]): FinalHeaders {
  if (setCookie.length) return { setCookie, cacheControl: { value: 'no-store', force: true }, varyCookie: true }
  return auth.loadedUser != null && !auth.viaRequestLoader ? PRIVATE : PLAIN
}

/** Add `Cookie` to a `Vary` value. */
export function mergeVary(existing: string | null | undefined): string {
  if (!existing) return 'Cookie'
  if (existing.split(',').some((v) => v.trim() === '*' || v.trim().toLowerCase() === 'cookie')) return existing
  return `${existing}, Cookie`
}

/** Apply {@link FinalHeaders} to a Web `Response`, copying it when its headers are immutable. */
export function applyToResponse(res: Response, h: FinalHeaders): Response {
  if (!h.setCookie.length && !h.cacheControl && !h.varyCookie) return res
  let out = res
  try {
    write(out.headers, h)
  } catch {
    out = new Response(res.body, res)
    write(out.headers, h)
  }
  return out
}

function write(headers: Headers, h: FinalHeaders): void {
  for (const c of h.setCookie) headers.append('set-cookie', c)
  if (h.cacheControl && (h.cacheControl.force || !headers.has('cache-control'))) headers.set('cache-control', h.cacheControl.value)
  if (h.varyCookie) headers.set('vary', mergeVary(headers.get('vary')))
}

/** The response for an error doorman answers for itself (a store outage → 503), else null. */
export function errorResponse(auth: RequestAuth, err: unknown): Response | null {
  return responseForError(err, (n) => auth.request.header(n))
}

/** Minimal Node `ServerResponse` surface the Express and Fastify adapters write to. */
export interface NodeLikeResponse {
  statusCode: number
  setHeader(name: string, value: string | string[]): unknown
  getHeader(name: string): unknown
}

/** Apply {@link FinalHeaders} to a Node response whose headers have not been sent. */
export function applyToNode(res: NodeLikeResponse, h: FinalHeaders): void {
  if (h.setCookie.length) {
    const prev = res.getHeader('set-cookie')
    const list = prev === undefined ? [] : Array.isArray(prev) ? prev.map(String) : [String(prev)]
    res.setHeader('set-cookie', [...list, ...h.setCookie])
  }
  if (h.cacheControl && (h.cacheControl.force || res.getHeader('cache-control') === undefined)) res.setHeader('cache-control', h.cacheControl.value)
  if (h.varyCookie) res.setHeader('vary', mergeVary(res.getHeader('vary') as string | undefined))
}

/** A Node request header by lower-case name, several values joined with `, `, or null. */
export function nodeHeader(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name]
  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
}

/** The parts of a Node `IncomingMessage` doorman reads. */
export interface NodeLikeRequest {
  method?: string
  headers: Record<string, string | string[] | undefined>
  socket?: { remoteAddress?: string; encrypted?: boolean } | null
}

/**
 * An {@link AuthRequest} over a Node request (Express, Fastify): one object per request, no
 * closures, and the absolute URL built only if something asks for it.
 */
export class NodeAuthRequest implements AuthRequest {
  readonly method: string
  readonly remoteAddress: string | undefined
  #url: string | undefined

  /** @param path the request target as the client sent it (`/a?b`), before any router rewrote it. */
  constructor(
    readonly raw: NodeLikeRequest,
    readonly path: string,
  ) {
    this.method = raw.method ?? 'GET'
    this.remoteAddress = raw.socket?.remoteAddress
  }

  get url(): string {
    return (this.#url ??= this.origin() + this.path)
  }

  header(name: string): string | null {
    return nodeHeader(this.raw.headers, name)
  }

  /** Scheme and host: the socket's TLS state and the Host header (adapters may know better). */
  protected origin(): string {
    return `${this.raw.socket?.encrypted ? 'https' : 'http'}://${this.raw.headers.host ?? 'localhost'}`
  }
}
