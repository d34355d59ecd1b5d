/**
 * Type-level tests: no `any` reaches application code through doorman's callbacks. Each probe
 * assigns a value to a type it does not have; were the value `any`, the assignment would compile
 * and the `@ts-expect-error` above it would fail the type check. Type-checked by `npm test`.
 */
import { createLoginManager, currentUser, getUser, type RequestAuth } from '../../src/index.ts'
import { csrf as honoCsrf } from '../../src/adapters/hono.ts'
import { csrf as expressCsrf } from '../../src/adapters/express.ts'
import { csrf as fastifyCsrf } from '../../src/adapters/fastify.ts'
import { withAuth, loginRequired as fetchLoginRequired } from '../../src/adapters/fetch.ts'
import { loginAs, testStore } from '../../src/testing/index.ts'
import type { AuthEvents } from '../../src/index.ts'

class Member {
  constructor(
    readonly id: string,
    readonly name: string,
  ) {}
}

const manager = createLoginManager({
  secret: 'type-tests-secret-0123456789-abcdefghijklmnopqrstuvwxyz',
  userLoader: (id) => {
    // @ts-expect-error the id is a string
    const n: number = id
    return n ? new Member(id, 'm') : null
  },
  requestLoader: (request) => {
    // @ts-expect-error a header is a string or null
    const h: number = request.header('authorization')
    return h ? new Member('1', 'token') : null
  },
  unauthorizedHandler: async (auth) => {
    const user = await auth.getUser()
    // @ts-expect-error the manager's user type, not any
    const s: string = user
    return new Response(String(s), { status: 401 })
  },
})

manager.on('loggedIn', ({ user, remember }) => {
  const m: Member = user
  // @ts-expect-error the payload's user is the manager's user type
  const s: string = user
  // @ts-expect-error remember is a boolean
  const r: string = remember
  void [m, s, r]
})
manager.on('loggedOut', ({ user }) => {
  // @ts-expect-error null after a request-loader login
  const m: Member = user
  void m
})
type LoggedIn = AuthEvents<Member>['loggedIn']
const payload: LoggedIn = { user: new Member('1', 'a'), remember: false, fresh: true, request: { method: 'GET', url: '/', ip: undefined } }
void payload

// csrf({ onFailure }): the auth object is typed, on every adapter.
for (const csrf of [honoCsrf, expressCsrf, fastifyCsrf]) {
  csrf({
    onFailure: async (error, auth) => {
      const reason: string = error.reason
      const user = await auth.getUser()
      // @ts-expect-error the user is an object or null, not any
      const s: string = user
      return new Response(reason + String(s), { status: 403 })
    },
  })
}

// The fetch adapter hands the handler the manager's user type.
withAuth(
  manager,
  fetchLoginRequired(async (_request, auth) => {
    const user = await auth.getUser()
    const member: Member | null = user
    // @ts-expect-error the manager's user type, not any
    const s: string = user
    return Response.json({ member, s })
  }),
)

// The ambient accessors: the registered user (here none: `object`), never any.
async function ambient(): Promise<void> {
  const user = await getUser()
  // @ts-expect-error object | null
  const s: string = user
  const current = await currentUser()
  // @ts-expect-error the user or the anonymous user
  const t: string = current
  void [s, t]
}
void ambient

// RequestAuth<object> is what doorman's helpers take; a RequestAuth<Member> is one.
const takesAny = (auth: RequestAuth) => auth.getUser()
const asMember = (auth: RequestAuth<Member>) => takesAny(auth)
void asMember

// Testing helpers: loginAs takes the manager's user type only.
void loginAs(manager, new Member('1', 'a')).then((login) => {
  // @ts-expect-error the cookie header is a string
  const n: number = login.cookieHeader
  void n
})
// @ts-expect-error not a Member
void loginAs(manager, { id: '1' })
void testStore
