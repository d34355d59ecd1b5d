/**
 * @module internal/adapters/fastify-reply: writing doorman's own responses (a guard's 401/303, a
 * store outage's 503) through a Fastify reply.
 */
import type { FastifyReply } from 'fastify'
import type { RequestAuth } from '../auth.ts'
import { errorResponse } from './shared.ts'

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
