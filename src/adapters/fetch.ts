/**
 * The reference adapter, for any Web-standard fetch handler (Bun.serve,
 * Deno.serve, Cloudflare Workers, Next.js route handlers, `@hono/node-server`'s `serve`…).
 *
 * @example
 * ```ts
 * import { withAuth, loginRequired, requireUser } from 'doorman-login/fetch'
 * export default {
 *   fetch: withAuth(manager, loginRequired(async (request, auth) => new Response(`Hi ${requireUser(auth).name}`))),
 * }
 * ```
 *
 * @module doorman-login/fetch
 */
import { RequestAuth } from '../auth.ts'
import { runWithAuth } from '../ambient.ts'
import { fromWebRequest } from '../context.ts'
import { checkFreshLogin, checkLogin, type FreshLoginRequiredOptions, type LoginRequiredOptions } from '../guards.ts'
import type { LoginManager } from '../manager.ts'
import type { RegisteredUser } from '../types.ts'
import { applyToResponse, errorResponse, finalHeaders } from './shared.ts'
export { csrf } from './fetch-csrf.ts'
export { requireUser } from '../guards.ts'

/** A fetch handler that receives the request's auth object. */
export type AuthHandler<U extends object, I = unknown> = (request: Request, auth: RequestAuth<U>, info: I) => Response | Promise<Response>

/** Options of {@link withAuth}. */
export interface WithAuthOptions<I> {
  /** Read the client address from the runtime's second argument (e.g. Deno's `info.remoteAddr.hostname`). */
  remoteAddress?: (request: Request, info: I) => string | undefined
}

/**
 * Wrap a fetch handler: each request gets a {@link RequestAuth}, and the response gets the cookies
 * and cache headers doorman needs.
 *
 * @param manager - the login manager.
 * @param handler - your handler, called with `(request, auth, info)`.
 * @returns a `(request, info?) => Promise<Response>` handler.
 */
export function withAuth<U extends RegisteredUser, I = unknown>(
  manager: LoginManager<U>,
  handler: AuthHandler<U, I>,
  options: WithAuthOptions<I> = {},
): (request: Request, info?: I) => Promise<Response> {
  manager.assertMountable()
  return async (request, info) => {
    const auth = new RequestAuth(manager, fromWebRequest(request, options.remoteAddress?.(request, info as I)))
    let res: Response
    try {
      res = await (manager.options.ambient ? runWithAuth(auth, () => handler(request, auth, info as I)) : handler(request, auth, info as I))
      return applyToResponse(res, await finalHeaders(auth))
    } catch (e) {
      const r = errorResponse(auth, e)
      if (r) return r
      throw e
    }
  }
}

/**
 * Flask-Login's `login_required` for a fetch handler.
 *
 * @example
 * ```ts
 * const handler = loginRequired(async (req, auth) => Response.json(await auth.getUser()))
 * ```
 */
export function loginRequired<U extends RegisteredUser, I>(handler: AuthHandler<U, I>, options?: LoginRequiredOptions): AuthHandler<U, I> {
  return async (request, auth, info) => (await checkLogin(auth, options)) ?? handler(request, auth, info)
}

/** Flask-Login's `fresh_login_required` for a fetch handler (optionally fresh `within` a window). */
export function freshLoginRequired<U extends RegisteredUser, I>(handler: AuthHandler<U, I>, options?: FreshLoginRequiredOptions): AuthHandler<U, I> {
  return async (request, auth, info) => (await checkFreshLogin(auth, options)) ?? handler(request, auth, info)
}
