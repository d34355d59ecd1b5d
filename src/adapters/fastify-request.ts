/**
 * @module internal/adapters/fastify-request: doorman's per-request object over a Fastify request.
 */
import type { FastifyRequest } from 'fastify'
import { RequestAuth } from '../auth.ts'
import type { LoginManager } from '../manager.ts'
import { NodeAuthRequest } from './shared.ts'

// Fastify knows the scheme and host through its own trustProxy setting.
class FastifyAuthRequest extends NodeAuthRequest {
  constructor(readonly request: FastifyRequest) {
    super(request.raw, request.url)
  }
  protected override origin(): string {
    return `${this.request.protocol}://${this.request.host}`
  }
}

/** The request's auth object; fills `request.user` and `reply.locals.currentUser` once the user is known. */
export function createAuth(manager: LoginManager<any>, req: FastifyRequest, reply: any): RequestAuth<any> {
  const auth = new RequestAuth(manager, new FastifyAuthRequest(req))
  auth.onUser = (u) => {
    req.user = u as any
    const locals = reply?.locals
    if (locals && typeof locals === 'object') locals.currentUser = u ?? manager.anonymousUser()
  }
  return auth
}
