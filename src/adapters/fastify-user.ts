/**
 * @module internal/adapters/fastify-user: the typed user of a guarded Fastify route, exported from
 * `doorman-login/fastify`.
 */
import type { FastifyRequest } from 'fastify'
import { requireUser as loadedUser } from '../guards.ts'
import type { RegisteredUser } from '../types.ts'

/**
 * The logged-in user of a request that went through a guard (`{ preHandler: loginRequired() }`),
 * typed with the registered user and never null: Fastify's types cannot carry what a `preHandler`
 * proved to the handler, so the handler asks for it.
 *
 * @throws UnauthorizedError (`statusCode` 401, which Fastify's error handler answers) when nobody
 * is logged in, as when an exempt method (OPTIONS by default) let the request through.
 * @throws ContextError when no guard loaded the user first (a bug in the route, not the request).
 * @example
 * ```ts
 * app.get('/account', { preHandler: loginRequired() }, async (req) => `Hi ${requireUser(req).name}`)
 * ```
 */
export function requireUser(request: FastifyRequest): RegisteredUser {
  return loadedUser(request.auth)
}
