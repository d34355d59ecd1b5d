/**
 * @module internal/adapters/fastify-csrf: the CSRF hook for Fastify, exported from `doorman-login/fastify`.
 *
 * @example
 * ```ts
 * import { doorman, csrf } from 'doorman-login/fastify'
 * await app.register(formbody) // @fastify/formbody, or any urlencoded parser
 * await app.register(doorman, { manager })
 * app.addHook('preHandler', csrf())
 * ```
 */
import type { preHandlerAsyncHookHandler } from 'fastify'
import { resolveCsrfOptions, type CsrfOptions } from '../csrf.ts'
import { csrfProtect, lazyToken } from './csrf-guard.ts'

/**
 * Check every unsafe request (see `doorman-login/csrf`) and set `reply.locals.csrfToken()` for
 * templates. A `preHandler`, so it runs after body parsing: the form field is read from
 * `request.body` (register a urlencoded parser such as `@fastify/formbody`).
 *
 * @param options - see `CsrfOptions`; checked now.
 */
export function csrf(options: CsrfOptions = {}): preHandlerAsyncHookHandler {
  const o = resolveCsrfOptions(options)
  return async function (req, reply) {
    const auth = req.auth
    const r = reply as typeof reply & { locals?: Record<string, unknown> }
    if (auth) (r.locals ??= {}).csrfToken = lazyToken(auth)
    const denied = await csrfProtect(auth, o, () => {
      const body: unknown = req.body
      return body && typeof body === 'object' && Object.hasOwn(body, o.tokenField) ? (body as Record<string, unknown>)[o.tokenField] : undefined
    })
    if (!denied) return
    reply.code(denied.status)
    denied.headers.forEach((v, k) => {
      if (k !== 'set-cookie') reply.header(k, v)
    })
    for (const c of denied.headers.getSetCookie()) reply.header('set-cookie', c)
    return reply.send(Buffer.from(await denied.arrayBuffer()))
  }
}
