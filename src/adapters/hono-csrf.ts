/**
 * @module internal/adapters/hono-csrf: the CSRF middleware for Hono, exported from `doorman-login/hono`.
 *
 * @example
 * ```ts
 * import { doorman, csrf } from 'doorman-login/hono'
 * app.use(doorman(manager), csrf())
 * app.get('/form', async (c) => c.html(`<input type="hidden" name="csrf_token" value="${await c.get('csrfToken')()}">`))
 * ```
 */
import type { MiddlewareHandler } from 'hono'
import { resolveCsrfOptions, type CsrfOptions } from '../csrf.ts'
import { csrfProtect, lazyToken } from './csrf-guard.ts'
import { readFormBody } from '../form-body.ts'

declare module 'hono' {
  interface ContextVariableMap {
    /** This request's masked CSRF token (the session's secret is created on the first call). */
    csrfToken: () => Promise<string>
  }
}

/**
 * Check every unsafe request (see `doorman-login/csrf`) and set `c.get('csrfToken')` for templates.
 * Mount after `doorman()`. The form field is read from a clone of the request (at most
 * `maxBodySize` bytes: 413 beyond, 400 when malformed, never a 500), so the handler can parse the
 * body again.
 *
 * @param options - see `CsrfOptions`; checked now.
 */
export function csrf(options: CsrfOptions = {}): MiddlewareHandler {
  const o = resolveCsrfOptions(options)
  return async (c, next) => {
    const auth = c.get('auth')
    if (auth) c.set('csrfToken', lazyToken(auth))
    const denied = await csrfProtect(auth, o, async () => {
      const values = (await readFormBody(c.req.raw, o.maxBodySize)).getAll(o.tokenField)
      return values.length > 1 ? values : values[0]
    })
    if (denied) return denied
    await next()
  }
}
