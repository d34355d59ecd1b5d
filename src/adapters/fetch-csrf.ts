/**
 * @module internal/adapters/fetch-csrf: the CSRF wrapper for fetch handlers, exported from `doorman-login/fetch`.
 *
 * @example
 * ```ts
 * import { withAuth, csrf } from 'doorman-login/fetch'
 * import { csrfToken } from 'doorman-login/csrf'
 * export default { fetch: withAuth(manager, csrf(async (request, auth) => new Response(await csrfToken(auth)))) }
 * ```
 */
import { resolveCsrfOptions, type CsrfOptions } from '../csrf.ts'
import { csrfProtect } from './csrf-guard.ts'
import { readFormBody } from '../form-body.ts'
import type { AuthHandler } from './fetch.ts'
import type { RegisteredUser } from '../types.ts'

/**
 * Check every unsafe request (see `doorman-login/csrf`) before `handler` runs. The form field is read
 * from a clone of the request (at most `maxBodySize` bytes: 413 beyond, 400 when malformed), so
 * the handler can still read the body.
 *
 * @param handler - the handler to protect, as given to `withAuth`.
 * @param options - see `CsrfOptions`; checked now.
 */
export function csrf<U extends RegisteredUser, I>(handler: AuthHandler<U, I>, options: CsrfOptions = {}): AuthHandler<U, I> {
  const o = resolveCsrfOptions(options)
  return async (request, auth, info) => {
    const denied = await csrfProtect(auth, o, async () => {
      const values = (await readFormBody(request, o.maxBodySize)).getAll(o.tokenField)
      return values.length > 1 ? values : values[0]
    })
    return denied ?? handler(request, auth, info)
  }
}
