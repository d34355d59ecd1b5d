/**
 * @module internal/unauthorized: Flask-Login's `unauthorized()` and `needs_refresh()` flows.
 *
 * In order: the event fires; a custom handler's response is used as is; clients that want JSON
 * (an `Accept` preferring JSON, an `Authorization` header, or `X-Requested-With`) get a 401 JSON
 * body with a `WWW-Authenticate` challenge instead of an HTML redirect; otherwise the login view of
 * the request's area (or the app's) gets a redirect with `next` and a flashed message; with no view,
 * a plain 401.
 */
import * as D from './defaults.ts'
import { StoreError } from './errors.ts'
import { loginUrl, makeNextParam } from './next-url.ts'
import { clientIdentifier } from './protection.ts'
import type { RequestAuth } from './auth.ts'

/** Whether a client prefers JSON to an HTML redirect. */
export function wantsJson(header: (name: string) => string | null | undefined): boolean {
  if (header('authorization')) return true
  if ((header('x-requested-with') ?? '').toLowerCase() === 'xmlhttprequest') return true
  const accept = header('accept')
  if (!accept) return false
  let json = -1
  let html = -1
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';')
    const qp = params.find((p) => p.trim().startsWith('q='))
    const q = qp ? Number(qp.trim().slice(2)) : 1
    if (!Number.isFinite(q)) continue
    if (type === 'application/json' || type.endsWith('+json')) json = Math.max(json, q)
    else if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q)
  }
  return json > 0 && json >= html
}

/** Pick the view for the request's area: the longest matching path prefix, else the default. */
export function viewFor(path: string, views: Record<string, string> | undefined, fallback: string | null | undefined): string | null {
  let best: string | null = null
  let bestLen = -1
  if (views) {
    for (const prefix in views) {
      const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix
      // Segment-boundary match: '/admin' covers '/admin' and '/admin/x', not '/administrator'.
      if ((path === p || path.startsWith(p + '/') || p === '') && p.length > bestLen) {
        best = views[prefix]
        bestLen = p.length
      }
    }
  }
  return best ?? fallback ?? null
}

function json(status: number, code: string, message: string, challenge: string): Response {
  return new Response(JSON.stringify({ error: code === 'DOORMAN_UNAUTHORIZED' ? 'unauthorized' : 'needs_refresh', code, message }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': challenge, 'cache-control': 'no-store' },
  })
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } })
}

/** 503 for a store outage: fail closed, no detail (ASVS 16.5.3). */
export function storeUnavailable(jsonClient: boolean): Response {
  const r = jsonClient
    ? new Response(JSON.stringify({ error: 'unavailable', code: 'DOORMAN_STORE_UNAVAILABLE', message: 'Sessions are temporarily unavailable.' }), {
        status: 503,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      })
    : text(503, 'Service Unavailable: sessions are temporarily unavailable.')
  r.headers.set('retry-after', '5')
  r.headers.set('cache-control', 'no-store')
  return r
}

/** Turn an error into a doorman response when it is one doorman answers for (a store outage). */
export function responseForError(err: unknown, header: (n: string) => string | null | undefined): Response | null {
  return err instanceof StoreError ? storeUnavailable(wantsJson(header)) : null
}

async function redirectToView(auth: RequestAuth, view: string, message: string, category: string): Promise<Response> {
  const m = auth.manager
  await auth.flashLocalized(message, category)
  const current = auth.request.url
  let location: string
  if (m.options.useSessionForNext) {
    const s = await auth.session()
    s.set(D.SESSION_KEYS.next, makeNextParam(view, current))
    if (!s.has(D.SESSION_KEYS.identifier)) s.set(D.SESSION_KEYS.identifier, await clientIdentifier(auth.ip, auth.request.header('user-agent')))
    location = loginUrl(view, null, { forceHost: m.options.forceHostForRedirects ?? undefined })
  } else {
    location = loginUrl(view, current, { nextField: m.nextField, forceHost: m.options.forceHostForRedirects ?? undefined })
  }
  return new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } })
}

/**
 * Flask-Login's `unauthorized()`: the response for an anonymous request to a protected route.
 *
 * @param loginView - a view for this route, overriding the area's and the app's.
 */
export async function unauthorized(auth: RequestAuth, loginView?: string | null): Promise<Response> {
  const m = auth.manager
  m.events.emit('unauthorized', { request: auth.eventRequest })
  if (m.options.unauthorizedHandler) return m.options.unauthorizedHandler(auth)
  const message = m.options.loginMessage ?? D.LOGIN_MESSAGE
  if (wantsJson((n) => auth.request.header(n))) {
    return json(401, 'DOORMAN_UNAUTHORIZED', message || 'Authentication required.', m.options.wwwAuthenticate ?? D.WWW_AUTHENTICATE)
  }
  const view = loginView ?? viewFor(new URL(auth.request.url).pathname, m.options.loginViews, m.options.loginView)
  if (!view) return text(401, 'Unauthorized')
  return redirectToView(auth, view, message, m.options.loginMessageCategory ?? D.LOGIN_MESSAGE_CATEGORY)
}

/** Flask-Login's `needs_refresh()`: the response for a non-fresh login on a fresh-only route. */
export async function needsRefresh(auth: RequestAuth, refreshView?: string | null): Promise<Response> {
  const m = auth.manager
  m.events.emit('needsRefresh', { user: auth.loadedUser ?? null, request: auth.eventRequest })
  if (m.options.needsRefreshHandler) return m.options.needsRefreshHandler(auth)
  const message = m.options.needsRefreshMessage ?? D.NEEDS_REFRESH_MESSAGE
  if (wantsJson((n) => auth.request.header(n))) {
    // RFC 9470: the step-up challenge for "authenticate again".
    const base = m.options.wwwAuthenticate ?? D.WWW_AUTHENTICATE
    return json(401, 'DOORMAN_NEEDS_REFRESH', message || 'Reauthentication required.', `${base} error="insufficient_user_authentication"`)
  }
  const view = refreshView ?? viewFor(new URL(auth.request.url).pathname, m.options.refreshViews, m.options.refreshView)
  if (!view) return text(401, 'Unauthorized')
  return redirectToView(auth, view, message, m.options.needsRefreshMessageCategory ?? D.NEEDS_REFRESH_MESSAGE_CATEGORY)
}
