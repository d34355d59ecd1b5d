/**
 * A Fastify plugin. `request.auth` is the request's auth object,
 * `request.user` the user once loaded, and `reply.locals.currentUser` is set for templates.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { doorman, loginRequired, requireUser } from 'doorman-login/fastify'
 * const app = Fastify()
 * await app.register(doorman, { manager })
 * app.get('/private', { preHandler: loginRequired() }, async (req) => `Hi ${requireUser(req).name}`)
 * ```
 *
 * @module doorman-login/fastify
 */
import type { FastifyPluginCallback, FastifyRequest, preHandlerHookHandler, onRequestAsyncHookHandler } from 'fastify'
import { RequestAuth } from '../auth.ts'
import { runWithAuth } from '../ambient.ts'
import { checkFreshLogin, checkLogin, guardLogin, isExempt, type Exemption, type FreshLoginRequiredOptions, type LoginRequiredOptions } from '../guards.ts'
import type { LoginManager } from '../manager.ts'
import type { RegisteredUser } from '../types.ts'
import { finalHeadersNow, type FinalHeaders } from './shared.ts'
import { createAuth } from './fastify-request.ts'
import { applyToReply, commitFailed, sendResponse } from './fastify-reply.ts'
export { csrf } from './fastify-csrf.ts'
export { sendResponse } from './fastify-reply.ts'
export { requireUser } from './fastify-user.ts'

/**
 * `request.user` as doorman declares it. It reaches `FastifyRequest` as a base interface rather
 * than as its own property, so that @fastify/jwt, which declares `user` itself, merges with it
 * instead of colliding (TS2717): its `user` then wins and must be the registered user, which
 * `declare module '@fastify/jwt' { interface FastifyJWT { user: User } }` says (docs/guides/fastify.md).
 */
export interface FastifyRequestUser {
  /** The logged-in user once loaded (after a guard or `await request.auth.getUser()`), else null. */
  user: RegisteredUser | null
}

declare module 'fastify' {
  interface FastifyRequest extends FastifyRequestUser {
    /** doorman's per-request object. */
    auth: RequestAuth<RegisteredUser>
  }
}

/** Options of the Fastify plugin. */
export interface FastifyAuthOptions {
  /** The login manager to mount: its user type must be the registered one (`Register['user']`) or a subtype. */
  manager: LoginManager<RegisteredUser>
}

const AUTH = Symbol('doorman.auth')
const REPLY = Symbol('doorman.reply')

const plugin: FastifyPluginCallback<FastifyAuthOptions> = (fastify, options, done) => {
  const manager = options.manager
  // A sync throw from a callback plugin escapes avvio and crashes the process: hand it to done().
  try {
    manager.assertMountable()
  } catch (e) {
    return done(e as Error)
  }
  // `request.auth` is made on first use: a request that never asks (a public page, an asset)
  // allocates nothing for doorman. Only the reply is remembered, for `reply.locals`.
  fastify.decorateRequest(AUTH, null)
  fastify.decorateRequest(REPLY, null)
  fastify.decorateRequest('auth', {
    getter(this: FastifyRequest) {
      return ((this as any)[AUTH] ??= createAuth(manager, this, (this as any)[REPLY]))
    },
  } as any)
  fastify.decorateRequest('user', null, [])
  // Callback-style so that, with `ambient`, the rest of the request runs inside the
  // AsyncLocalStorage scope (the way @fastify/request-context does it).
  fastify.addHook('onRequest', (req, reply, next) => {
    ;(req as any)[REPLY] = reply
    if (manager.options.ambient) runWithAuth(req.auth, () => next())
    else next()
  })
  // Callback-style, so that a request that never touched its session (a public page, an asset)
  // goes on at once, with no promise to create or wait for.
  fastify.addHook('onSend', (req, reply, payload, done) => {
    const auth: RequestAuth | null = (req as any)[AUTH]
    if (!auth || auth.pristine) return done(null, payload)
    let h: FinalHeaders | Promise<FinalHeaders>
    try {
      h = finalHeadersNow(auth)
      if (!(h instanceof Promise)) applyToReply(reply, h)
    } catch (e) {
      return commitFailed(auth, reply, e, done)
    }
    // Synchronous when nothing was written (the common case); a cookie to seal or a store to
    // update waits for its promise.
    if (!(h instanceof Promise)) return done(null, payload)
    h.then(
      (headers) => {
        try {
          applyToReply(reply, headers)
        } catch (e) {
          return commitFailed(auth, reply, e, done)
        }
        done(null, payload)
      },
      (e) => commitFailed(auth, reply, e, done),
    )
  })
  done()
}
// Mount at the app's level, not in a child scope, as fastify-plugin's `skip-override` does.
;(plugin as any)[Symbol.for('skip-override')] = true
;(plugin as any)[Symbol.for('fastify.display-name')] = 'doorman-login'

/** The Fastify plugin: `await app.register(doorman, { manager })`. */
export const doorman = plugin

// Callback-style rather than async: one promise fewer on every protected request.
function guard(check: (auth: RequestAuth) => Promise<Response | null>): preHandlerHookHandler {
  return function (req, reply, done) {
    check(req.auth).then((r) => {
      if (!r) return done()
      sendResponse(reply, r).catch(done)
    }, done)
  }
}

/** Flask-Login's `login_required` as a Fastify `preHandler`. */
export function loginRequired(options: LoginRequiredOptions = {}): preHandlerHookHandler {
  // In front of every protected route: straight through Fastify's callback, one promise in all.
  return function (req, reply, done) {
    guardLogin(req.auth, options, done, (r) => void sendResponse(reply, r).catch(done), (e) => done(e as Error))
  }
}

/** Flask-Login's `fresh_login_required` as a Fastify `preHandler` (optionally fresh `within` a window). */
export function freshLoginRequired(options?: FreshLoginRequiredOptions): preHandlerHookHandler {
  return guard((auth) => checkFreshLogin(auth, options))
}

/** Login required everywhere except the exempt paths: `app.addHook('preHandler', protect({ exempt }))`. */
export function protect(options: LoginRequiredOptions & { exempt?: readonly Exemption[] } = {}): onRequestAsyncHookHandler {
  const exempt = options.exempt ?? []
  return async function (req, reply) {
    if (isExempt(req.url.split('?')[0], req.method, exempt)) return
    const r = await checkLogin(req.auth, options)
    if (r) return sendResponse(reply, r)
  }
}
