/**
 * @module doorman/express: Express middleware (Express 4 and 5). `req.auth` is the request's auth
 * object, `req.user` the user once loaded, and `res.locals.currentUser` is set for templates
 * (`res.render` waits for the user to load first, as Flask-Login's context processor does).
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { doorman, loginRequired, authErrorHandler } from 'doorman/express'
 * const app = express()
 * app.use(doorman(manager))
 * app.get('/private', loginRequired(), (req, res) => res.send(`Hi ${req.user!.name}`))
 * app.use(authErrorHandler())
 * ```
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response as ExpressResponse } from 'express'
import { RequestAuth } from '../auth.ts'
import { runWithAuth } from '../ambient.ts'
import { checkFreshLogin, checkLogin, isExempt, type Exemption, type FreshLoginRequiredOptions, type LoginRequiredOptions } from '../guards.ts'
import type { LoginManager } from '../manager.ts'
import type { RegisteredUser } from '../types.ts'
import { applyToNode, errorResponse, finalHeaders, nodeHeader } from './shared.ts'
export { csrf } from './express-csrf.ts'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** doorman's per-request object. */
      auth: RequestAuth<RegisteredUser & object>
      /** The logged-in user once loaded (after a guard or `await req.auth.getUser()`), else null. */
      user?: RegisteredUser | null
    }
  }
}


/** Send a Web `Response` (from a guard) through Express. */
export async function sendResponse(res: ExpressResponse, r: Response): Promise<void> {
  res.status(r.status)
  r.headers.forEach((v, k) => {
    if (k !== 'set-cookie') res.setHeader(k, v)
  })
  const cookies = r.headers.getSetCookie()
  if (cookies.length) res.append('Set-Cookie', cookies)
  res.end(r.body ? Buffer.from(await r.arrayBuffer()) : undefined)
}

/**
 * Mount a manager on an Express app or router. Cookies must be written before the headers leave,
 * and writing a store-backed session is async, so the first `res.write`/`res.end` waits for the
 * commit (express-session does the same); calls made while it waits are queued and replayed in
 * order. A request that never touched its session or user has nothing to commit and never waits.
 */
export function doorman<U extends object>(manager: LoginManager<U>): RequestHandler {
  manager.assertMountable()
  return (req, res, next) => {
    const proto = (req.socket as any).encrypted ? 'https' : 'http'
    const auth = new RequestAuth(manager, {
      method: req.method,
      url: `${proto}://${req.headers.host ?? 'localhost'}${req.originalUrl}`,
      header: (n) => nodeHeader(req.headers, n),
      remoteAddress: req.socket.remoteAddress,
    })
    req.auth = auth as any
    req.user = null
    auth.onUser = (u) => {
      req.user = u as any
      res.locals.currentUser = u ?? manager.anonymousUser()
    }
    let state: 'open' | 'committing' | 'done' = 'open'
    const queue: Array<() => void> = []
    const end = res.end.bind(res) as (...a: any[]) => any
    const write = res.write.bind(res) as (...a: any[]) => any
    const flush = () => {
      finalHeaders(auth)
        .then((h) => {
          if (!res.headersSent) applyToNode(res, h)
        })
        .catch((e) => {
          const r = errorResponse(auth, e)
          // Not a store outage: a bug or an oversized session the developer must see.
          if (!r) console.error('doorman: could not save the session', e)
          if (res.headersSent) return
          // The commit failed (store down, oversized session): the intended reply must not leave
          // as if it had worked; replace it with the error, headers included.
          for (const n of res.getHeaderNames()) res.removeHeader(n)
          res.statusCode = r ? r.status : 500
          res.setHeader('content-type', 'text/plain; charset=utf-8')
          queue.length = 0
          queue.push(() => end(r ? 'Service Unavailable: sessions are temporarily unavailable.' : 'Internal Server Error'))
        })
        .finally(() => {
          state = 'done'
          for (const f of queue.splice(0)) f()
        })
    }
    const defer = (fn: () => void, ret: unknown) => {
      if (state === 'open' && auth.pristine) return (state = 'done'), fn(), ret
      queue.push(fn)
      if (state === 'open') (state = 'committing'), flush()
      return ret
    }
    res.write = ((...a: any[]) => (state === 'done' ? write(...a) : defer(() => write(...a), true))) as any
    res.end = ((...a: any[]) => (state === 'done' ? end(...a) : defer(() => end(...a), res))) as any
    const render = res.render.bind(res) as (...a: any[]) => void
    res.render = ((...a: any[]) => void auth.getUser().then(() => render(...a), next)) as any
    if (manager.options.ambient) runWithAuth(auth, () => next())
    else next()
  }
}

function guard(check: (auth: RequestAuth<any>) => Promise<Response | null>): RequestHandler {
  return (req, res, next) => void check(req.auth).then((r) => (r ? sendResponse(res, r) : next()), next)
}

/** Flask-Login's `login_required` as Express middleware. */
export function loginRequired(options?: LoginRequiredOptions): RequestHandler {
  return guard((auth) => checkLogin(auth, options))
}

/** Flask-Login's `fresh_login_required` as Express middleware (optionally fresh `within` a window). */
export function freshLoginRequired(options?: FreshLoginRequiredOptions): RequestHandler {
  return guard((auth) => checkFreshLogin(auth, options))
}

/** Login required everywhere except the exempt paths; mount after {@link doorman}. */
export function protect(options: LoginRequiredOptions & { exempt?: readonly Exemption[] } = {}): RequestHandler {
  const exempt = options.exempt ?? []
  return (req, res, next) => {
    if (isExempt(req.originalUrl.split('?')[0], req.method, exempt)) return next()
    return guard((auth) => checkLogin(auth, options))(req, res, next)
  }
}

/**
 * Error middleware that answers doorman's own errors (a store outage → 503, no stack trace);
 * everything else goes on to the next error handler. Mount it last.
 */
export function authErrorHandler(): ErrorRequestHandler {
  return (err, req, res, next) => {
    const r = req.auth ? errorResponse(req.auth, err) : null
    if (!r || res.headersSent) return next(err)
    sendResponse(res, r).catch(next)
  }
}
