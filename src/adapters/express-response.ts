/**
 * @module doorman/adapters/express-response: holding an Express response until the request's
 * auth state is committed. Cookies must be written before the headers leave, and writing a
 * store-backed session is async, so the first `res.write`/`res.end` waits for that commit when
 * there is one (express-session does the same); calls made while it waits are queued and replayed
 * in order. A request that never touched its session or user, or whose session is unchanged, goes
 * on at once.
 */
import type { Response as ExpressResponse } from 'express'
import type { RequestAuth } from '../auth.ts'
import { applyToNode, errorResponse, finalHeadersNow, type FinalHeaders } from './shared.ts'

// Per-response state, kept on the response under a symbol: the patched methods below are shared
// functions, so a request allocates this one object instead of a set of closures.
const STATE = Symbol('doorman.express')
const OPEN = 0
const COMMITTING = 1
const DONE = 2
interface Pending {
  auth: RequestAuth<any>
  next: (err?: unknown) => void
  end: (...a: any[]) => any
  write: (...a: any[]) => any
  render: (...a: any[]) => any
  state: typeof OPEN | typeof COMMITTING | typeof DONE
  queue: Array<() => void> | null
}
type PatchedResponse = ExpressResponse & { [STATE]: Pending }

function patchedEnd(this: PatchedResponse): unknown {
  const p = this[STATE]
  if (p.state === DONE || settle(this, p)) return p.end.apply(this, arguments as any)
  const args = arguments
  p.queue!.push(() => p.end.apply(this, args as any))
  return this
}

function patchedWrite(this: PatchedResponse): unknown {
  const p = this[STATE]
  if (p.state === DONE || settle(this, p)) return p.write.apply(this, arguments as any)
  const args = arguments
  p.queue!.push(() => p.write.apply(this, args as any))
  return true
}

// res.render waits for the user, as Flask-Login's context processor makes current_user available.
function patchedRender(this: PatchedResponse): void {
  const p = this[STATE]
  const args = arguments
  p.auth.getUser().then(() => p.render.apply(this, args as any), p.next)
}

// Before the first byte: true when the response may go on at once (nothing to write, or the
// headers were applied synchronously); false when it waits for an async commit.
function settle(res: PatchedResponse, p: Pending): boolean {
  if (p.state === COMMITTING) return false
  if (p.auth.pristine) return (p.state = DONE), true
  let h: FinalHeaders | Promise<FinalHeaders>
  try {
    h = finalHeadersNow(p.auth)
    if (!(h instanceof Promise)) {
      if (!res.headersSent) applyToNode(res, h)
      return (p.state = DONE), true
    }
  } catch (e) {
    h = Promise.reject(e)
  }
  p.state = COMMITTING
  p.queue = []
  h.then((headers) => {
    if (!res.headersSent) applyToNode(res, headers)
  })
    .catch((e) => {
      const r = errorResponse(p.auth, e)
      // Not a store outage: a bug or an oversized session the developer must see.
      if (!r) console.error('doorman: could not save the session', e)
      if (res.headersSent) return
      // The commit failed (store down, oversized session): the intended reply must not leave
      // as if it had worked; replace it with the error, headers included.
      for (const n of res.getHeaderNames()) res.removeHeader(n)
      res.statusCode = r ? r.status : 500
      res.setHeader('content-type', 'text/plain; charset=utf-8')
      p.queue!.length = 0
      p.queue!.push(() => p.end.call(res, r ? 'Service Unavailable: sessions are temporarily unavailable.' : 'Internal Server Error'))
    })
    .finally(() => {
      p.state = DONE
      for (const f of p.queue!.splice(0)) f()
    })
  return false
}

/**
 * Make the response's first `write`/`end` commit the request's auth state first (headers must
 * leave with it), and `render` wait for the user. Assigns shared functions, not closures.
 */
export function holdResponse(res: ExpressResponse, auth: RequestAuth<any>, next: (err?: unknown) => void): void {
  const r = res as PatchedResponse
  r[STATE] = { auth, next, end: res.end, write: res.write, render: res.render, state: OPEN, queue: null }
  res.end = patchedEnd as any
  res.write = patchedWrite as any
  res.render = patchedRender as any
}
