/**
 * @module internal/adapters/fastify-request: doorman's per-request object over a Fastify request.
 */
import type { FastifyRequest } from 'fastify'
import { RequestAuth } from '../auth.ts'
import type { RequestUser } from '../request-user.ts'
import type { LoginManager } from '../manager.ts'
import { NodeAuthRequest } from './shared.ts'
import type { RegisteredUser } from '../types.ts'

// Fastify knows the scheme and host through its own trustProxy setting.
class FastifyAuthRequest extends NodeAuthRequest {
  constructor(
    readonly request: FastifyRequest,
    readonly reply: { locals?: unknown } | null,
  ) {
    super(request.raw, request.url)
  }
  protected override origin(): string {
    return `${this.request.protocol}://${this.request.host}`
  }
}

// Shared by every request (called with the request's auth as `this`): no closure per request.
function setUser(this: RequestUser<object>, u: object | null): void {
  const r = this.request as FastifyAuthRequest
  // The manager's user type is the registered one (checked by the plugin's options type).
  r.request.user = u as FastifyRequest['user']
  const locals = r.reply?.locals as Record<string, unknown> | undefined
  if (locals && typeof locals === 'object') locals.currentUser = u ?? this.manager.anonymousUser()
}

/** The request's auth object; fills `request.user` and `reply.locals.currentUser` once the user is known. */
export function createAuth(manager: LoginManager<RegisteredUser>, req: FastifyRequest, reply: { locals?: unknown } | null): RequestAuth<RegisteredUser> {
  const auth = new RequestAuth(manager, new FastifyAuthRequest(req, reply))
  auth.onUser = setUser
  return auth
}
