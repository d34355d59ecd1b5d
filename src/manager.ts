/**
 * @module internal/manager: the login manager, created once and mounted through an adapter.
 *
 * Flask-Login's `LoginManager`: it holds the loaders, the views, the messages and the cookie
 * settings, all resolved and checked once here, so a bad option fails at start-up with an error
 * that names it and nothing is re-read per request.
 */
import { ConfigError } from './errors.ts'
import { Keyring } from './crypto/keyring.ts'
import { Emitter, type AuthEvents, type Listener } from './events.ts'
import { CookieSessionBackend, type SessionBackend } from './session/backend.ts'
import { StoreSessionBackend } from './session/store-backend.ts'
import { FlaskLoginRemember, SealedRemember, type RememberStrategy } from './remember.ts'
import { StoredRemember } from './remember-tokens.ts'
import { createFlaskSessionBackend, type FlaskSessionConfig } from './flask/session-backend.ts'
import { listUserSessions, revokeUserSessions, type DeviceSession } from './devices.ts'
import { resolveOptions, type LoginManagerOptions, type RememberOptions, type ResolvedCookie } from './options.ts'
import { cookieOverhead } from './cookie-options.ts'
import { guardStore, logStoreStatus, StoreHealth } from './store-health.ts'
import type { CookieAttributes } from './cookie.ts'
import type { RegisteredAnonymousUser } from './types.ts'

export type { LoginManagerOptions, SessionOptions, RememberOptions, CookieOptions, ResolvedCookie } from './options.ts'

/** A login manager: create one with {@link createLoginManager}, mount it with an adapter. */
export class LoginManager<out U extends object = object> {
  /** The options as given (a plain type, not `Readonly<>`, whose mapping would make the callbacks invariant in `U`). */
  readonly options: LoginManagerOptions<U>
  /** Typed events (Flask-Login's signals). */
  readonly events = new Emitter<U>()
  readonly sessionCookie: ResolvedCookie
  readonly rememberCookie: ResolvedCookie & { duration: number; refreshEachRequest: boolean }
  readonly sessionProtection: 'off' | 'basic' | 'strong'
  readonly exemptMethods: ReadonlySet<string>
  readonly nextField: string
  readonly anonymousUser: () => RegisteredAnonymousUser
  readonly now: () => number
  readonly secrets: readonly string[]
  readonly timeouts: { idleTimeout: number; absoluteTimeout: number; touchInterval: number }
  /** The per-user session cap, or null when unlimited. */
  readonly sessionCap: { max: number; policy: 'evict-oldest' | 'refuse' } | null
  /** Flask's session format settings (`session.format: 'flask'`), or null. */
  readonly flaskSession: FlaskSessionConfig | null
  // Methods rather than function-typed properties, so that a manager of `User` is a manager of
  // `object` (the user type is used covariantly): adapters and helpers take LoginManager<object>.
  readonly #users: { getId(user: U): string; isActive(user: U): boolean }
  #ready: Promise<void> | null
  #grace: number | undefined
  #backend!: SessionBackend
  #remember!: RememberStrategy
  #epochKeys!: Keyring
  #keyrings = new Map<string, Keyring>()

  constructor(options: LoginManagerOptions<U>) {
    const o = resolveOptions(options)
    this.options = options
    this.secrets = o.secrets
    this.sessionCookie = o.sessionCookie
    this.rememberCookie = o.rememberCookie
    this.timeouts = o.timeouts
    this.sessionProtection = o.sessionProtection
    this.exemptMethods = o.exemptMethods
    this.nextField = o.nextField
    this.sessionCap = o.sessionCap
    this.flaskSession = o.flaskSession
    this.#users = { getId: o.getId, isActive: o.isActive }
    this.anonymousUser = o.anonymousUser
    this.now = o.now
    this.#grace = o.rotationGrace
    this.#ready = this.#prepare(o.rememberFormat, o.sealCache)
  }

  #prepare(fmt: RememberOptions['format'], sealCache: number): Promise<void> | null {
    const purposes = ['session', 'remember', 'epoch', 'csrf']
    const made: unknown[] = purposes.map((p) => Keyring.create(this.secrets, p))
    if (this.flaskSession) made.push(createFlaskSessionBackend(this.flaskSession, cookieOverhead(this.sessionCookie), sealCache))
    const finish = (all: unknown[]) => {
      const rings = all.slice(0, purposes.length) as Keyring[]
      purposes.forEach((p, i) => this.#keyrings.set(p, rings[i]))
      const [session, remember, epoch] = rings
      const overhead = cookieOverhead(this.sessionCookie)
      // One line per outage transition, or the app's `storeStatus` listener instead.
      const health = new StoreHealth('session store', (status, detail) =>
        this.events.has('storeStatus') ? this.events.emit('storeStatus', { status, ...detail }) : logStoreStatus(status, detail),
      )
      this.#backend = this.flaskSession
        ? (all[purposes.length] as SessionBackend)
        : this.options.store
        ? new StoreSessionBackend(this.options.store, session, this.timeouts, overhead, sealCache, health)
        : new CookieSessionBackend(session, this.timeouts, overhead, sealCache)
      this.#remember =
        fmt === 'flask-login'
          ? new FlaskLoginRemember(this.options.remember!.flaskSecretKey!)
          : fmt && typeof fmt === 'object'
            ? fmt
            : fmt === 'stored'
              ? new StoredRemember(guardStore(this.options.store as any, health), { rotationGrace: this.#grace, sessions: guardStore(this.options.store!, health) })
              : new SealedRemember(remember)
      this.#epochKeys = epoch
      this.#ready = null
    }
    if (made.some((m) => m instanceof Promise)) return Promise.all(made).then(finish)
    finish(made)
    return null
  }

  /** Admin: every live session of a user (ASVS 7.4.5 / 7.5.2); `current` is always false. Needs a store. */
  listUserSessions(userId: string | number): Promise<DeviceSession[]> {
    return listUserSessions(this, String(userId))
  }

  /** Admin: end every session and remember token of a user; returns how many sessions ended. Needs a store. */
  revokeUserSessions(userId: string | number): Promise<number> {
    return revokeUserSessions(this, String(userId))
  }

  /** A user's id as a string (the `getId` option, or `user.getId()` / `user.id`). */
  getId(user: U): string {
    return this.#users.getId(user)
  }

  /** Whether a user may log in (the `isActive` option, or `user.isActive !== false`). */
  isActive(user: U): boolean {
    return this.#users.isActive(user)
  }

  /** Resolves once keys are prepared (immediately on node:crypto). */
  ready(): Promise<void> | null {
    return this.#ready
  }

  /** The session backend (sealed cookies or a store). */
  get backend(): SessionBackend {
    return this.#backend
  }

  /** The remember-me strategy. */
  get remember(): RememberStrategy {
    return this.#remember
  }

  /** The keyring for a purpose (`session`, `remember`, `epoch`, `csrf`), for doorman's own modules. */
  keyring(purpose: string): Keyring {
    const k = this.#keyrings.get(purpose)
    if (!k) throw new ConfigError('secret', `has no keys for purpose ${purpose} yet (await manager.ready())`)
    return k
  }

  /** The epoch keyring (auth epochs are stored as MACs, never as the raw value). */
  get epochKeys(): Keyring {
    return this.#epochKeys
  }

  /**
   * Listen to an event (Flask-Login's signals).
   *
   * @example
   * ```ts
   * manager.on('loggedOut', ({ user }) => console.log('bye', user))
   * ```
   */
  on<K extends keyof AuthEvents<U>>(event: K, listener: Listener<U, K>): () => void {
    return this.events.on(event, listener)
  }

  /** Throw unless the manager can load users: called by adapters when mounted (Flask-Login raises lazily). */
  assertMountable(): void {
    if (!this.options.userLoader && !this.options.requestLoader) {
      throw new ConfigError('userLoader', 'is missing: give the manager a userLoader, a requestLoader, or both')
    }
  }

  /** Cookie attributes for a cookie kind on a request that is (or is not) HTTPS. */
  cookieAttributes(kind: 'session' | 'remember', secureRequest: boolean, maxAge?: number): CookieAttributes {
    const c = kind === 'session' ? this.sessionCookie : this.rememberCookie
    return {
      path: c.path,
      domain: c.domain,
      httpOnly: c.httpOnly,
      sameSite: c.sameSite,
      secure: c.secure === 'auto' ? secureRequest || c.sameSite === 'None' || c.partitioned : c.secure,
      partitioned: c.partitioned || undefined,
      maxAge,
    }
  }
}

/**
 * Create a login manager.
 *
 * @param options - see {@link LoginManagerOptions}; checked now, errors name the option.
 * @returns the manager, to mount with `doorman-login/hono`, `doorman-login/express`, `doorman-login/fastify` or `doorman-login/fetch`.
 * @example
 * ```ts
 * import { createLoginManager } from 'doorman-login'
 * const manager = createLoginManager({
 *   secret: process.env.SECRET_KEY!,
 *   userLoader: (id) => db.users.find(id),
 *   loginView: '/login',
 * })
 * ```
 */
export function createLoginManager<U extends object>(options: LoginManagerOptions<U>): LoginManager<U> {
  return new LoginManager<U>(options)
}
