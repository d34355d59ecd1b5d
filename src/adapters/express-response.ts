/**
 * @module internal/adapters/express-response: holding an Express response until the request's
 * auth state is committed. Cookies must be written before the headers leave, and writing a
 * store-backed session is async, so the first `res.write`/`res.end` waits for that commit when
 * there is one (express-session does the same); calls made while it waits are queued and replayed
 * in order. A request that never touched its session or user, or whose session is unchanged, goes
 * on at once.
 *
 * Every request pays for this, and Express's request and response objects are slow to add
 * properties to, so `end`, `write` and `render` are patched once, on Express's response prototype:
 * the auth object is found through `res.req.auth`, and state is kept (in weak maps) only for the
 * rare response that must wait or that another middleware wrapped first (that one gets its own
 * `end`/`write`, calling the other middleware's).
 */
import type { Request, Response as ExpressResponse } from 'express'
import { RequestAuth } from '../auth.ts'
import { madeAuth } from './express-request.ts'
import { applyToNode, errorResponse, finalHeadersNow, type FinalHeaders } from './shared.ts'

type Fn = (...a: any[]) => any
type Res = ExpressResponse & { req: Request }

/** `end`/`write` that another middleware had already wrapped on this response before doorman. */
const WRAPPED = new WeakMap<object, { end: Fn; write: Fn }>()
/** Calls held back while a commit is in flight. */
const WAITING = new WeakMap<object, Array<() => void>>()
const RENDER_PATCHED = Symbol.for('doorman.express.render')
/**
 * On Express's response prototype once this copy of doorman patched it: the `end`/`write` it
 * inherited before. Not a registered symbol: another copy of doorman in the process (CJS and ESM)
 * finds `end` patched and wraps its responses one by one.
 */
const ORIGINAL = Symbol('doorman.express.original')

function original(res: Res, name: 'end' | 'write'): Fn {
  return (WRAPPED.get(res) ?? (res as any)[ORIGINAL] ?? Object.getPrototypeOf(res))[name]
}

// Own `end`/`write` of a response another middleware wrapped before doorman saw it.
function patchedEnd(this: Res): unknown {
  if (hold(this, 'end', arguments)) return this
  return original(this, 'end').apply(this, arguments as any)
}

function patchedWrite(this: Res): unknown {
  if (hold(this, 'write', arguments)) return true
  return original(this, 'write').apply(this, arguments as any)
}

// `end`/`write` on Express's response prototype. A response doorman wrapped itself (above) already
// held its call there: the wrapper another middleware installed first ends up here, and goes on.
function protoEnd(this: Res): unknown {
  if (!WRAPPED.has(this) && hold(this, 'end', arguments)) return this
  return (this as any)[ORIGINAL].end.apply(this, arguments as any)
}

function protoWrite(this: Res): unknown {
  if (!WRAPPED.has(this) && hold(this, 'write', arguments)) return true
  return (this as any)[ORIGINAL].write.apply(this, arguments as any)
}

// True when the call was queued behind a commit in flight. Committing a request that never
// touched its auth state, or an unchanged session, is synchronous, and a second commit is a no-op,
// so later calls go straight through.
function hold(res: Res, name: 'end' | 'write', args: IArguments): boolean {
  const queue = WAITING.get(res)
  if (queue) return queue.push(later(res, name, args)), true
  const auth = madeAuth(res.req)
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
// to every template. `end` and `write` hold the response while a commit is in flight: assigning
// them on each response would add two properties to it, which costs Express a few percent of a
// request. Patched on the prototype that defines `render` (Express's own response), once; a
// response of an app without doorman has no `req.auth` and goes straight through.
function patchPrototype(res: Res): boolean {
  let proto = Object.getPrototypeOf(res)
  if (!proto) return false
  if (proto[RENDER_PATCHED]) return proto[ORIGINAL] !== undefined
  while (proto && !Object.hasOwn(proto, 'render')) proto = Object.getPrototypeOf(proto)
  if (!proto) return false
  const render: Fn = proto.render
  proto.render = function (this: Res) {
    // `req.auth` (made now if nothing asked yet): templates get the user, as Flask-Login's context
    // processor gives them `current_user`.
    const made = (this.req as any)?.auth
    const auth = made instanceof RequestAuth ? made : undefined
    if (!auth) return render.apply(this, arguments as any)
    const args = arguments
    auth.getUser().then(() => render.apply(this, args as any), (e) => this.req.next?.(e))
  }
  proto[RENDER_PATCHED] = true
  // Another library patched end/write on this very prototype: leave them, wrap per response.
  if (Object.hasOwn(proto, 'end') || Object.hasOwn(proto, 'write') || typeof proto.end !== 'function' || typeof proto.write !== 'function') return false
  Object.defineProperty(proto, ORIGINAL, { value: { end: proto.end, write: proto.write } })
  proto.end = protoEnd
  proto.write = protoWrite
  return true
}

/**
 * Make the response's first `write`/`end` commit the request's auth state first (headers must
 * leave with it), and `render` wait for the user. `req.auth` must be set before the response ends.
 */
export function holdResponse(res: ExpressResponse): void {
  const r = res as Res
  const patched = patchPrototype(r)
  // Another middleware (compression, say) wrapped these first: its versions may have captured the
  // prototype's before doorman patched it, so wrap this response as well and call its versions.
  if (patched && !Object.hasOwn(res, 'end') && !Object.hasOwn(res, 'write')) return
  WRAPPED.set(res, { end: res.end, write: res.write })
  res.end = patchedEnd as any
  res.write = patchedWrite as any
}
