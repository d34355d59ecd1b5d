/**
 * @module internal/context: the one small port between doorman's core and a framework.
 *
 * Adapters translate their request into an {@link AuthRequest}; the core never sees `req`/`res`.
 * What the core wants written back comes out of `RequestAuth.commit()` as plain header lines.
 */

/** The request as the core sees it. */
export interface AuthRequest {
  /** HTTP method, upper case. */
  readonly method: string
  /** Absolute URL of the request as the client sent it (scheme and host from the adapter). */
  readonly url: string
  /** A request header by lower-case name, or null/undefined when absent (several joined with `, `). */
  header(name: string): string | null | undefined
  /** The socket's peer address; proxies are only trusted through the manager's `trustProxy`. */
  readonly remoteAddress?: string | undefined
}

/** Build an {@link AuthRequest} from a Web-standard `Request`. */
export function fromWebRequest(request: Request, remoteAddress?: string): AuthRequest {
  return {
    method: request.method,
    url: request.url,
    header: (name) => request.headers.get(name),
    remoteAddress,
  }
}
