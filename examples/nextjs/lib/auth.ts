/**
 * The example's login manager and users, shared by the proxy, the route handlers and the pages.
 * Nothing here needs Node.js: the proxy and the edge route import it (the password check, which
 * does, is in credentials.ts, used by the login route alone).
 *
 * The manager is made on first use, not at import: `next build` imports these modules to
 * collect page data, and the secret is only required where requests are served.
 */
import { createLoginManager, RequestAuth, type LoginManager } from 'doorman-login'

/** A user of the example (a real app reads them from its database). */
export interface User {
  id: string
  username: string
  name: string
  passwordHash: string
}

// The demo user's password is "correct horse battery staple", stored as a Werkzeug PBKDF2 hash
// (doorman-login/password also verifies Argon2id and bcrypt hashes).
export const USERS: User[] = [
  {
    id: '1',
    username: 'alice',
    name: 'Alice Liddell',
    passwordHash: 'pbkdf2:sha256:600000$lS9D_jJArTdj7cms$84b605e1bc398975b6c717d8aa48844e06634ec52fae793fe1dabca5ad62f134',
  },
]

let manager: LoginManager<User> | undefined

/** The login manager (SECRET_KEY from the environment: at least 32 characters). */
export function auth(): LoginManager<User> {
  manager ??= createLoginManager<User>({
    secret: process.env.SECRET_KEY ?? '',
    userLoader: (id) => USERS.find((u) => u.id === id) ?? null,
    loginView: '/login',
  })
  return manager
}

/**
 * The current user for a server component or server action, read from the request's headers
 * (`await headers()` from `next/headers`). Read-only: a page cannot set cookies, so anything
 * doorman would write back (a session restored from the remember cookie) is written by the
 * next route handler or proxy run instead.
 */
export async function userFromHeaders(headers: Headers): Promise<User | null> {
  const request = new RequestAuth(auth(), {
    method: 'GET',
    url: `http://${headers.get('host') ?? 'localhost'}/`,
    header: (name) => headers.get(name),
  })
  return request.getUser()
}
