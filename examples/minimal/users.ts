/**
 * @module examples/minimal/users: the user table, the environment and the two HTML forms shared
 * by the three minimal apps (hono.ts, express.ts, fastify.ts).
 */
import { createHash, randomBytes } from 'node:crypto'
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { LoginManagerOptions } from 'doorman'
import { hashPassword, verifyPassword } from 'doorman/password'
import { storeFromEnv } from './store.ts'

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

/** The users, with passwords hashed once (Argon2id) and API tokens kept only as hashes. */
export class Users {
  readonly #byId = new Map<string, User>()
  readonly #byName = new Map<string, User>()
  readonly #byToken = new Map<string, User>()

  static #loaded: Promise<Users> | null = null
  /** Hash the seed passwords (about 50 ms each, once per process). */
  static load(): Promise<Users> {
    return (this.#loaded ??= (async () => {
      const users = new Users()
      for (const { password, token, ...u } of SEED) {
        const user = { ...u, passwordHash: await hashPassword(password) }
        users.#byId.set(user.id, user)
        users.#byName.set(user.username, user)
        if (token) users.#byToken.set(sha256(token), user)
      }
      return users
    })())
  }

  byId(id: string): User | null {
    return this.#byId.get(id) ?? null
  }

  /** The user whose API token this is; tokens are looked up by hash, never compared as text. */
  byToken(token: string): User | null {
    return this.#byToken.get(sha256(token)) ?? null
  }

  /** The user with these credentials, or null; an unknown name costs as much as a wrong password. */
  async authenticate(username: unknown, password: unknown): Promise<User | null> {
    if (typeof username !== 'string' || typeof password !== 'string') return null
    const user = this.#byName.get(username)
    return (await verifyPassword(user?.passwordHash, password)) && user ? user : null
  }

  /** Whether `password` is this user's password (re-authentication). */
  async checkPassword(user: User, password: unknown): Promise<boolean> {
    return typeof password === 'string' && verifyPassword(user.passwordHash, password)
  }
}

/** Manager options from the environment: SECRET_KEY, SESSION_PROTECTION, TRUST_PROXY, SESSION_STORE. */
export async function optionsFromEnv(users: Users, env: Record<string, string | undefined> = process.env): Promise<LoginManagerOptions<User>> {
  const protection = env.SESSION_PROTECTION || 'basic'
  if (protection !== 'off' && protection !== 'basic' && protection !== 'strong') {
    throw new Error(`SESSION_PROTECTION must be off, basic or strong (got ${JSON.stringify(protection)})`)
  }
  const trust = env.TRUST_PROXY || '0'
  if (trust !== '0' && trust !== '1') throw new Error(`TRUST_PROXY must be 0 or 1 (got ${JSON.stringify(trust)})`)
  return {
    // A random secret logs everyone out at each restart: set SECRET_KEY in real deployments.
    secret: env.SECRET_KEY || randomBytes(32).toString('hex'),
    userLoader: (id) => users.byId(id),
    // API clients authenticate each request with a token; nothing is written to the session.
    requestLoader: (req) => {
      const m = /^Bearer ([\x21-\x7e]+)$/.exec(req.header('authorization') ?? '')
      return m ? users.byToken(m[1]) : null
    },
    store: await storeFromEnv(env),
    sessionProtection: protection,
    trustProxy: trust === '1',
    loginView: '/login',
    refreshView: '/reauth',
  }
}

/** The port to listen on. */
export function portFromEnv(env: Record<string, string | undefined> = process.env): number {
  const port = Number(env.PORT ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number (got ${env.PORT})`)
  return port
}

/** What the contract asks `POST /login` to flash on bad credentials. */
export const INVALID_CREDENTIALS = 'Invalid username or password.'

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
