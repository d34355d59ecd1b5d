/**
 * @module examples/minimal/users: the users (with password changes and the auth epoch that
 * follows the password), the environment, the JSON errors and the two HTML forms shared by the
 * three minimal apps (hono.ts, express.ts, fastify.ts). Each of them serves:
 *
 * | Route                          | Guard       | Answer                                                      |
 * | ------------------------------ | ----------- | ----------------------------------------------------------- |
 * | `GET /`                        |             | `Hello, <username>` or `Hello, anonymous`                   |
 * | `GET`, `POST /login`           |             | the form; 303 to `next` (fields `username`, `password`, `remember`) |
 * | `POST /logout`                 |             | 303 to `/`                                                  |
 * | `GET /private`, `GET /api/me`  | login       | text; JSON `{ id, username }` (also with `Authorization: Bearer`) |
 * | `GET /fresh`                   | fresh login | text                                                        |
 * | `GET`, `POST /reauth`          | login       | the form; 303 to `next` (field `password`)                  |
 * | `GET /flashes`                 |             | the flashed messages, JSON                                  |
 * | `GET /sessions`                | login       | JSON `[{ id, createdAt, lastSeenAt, ip, userAgent, current, remembered }]` |
 * | `POST /sessions/<id>/revoke`   | fresh login | 303 to `/sessions`; 404 when the id is not one of the user's sessions |
 * | `POST /logout-everywhere`      | fresh login | 303 to `/`: every session and remember token of the user ends, this one too |
 * | `POST /password`               | fresh login | 303 to `/` (field `password`, 8 characters at least, else 400): every other session and remember token of the user ends, this one continues on a rotated session |
 *
 * The three device-list routes need a server-side store (`SESSION_STORE`, see store.ts): with
 * sealed cookie sessions they answer 501 `{"error":"needs a server-side store"}`, since a cookie
 * session cannot be listed or ended alone. A password change works with every store: it changes
 * the user's auth epoch ({@link authEpoch}), and sessions made before it stop working. With a
 * server-side store the users live in it too (user-table.ts), so several processes of an example
 * behind one load balancer share users, epochs and password changes.
 */
import { createHash, randomBytes } from 'node:crypto'
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { LoginManagerOptions } from 'doorman-login'
import { PasswordError } from 'doorman-login/errors'
import { hashPassword, validateNewPassword, verifyPassword } from 'doorman-login/password'
import { storeFromEnv } from './store.ts'
import { userTableFor, type UserRow, type UserTable } from './user-table.ts'

/** A user of the example apps. */
export interface User {
  id: string
  username: string
  isActive: boolean
  passwordHash: string
}

const SEED = [
  { id: '1', username: 'alice', password: 'wonderland', isActive: true, token: 'alice-token' },
  { id: '2', username: 'bob', password: 'builder', isActive: false },
  { id: '佐藤', username: 'sato', password: 'sato-pass', isActive: true },
]

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

const toUser = (row: UserRow | null): User | null =>
  row && { id: row.id, username: row.username, isActive: row.isActive, passwordHash: row.passwordHash }

/**
 * The users, with passwords hashed (Argon2id) and API tokens kept only as hashes, in a
 * {@link UserTable}: beside the sessions with a server-side store (so every process of the app
 * sees the same users and the same password changes), in memory with sealed cookies.
 */
export class Users {
  private constructor(readonly table: UserTable) {}

  static #seed: Promise<UserRow[]> | null = null
  /**
   * The users of `table`, adding the seed users that are not there yet (their passwords are
   * hashed once per process, ~50 ms each; a row already in the table keeps its hash).
   */
  static async open(table: UserTable): Promise<Users> {
    this.#seed ??= Promise.all(
      SEED.map(async ({ password, token, ...u }) => ({ ...u, passwordHash: await hashPassword(password), tokenHash: token ? sha256(token) : null })),
    )
    await table.seed(await this.#seed)
    return new Users(table)
  }

  async byId(id: string): Promise<User | null> {
    return toUser(await this.table.byId(id))
  }

  /** The user whose API token this is; tokens are looked up by hash, never compared as text. */
  async byToken(token: string): Promise<User | null> {
    return toUser(await this.table.byTokenHash(sha256(token)))
  }

  /** The user with these credentials, or null; an unknown name costs as much as a wrong password. */
  async authenticate(username: unknown, password: unknown): Promise<User | null> {
    if (typeof username !== 'string' || typeof password !== 'string') return null
    const user = toUser(await this.table.byName(username))
    return (await verifyPassword(user?.passwordHash, password)) && user ? user : null
  }

  /** Whether `password` is this user's password (re-authentication). */
  async checkPassword(user: User, password: unknown): Promise<boolean> {
    return typeof password === 'string' && verifyPassword(user.passwordHash, password)
  }

  /**
   * Give `user` a new password (checked with {@link newPasswordProblem} first) and return the
   * updated user. The new hash changes the user's auth epoch, in every process sharing the table.
   */
  async setPassword(user: User, password: string): Promise<User> {
    const updated = { ...user, passwordHash: await hashPassword(password) }
    await this.table.setPasswordHash(user.id, updated.passwordHash)
    return updated
  }
}

/** Why `password` cannot be a new password (doorman/password's policy: 8 characters at least), or null. */
export function newPasswordProblem(password: unknown): string | null {
  try {
    validateNewPassword(password as string)
    return null
  } catch (e) {
    if (e instanceof PasswordError) return e.message
    throw e
  }
}

/**
 * The auth epoch: a short hash of the stored password hash. A password change changes it, and
 * doorman then refuses every session and remember token made before (cookie sessions included).
 * It is derived from the row, never from anything a process makes at start-up, so processes
 * sharing the table agree on it.
 */
export const authEpoch = (user: User) => sha256(user.passwordHash).slice(0, 16)

/**
 * Manager options from the environment: SECRET_KEY, SESSION_PROTECTION, TRUST_PROXY, and the
 * store (SESSION_STORE and its variables, see store.ts); the users, kept beside the sessions
 * (see user-table.ts). `close` releases the store's connection.
 */
export async function optionsFromEnv(env: Record<string, string | undefined> = process.env): Promise<{ options: LoginManagerOptions<User>; users: Users; close: () => Promise<void> }> {
  const protection = env.SESSION_PROTECTION || 'basic'
  if (protection !== 'off' && protection !== 'basic' && protection !== 'strong') {
    throw new Error(`SESSION_PROTECTION must be off, basic or strong (got ${JSON.stringify(protection)})`)
  }
  const trust = env.TRUST_PROXY || '0'
  if (trust !== '0' && trust !== '1') throw new Error(`TRUST_PROXY must be 0 or 1 (got ${JSON.stringify(trust)})`)
  const { store, connection, close } = await storeFromEnv(env)
  let users: Users
  try {
    users = await Users.open(await userTableFor(connection))
  } catch (e) {
    await close()
    throw e
  }
  const options: LoginManagerOptions<User> = {
    // A random secret logs everyone out at each restart: set SECRET_KEY in real deployments.
    secret: env.SECRET_KEY || randomBytes(32).toString('hex'),
    userLoader: (id) => users.byId(id),
    // API clients authenticate each request with a token; nothing is written to the session.
    requestLoader: (req) => {
      const m = /^Bearer ([\x21-\x7e]+)$/.exec(req.header('authorization') ?? '')
      return m ? users.byToken(m[1]) : null
    },
    authEpoch,
    store,
    sessionProtection: protection,
    trustProxy: trust === '1',
    loginView: '/login',
    refreshView: '/reauth',
  }
  return { options, users, close }
}

/** What `GET /sessions` and the revocation routes answer (501) with cookie sessions. */
export const NEEDS_STORE = { error: 'needs a server-side store' }
/** What `POST /sessions/<id>/revoke` answers (404) for an id that is not one of the user's sessions. */
export const NO_SUCH_SESSION = { error: 'no such session' }

/** The port to listen on. */
export function portFromEnv(env: Record<string, string | undefined> = process.env): number {
  const port = Number(env.PORT ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number (got ${env.PORT})`)
  return port
}

/** What the contract asks `POST /login` to flash on bad credentials. */
export const INVALID_CREDENTIALS = 'Invalid username or password.'
/** Largest form body the examples read, in bytes: their forms are a few hundred bytes. */
export const FORM_LIMIT = 64 * 1024

/** Whether the remember checkbox was ticked. */
export const wantsRemember = (v: unknown) => v === 'on' || v === '1' || v === 'true'

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

// The form posts back to the URL it was served from, so `?next=` survives the round trip.
/** The login form. `action` is the path and query the form was served from. */
export function loginPage(action: string): string {
  return `<!doctype html><title>Log in</title><form method="post" action="${escape(action)}">
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<label><input name="remember" type="checkbox"> Remember me</label>
<button>Log in</button></form>`
}

/** The re-authentication form (field `password`). */
export function reauthPage(action: string, username: string): string {
  return `<!doctype html><title>Confirm your password</title><p>Signed in as ${escape(username)}.</p>
<form method="post" action="${escape(action)}">
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button>Confirm</button></form>`
}

/** True when this module's importer was started directly (`tsx examples/minimal/x.ts`). */
export function isMain(moduleUrl: string): boolean {
  try {
    return !!process.argv[1] && pathToFileURL(realpathSync(process.argv[1])).href === moduleUrl
  } catch {
    return false
  }
}
