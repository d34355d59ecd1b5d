/**
 * @module examples/flask-side-by-side/proxy: one origin in front of both apps, the part nginx or
 * Caddy plays in production (nginx.conf and Caddyfile here say the same thing).
 *
 * The paths in {@link FLASK_ROUTES} go to Flask, everything else to doorman. Moving a route is
 * deleting it from that list once doorman serves it. The proxy overwrites `X-Forwarded-For` with
 * the address it sees: Flask-Login 0.6 binds sessions to the first address of that header, which
 * a client could otherwise write itself.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * The routes Flask still owns, as path prefixes (`/account` also covers `/account/...`). Moving a
 * route to doorman = implementing it in doorman.ts and deleting it here.
 */
export const FLASK_ROUTES: readonly string[] = ['/login', '/logout', '/account', '/flask']

/** Whether `pathname` belongs to one of `routes`. */
export function ownedBy(routes: readonly string[], pathname: string): boolean {
  return routes.some((r) => pathname === r || pathname.startsWith(r.endsWith('/') ? r : `${r}/`))
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's own, never forwarded.
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization'])

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  /** Where Flask listens, e.g. `http://127.0.0.1:5000`; undefined once it is switched off. */
  flask?: string
  /** Where doorman listens. */
  doorman: string
  /** Flask's routes. @default FLASK_ROUTES */
  flaskRoutes?: readonly string[]
  port: number
  host?: string
}

/** Start the proxy; resolves with its URL and a close function. */
export async function startProxy(o: ProxyOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const routes = o.flask ? (o.flaskRoutes ?? FLASK_ROUTES) : []
  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0]
    const upstream = new URL(ownedBy(routes, pathname) ? o.flask! : o.doorman)
    const headers: http.OutgoingHttpHeaders = {}
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && v !== undefined) headers[k] = v
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? ''
    headers['x-forwarded-proto'] = 'http'
    headers['x-forwarded-host'] = req.headers.host ?? ''
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (up) => {
        const back: http.OutgoingHttpHeaders = {}
        for (const [k, v] of Object.entries(up.headers)) if (!HOP.has(k) && v !== undefined) back[k] = v
        res.writeHead(up.statusCode ?? 502, back)
        up.pipe(res)
      },
    )
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end('Bad gateway')
    })
    req.pipe(out)
  })
  await new Promise<void>((resolve) => server.listen(o.port, o.host ?? '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
