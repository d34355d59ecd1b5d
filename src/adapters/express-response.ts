/**
 * @module internal/adapters/express-response: holding an Express response until the request's
 * auth state is committed. Cookies must be written before the headers leave, and writing a
 * store-backed session is async, so the first `res.write`/`res.end` waits for that commit when
 * there is one (express-session does the same); calls made while it waits are queued and replayed
 * in order. A request that never touched its session or user, or whose session is unchanged, goes
 * on at once.
 *
 * Every request pays for this, and Express's request and response objects are slow to add
 * properties to, so a request costs two assignments (`res.end`, `res.write`) of shared functions:
 * the auth object is found through `res.req.auth`, the methods being wrapped through the
 * prototype, and state is kept (in weak maps) only for the rare response that must wait or that
 * another middleware wrapped first. `res.render` is patched once, on Express's response prototype.
 */
import type { Request, Response as ExpressResponse } from 'express'
import { RequestAuth } from '../auth.ts'
import { applyToNode, errorResponse, finalHeadersNow, type FinalHeaders } from './shared.ts'

type Fn = (...a: any[]) => any
type Res = ExpressResponse & { req: Request }

/** `end`/`write` that another middleware had already wrapped on this response before doorman. */
const WRAPPED = new WeakMap<object, { end: Fn; write: Fn }>()
/** Calls held back while a commit is in flight. */
const WAITING = new WeakMap<object, Array<() => void>>()
const RENDER_PATCHED = Symbol.for('doorman.express.render')

function original(res: Res, name: 'end' | 'write'): Fn {
  return (WRAPPED.get(res) ?? Object.getPrototypeOf(res))[name]
}

function authOf(res: Res): RequestAuth | undefined {
  const auth = (res.req as any)?.auth
  return auth instanceof RequestAuth ? auth : undefined
}

function patchedEnd(this: Res): unknown {
  if (hold(this, 'end', arguments)) return this
  return original(this, 'end').apply(this, arguments as any)
}

function patchedWrite(this: Res): unknown {
  if (hold(this, 'write', arguments)) return true
  return original(this, 'write').apply(this, arguments as any)
}

// True when the call was queued behind a commit in flight. Committing a request that never
// touched its auth state, or an unchanged session, is synchronous, and a second commit is a no-op,
// so later calls go straight through.
function hold(res: Res, name: 'end' | 'write', args: IArguments): boolean {
  const queue = WAITING.get(res)
  if (queue) return queue.push(later(res, name, args)), true
  const auth = authOf(res)
  if (!auth) return false
  let h: FinalHeaders | Promise<FinalHeaders>
  try {
    h = finalHeadersNow(auth)
    if (!(h instanceof Promise)) {
      if (!res.headersSent) applyToNode(res, h)
      return false
    }
  } catch (e) {
    h = Promise.reject(e)
  }
  const waiting = [later(res, name, args)]
  WAITING.set(res, waiting)
  h.then((headers) => {
    if (!res.headersSent) applyToNode(res, headers)
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
      waiting.length = 0
      waiting.push(() => original(res, 'end').call(res, r ? 'Service Unavailable: sessions are temporarily unavailable.' : 'Internal Server Error'))
    })
    .finally(() => {
      WAITING.delete(res)
      for (const f of waiting.splice(0)) f()
    })
  return true
}

function later(res: Res, name: 'end' | 'write', args: IArguments): () => void {
  return () => original(res, name).apply(res, args as any)
}

// res.render waits for the user, as Flask-Login's context processor makes current_user available
// to every template. Patched on the prototype that defines `render` (Express's own response), once.
function patchRender(res: Res): void {
  let proto = Object.getPrototypeOf(res)
  if (!proto || proto[RENDER_PATCHED]) return
  while (proto && !Object.hasOwn(proto, 'render')) proto = Object.getPrototypeOf(proto)
  if (!proto) return
  const render: Fn = proto.render
  proto.render = function (this: Res) {
    const auth = authOf(this)
    if (!auth) return render.apply(this, arguments as any)
    const args = arguments
    auth.getUser().then(() => render.apply(this, args as any), (e) => this.req.next?.(e))
  }
  proto[RENDER_PATCHED] = true
}

/**
 * Make the response's first `write`/`end` commit the request's auth state first (headers must
 * leave with it), and `render` wait for the user. `req.auth` must be set before the response ends.
 */
export function holdResponse(res: ExpressResponse): void {
  const r = res as Res
  patchRender(r)
  // Another middleware (compression, say) wrapped these first: call its versions, not the prototype's.
  if (Object.hasOwn(res, 'end') || Object.hasOwn(res, 'write')) WRAPPED.set(res, { end: res.end, write: res.write })
  res.end = patchedEnd as any
  res.write = patchedWrite as any
}
