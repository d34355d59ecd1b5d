/**
 * @module internal/adapters/fastify-reply: writing doorman's own responses (a guard's 401/303, a
 * store outage's 503) through a Fastify reply.
 */
import type { FastifyReply } from 'fastify'
import type { RequestAuth } from '../auth.ts'
import { applyToNode, errorResponse, mergeVary, type FinalHeaders } from './shared.ts'

/** Send a Web `Response` (from a guard) through Fastify. */
export async function sendResponse(reply: FastifyReply, r: Response): Promise<FastifyReply> {
  reply.code(r.status)
  r.headers.forEach((v, k) => {
    if (k !== 'set-cookie') reply.header(k, v)
  })
  for (const c of r.headers.getSetCookie()) reply.header('set-cookie', c)
  return reply.send(r.body ? Buffer.from(await r.arrayBuffer()) : '')
}

/**
 * The commit failed in `onSend`: a store outage becomes doorman's 503 (as the payload), anything
 * else goes to Fastify's error handler.
 */
export function commitFailed(auth: RequestAuth, reply: FastifyReply, e: unknown, done: (err: Error | null, payload?: unknown) => void): void {
  const r = errorResponse(auth, e)
  if (!r) return done(e as Error)
  reply.code(r.status)
  r.headers.forEach((v, k) => reply.header(k, v))
  r.text().then((text) => done(null, text), done)
}

/**
 * Apply {@link FinalHeaders} through the reply rather than Node's response: Fastify hands its own
 * headers to `writeHead` in one object, and a single `setHeader` on the Node response before that
 * sends every header through Node's slower merging path. Cookies (rare: a response that writes the
 * session) still go to the Node response, merged with any the app set there.
 */
export function applyToReply(reply: FastifyReply, h: FinalHeaders): void {
  if (h.setCookie.length) return applyToNode(reply.raw, h)
  if (h.cacheControl && (h.cacheControl.force || reply.getHeader('cache-control') === undefined)) reply.header('cache-control', h.cacheControl.value)
  if (h.varyCookie) reply.header('vary', mergeVary(reply.getHeader('vary') as string | undefined))
}
