/**
 * @module internal/adapters/express-csrf: the CSRF middleware for Express, exported from `doorman-login/express`.
 *
 * @example
 * ```ts
 * import { doorman, csrf } from 'doorman-login/express'
 * app.use(express.urlencoded({ extended: false }), doorman(manager), csrf())
 * app.get('/form', async (req, res) => res.render('form', { csrfToken: await res.locals.csrfToken() }))
 * ```
 */
import type { RequestHandler, Response as ExpressResponse } from 'express'
import { CsrfError } from '../errors.ts'
import { resolveCsrfOptions, type CsrfOptions } from '../csrf.ts'
import { csrfProtect, lazyToken } from './csrf-guard.ts'

const NO_BODY =
  'doorman/csrf: req.body is undefined on a form post, so the CSRF token cannot be read. Mount ' +
  'express.urlencoded() (and a multipart parser for multipart forms) before csrf(), or send the token in the X-CSRF-Token header.'

async function send(res: ExpressResponse, r: Response): Promise<void> {
  res.status(r.status)
  r.headers.forEach((v, k) => {
    if (k !== 'set-cookie') res.setHeader(k, v)
  })
  const cookies = r.headers.getSetCookie()
  if (cookies.length) res.append('Set-Cookie', cookies)
  res.end(Buffer.from(await r.arrayBuffer()))
}

/**
 * Check every unsafe request (see `doorman-login/csrf`) and set `res.locals.csrfToken()` for templates.
 * Mount after `doorman()` and after the body parsers: the form field is read from `req.body`;
 * a form post with no parsed body is refused (403) with a message that names the fix.
 *
 * @param options - see `CsrfOptions`; checked now.
 */
export function csrf(options: CsrfOptions = {}): RequestHandler {
  const o = resolveCsrfOptions(options)
  return (req, res, next) => {
    const auth = req.auth
    if (auth) res.locals.csrfToken = lazyToken(auth)
    csrfProtect(auth, o, () => {
      const body: unknown = req.body
      if (body === undefined) throw new CsrfError('token-missing', NO_BODY)
      return body && typeof body === 'object' && Object.hasOwn(body, o.tokenField) ? (body as Record<string, unknown>)[o.tokenField] : undefined
    }).then((denied) => (denied ? send(res, denied).catch(next) : next()), next)
  }
}
