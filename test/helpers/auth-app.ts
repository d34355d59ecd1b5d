// A small doorman app behind `doorman-login/fetch`'s withAuth, with a fake clock, a memory store (or
// none), in-memory users and cookie-jar clients, for the remember-me and device-list tests.

import { createLoginManager, type LoginManager, type LoginManagerOptions } from 'doorman-login'
import { withAuth } from 'doorman-login/fetch'
import { memoryStore, type MemoryStore } from 'doorman-login/stores/memory'

export interface TestUser {
  id: string
  name: string
  isActive: boolean
  epoch: number
}

export interface AppOptions extends Partial<LoginManagerOptions<TestUser>> {
  /** false: sealed cookie sessions (no store). */
  withStore?: boolean
}

export const SECRET = 'test-secret-0123456789-abcdefghijklmnop-XYZ'

export function makeApp(options: AppOptions = {}) {
  const { withStore = true, ...rest } = options
  let clock = Date.now()
  const now = () => clock
  const store: MemoryStore | null = withStore ? memoryStore({ now }) : null
  const users = new Map<string, TestUser>()
  for (const id of ['alice', 'bob', 'carol']) users.set(id, { id, name: id, isActive: true, epoch: 1 })
  const manager: LoginManager<TestUser> = createLoginManager<TestUser>({
    secret: SECRET,
    userLoader: (id) => users.get(id) ?? null,
    requestLoader: (req) => (req.header('x-api-key') === 'k-carol' ? users.get('carol')! : null),
    authEpoch: (u) => u.epoch,
    store,
    now,
    ...rest,
  })
  const events: { name: string; payload: any }[] = []
  for (const name of ['rememberTokenTheftSuspected', 'loadedFromCookie', 'sessionLimitReached', 'epochMismatch', 'loggedOut'] as const) {
    manager.on(name, (payload: any) => events.push({ name, payload }))
  }
  const handler = withAuth(
    manager,
    async (req, auth) => {
      const url = new URL(req.url)
      const q = url.searchParams
      switch (url.pathname) {
        case '/login': {
          const ok = await auth.loginUser(users.get(q.get('id')!)!, { remember: q.has('remember') })
          return Response.json({ ok })
        }
        case '/logout':
          await auth.logoutUser()
          return Response.json({ ok: true })
        case '/sessions':
          return Response.json(await auth.listSessions())
        case '/revoke':
          return Response.json({ ok: await auth.revokeSession(q.get('id')!) })
        case '/revoke-others':
          return Response.json({ ended: await auth.revokeOtherSessions() })
        case '/logout-everywhere':
          return Response.json({ ended: await auth.logoutEverywhere() })
        case '/password': {
          const me = await auth.getUser()
          if (me) me.epoch++
          const target = users.get(q.get('id') ?? me?.id ?? '')!
          if (!me) target.epoch++
          return Response.json({ ok: await auth.credentialsChanged(target) })
        }
        default: {
          const user = await auth.getUser()
          return Response.json({
            user: user?.id ?? null,
            fresh: await auth.isFresh(),
            remembered: user ? await auth.isRemembered() : false,
            viaRequest: auth.viaRequestLoader,
          })
        }
      }
    },
    { remoteAddress: (req) => req.headers.get('x-test-ip') ?? '127.0.0.1' },
  )
  return {
    manager,
    store,
    users,
    events,
    handler,
    /** Move the fake clock forward by `seconds`. */
    advance(seconds: number) {
      clock += seconds * 1000
    },
    nowSeconds: () => Math.floor(clock / 1000),
    client(name = 'client', ip = '127.0.0.1') {
      return new Client(handler, `${name}-agent/1.0`, ip)
    },
  }
}

export interface Reply {
  status: number
  body: any
  /** Set-Cookie values by cookie name ('' value = expired). */
  set: Map<string, string>
  /** The raw Set-Cookie lines. */
  lines: string[]
}

/** A browser-ish client: a cookie jar, a fixed user agent and address. */
export class Client {
  readonly jar = new Map<string, string>()
  constructor(
    readonly handler: (r: Request) => Promise<Response>,
    readonly userAgent: string,
    readonly ip: string,
  ) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    const h: Record<string, string> = { 'user-agent': this.userAgent, 'x-test-ip': this.ip, ...headers }
    const cookie = this.cookieHeader()
    if (cookie && !('cookie' in headers)) h.cookie = cookie
    const res = await this.handler(new Request(`http://localhost${path}`, { headers: h }))
    const set = new Map<string, string>()
    const lines = res.headers.getSetCookie()
    for (const line of lines) {
      const pair = line.split(';')[0]
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      const expired = /max-age=0/i.test(line)
      set.set(name, expired ? '' : value)
      if (expired) this.jar.delete(name)
      else this.jar.set(name, value)
    }
    return { status: res.status, body: await res.json(), set, lines }
  }

  /** Forget the session cookie, as a browser does on restart (non-persistent cookie). */
  restart(): void {
    this.jar.delete('session')
  }

  get remember(): string | undefined {
    return this.jar.get('remember_token')
  }

  get session(): string | undefined {
    return this.jar.get('session')
  }
}
