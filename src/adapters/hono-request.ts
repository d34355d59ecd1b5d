/**
 * @module internal/adapters/hono-request: doorman's per-request object over a Hono context.
 */
import type { Context } from 'hono'
import { RequestAuth } from '../auth.ts'
import type { RequestUser } from '../request-user.ts'
import type { LoginManager } from '../manager.ts'
import type { RegisteredUser } from '../types.ts'
import type { AuthRequest } from '../context.ts'
import { nodeHeader } from './shared.ts'

// On @hono/node-server, headers are read from Node's plain header object: touching the Web
// Request's headers would build a Headers object from the raw headers on every request. The
// client address is read only if something asks for it (session protection, throttling).
class HonoAuthRequest implements AuthRequest {
  readonly method: string
  readonly #node: Record<string, string | string[] | undefined> | undefined
  readonly #remote: ((c: Context) => string | undefined) | undefined
  constructor(
    readonly context: Context,
    remote: ((c: Context) => string | undefined) | undefined,
  ) {
    this.method = context.req.method
    const h = (context.env as any)?.incoming?.headers
    this.#node = h && typeof h === 'object' ? h : undefined
    this.#remote = remote
  }
  get remoteAddress(): string | undefined {
    return this.#remote ? this.#remote(this.context) : remote(this.context)
  }
  get url(): string {
    return this.context.req.url
  }
  header(name: string): string | null {
    return this.#node ? nodeHeader(this.#node, name) : this.context.req.raw.headers.get(name)
  }
}

// Shared by every request (called with the request's auth as `this`): no closure per request.
function setUser(this: RequestUser<object>, user: object | null): void {
  // The manager's user type is the registered one (checked by doorman()'s signature).
  ;(this.request as HonoAuthRequest).context.set('user', user as RegisteredUser | null)
}

function remote(c: Context): string | undefined {
  const env: any = c.env
  return env?.incoming?.socket?.remoteAddress ?? env?.requestIP?.(c.req.raw)?.address
}

/** The request's auth object; sets `c.get('user')` once the user is known. */
export function createAuth(manager: LoginManager<RegisteredUser>, c: Context, remoteAddress: ((c: Context) => string | undefined) | undefined): RequestAuth<RegisteredUser> {
  const auth = new RequestAuth(manager, new HonoAuthRequest(c, remoteAddress))
  auth.onUser = setUser
  return auth
}
