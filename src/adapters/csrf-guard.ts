/**
 * @module internal/adapters/csrf-guard: what every `csrf()` middleware does on a request, so the
 * four framework files only say where the form body and the template locals live.
 */
import { BodyError, ConfigError, CsrfError } from '../errors.ts'
import { wantsJson } from '../unauthorized.ts'
import { isExempt } from '../guards.ts'
import { checkRequestOrigin, csrfFailure, csrfToken, hasAmbientCredentials, verifyCsrf, type ResolvedCsrfOptions } from '../csrf.ts'
import type { RequestAuth } from '../auth.ts'
import type { RegisteredUser } from '../types.ts'

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
const FORMS = new Set(['application/x-www-form-urlencoded', 'multipart/form-data'])

/**
 * Run every check on one request: null lets it through, else the refusal to send (a 403, or the
 * app's `onFailure` answer). `readField` returns the parsed form field; it is called only for a
 * form body that came without the header, and whatever it throws becomes a 403, never a 500.
 */
export async function csrfProtect(auth: RequestAuth<RegisteredUser> | undefined, o: ResolvedCsrfOptions, readField: () => unknown): Promise<Response | null> {
  if (!auth) throw new ConfigError('csrf', 'needs doorman mounted before it (the request has no auth object)')
  const method = auth.request.method.toUpperCase()
  // The raw path, as the adapters' own `protect()` matches it (better-auth GHSA-x732-6j76-qmhm).
  const path = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(auth.request.url)?.[1] || '/'
  if (SAFE.has(method) || isExempt(path, method, o.exempt)) return null
  try {
    checkRequestOrigin(auth, o)
    if (!o.requireToken || (o.skipCookieless && !hasAmbientCredentials(auth))) return null
    let token: unknown = auth.request.header(o.headerName) || undefined
    const type = auth.request.header('content-type')?.split(';')[0].trim().toLowerCase() ?? ''
    if (token === undefined && FORMS.has(type)) {
      try {
        token = await readField()
      } catch (e) {
        // A body that cannot be read is the client's mistake (400, 413), not a CSRF refusal.
        if (e instanceof BodyError) return bodyRefused(e, auth)
        throw e instanceof CsrfError ? e : new CsrfError('token-malformed', 'CSRF token missing or invalid.')
      }
    }
    await verifyCsrf(auth, token)
    return null
  } catch (e) {
    if (!(e instanceof CsrfError)) throw e
    return o.onFailure ? o.onFailure(e, auth) : csrfFailure(e, auth)
  }
}

/** The answer to a form body that could not be read: 400 or 413, JSON for JSON clients. */
function bodyRefused(e: BodyError, auth: RequestAuth<any>): Response {
  if (!wantsJson((n) => auth.request.header(n))) return e.getResponse()
  const error = e.reason === 'too-large' ? 'payload_too_large' : 'bad_request'
  return Response.json({ error, code: e.code, message: e.message.replace(/^doorman: /, '') }, { status: e.status, headers: { 'cache-control': 'no-store' } })
}

/** A per-request, memoised `csrfToken()` for template locals: no session work until a template asks. */
export function lazyToken(auth: RequestAuth): () => Promise<string> {
  let token: Promise<string> | undefined
  return () => (token ??= csrfToken(auth))
}
