/**
 * @module doorman/auth: the per-request object (`req.auth`, `c.get('auth')`, `request.auth`).
 *
 * Nothing happens until something asks: a request that never asks for the user parses no cookie,
 * opens no seal and runs no loader (Flask-Login parity B8). The first ask loads the user in
 * Flask-Login's order (session → remember-me cookie → request loader) and caches it for the
 * request; `commit()` at the end writes back only what changed.
 */
import { ArgumentError } from './errors.ts'
import { AUTH_KEYS, NEEDS_REFRESH_MESSAGE_CATEGORY, SESSION_KEYS as K } from './defaults.ts'
import { argumentSeconds, type Duration } from './duration.ts'
import { getCookies, serializeCookie, expireCookie } from './cookie.ts'
import { safeNextUrl } from './next-url.ts'
import { clientIdentifier, clientIp } from './protection.ts'
import { SealedRemember, FlaskLoginRemember } from './remember.ts'
import { pendingSelector } from './session/backend.ts'
import * as devices from './devices.ts'
import type { Session } from './session/session.ts'
import type { AuthRequest } from './context.ts'
import type { EventRequest } from './events.ts'
import type { LoginManager } from './manager.ts'

/** Options of {@link RequestAuth.loginUser}, Flask-Login's `login_user` arguments. */
export interface LoginOptions {
  /** Issue a remember-me cookie. @default false */
  remember?: boolean
  /** Lifetime of that cookie; the manager's `remember.duration` when unset. */
  duration?: Duration
  /** Log in even an inactive user. @default false */
  force?: boolean
  /** Mark the login fresh (an interactive credential check). @default true */
  fresh?: boolean
}

/** Options of {@link RequestAuth.getFlashedMessages}, Flask's `get_flashed_messages`. */
export interface FlashOptions {
  /** Return `[category, message]` pairs instead of messages. @default false */
  withCategories?: boolean
  /** Only these categories (all flashes are consumed regardless, as in Flask). */
  categoryFilter?: readonly string[]
}

type RememberWrite = { value: string; maxAge: number } | 'clear' | null

// Client identifiers (SHA-512 of `<ip>|<user agent>`) of recent clients, so that session
// protection does not hash the same two strings again on every request of a session. Bounded in
// entries and in key length, and simply emptied when full.
const IDENT_CACHE_ENTRIES = 1024
const IDENT_CACHE_KEY_LENGTH = 512
const identCache = new Map<string, string>()

function identifier(ip: string | undefined, userAgent: string | null | undefined): string | Promise<string> {
  const key = `${ip ?? ''}|${userAgent ?? ''}`
  const hit = identCache.get(key)
  if (hit !== undefined) return hit
  const v = clientIdentifier(ip, userAgent)
  if (typeof v === 'string' && key.length <= IDENT_CACHE_KEY_LENGTH) {
    if (identCache.size >= IDENT_CACHE_ENTRIES) identCache.clear()
    identCache.set(key, v)
  }
  return v
}

/**
 * Everything doorman knows and does for one request. Adapters create it; apps reach it as
 * `c.get('auth')` (Hono), `req.auth` (Express), `request.auth` (Fastify), or through the ambient
 * `currentUser()` family.
 *
 * @example
 * ```ts
 * app.post('/login', async (c) => {
 *   const auth = c.get('auth')
 *   const user = await checkPassword(...)
 *   if (user && (await auth.loginUser(user, { remember: true }))) return c.redirect(await auth.nextUrl('/'))
 * })
 * ```
 */
export class RequestAuth<U extends object = object> {
  /** The manager this request belongs to. */
  readonly manager: LoginManager<U>
  /** The request, as the core sees it. */
  readonly request: AuthRequest
  /** Called when the user becomes known or changes, so adapters can fill `req.user` & co. */
  onUser: ((user: U | null) => void) | null = null
  #session: Session | null = null
  #sessionLoad: Promise<Session> | null = null
  #userLoad: Promise<U | null> | null = null
  #loaded = false
  #user: U | null = null
  #viaRequest = false
  #remembered: boolean | null = null
  #rememberWrite: RememberWrite = null
  #flashes: [string, string][] | undefined
  #now: number | undefined
  #ip: string | undefined | null = null
  #committed = false

  constructor(manager: LoginManager<U>, request: AuthRequest) {
    this.manager = manager
    this.request = request
  }

  /** Now, in seconds, fixed for the whole request. */
  get now(): number {
    return (this.#now ??= Math.floor(this.manager.now() / 1000))
  }

  /** The client address, after the manager's `trustProxy` rules. */
  get ip(): string | undefined {
    if (this.#ip === null) {
      this.#ip = clientIp(this.request.remoteAddress, this.request.header('x-forwarded-for'), this.manager.options.trustProxy ?? false)
    }
    return this.#ip
  }

  /** Whether the request came over HTTPS (through a trusted proxy's `X-Forwarded-Proto` when configured). */
  get secure(): boolean {
    const tp = this.manager.options.trustProxy
    if (tp) {
      const proto = this.request.header('x-forwarded-proto')
      if (proto) return proto.split(',')[0].trim().toLowerCase() === 'https'
    }
    return this.request.url.startsWith('https:')
  }

  /**
   * True while nothing has touched this request's auth state: the session was never read, nobody
   * asked for the user and nothing is to be written, so {@link commit} would return no cookie and
   * adapters may skip it. A route that never asks for the user then costs next to nothing.
   */
  get pristine(): boolean {
    return this.#sessionLoad === null && this.#session === null && this.#userLoad === null && !this.#loaded && this.#rememberWrite === null
  }

  /** The user if already loaded this request (undefined when nobody asked yet). */
  get loadedUser(): U | null | undefined {
    return this.#loaded ? this.#user : undefined
  }

  /** True when this request was authenticated by the request loader (no session involved). */
  get viaRequestLoader(): boolean {
    return this.#viaRequest
  }

  /** The request as events describe it. */
  get eventRequest(): EventRequest {
    return { method: this.request.method, url: this.request.url, ip: this.ip }
  }

  /** The session, read from its cookie on first use. */
  session(): Promise<Session> {
    if (this.#session) return Promise.resolve(this.#session)
    return (this.#sessionLoad ??= this.#readSession())
  }

  #readSession(): Promise<Session> {
    // Keys are ready at once on node:crypto (null): no need to wait a microtask for them.
    const ready = this.manager.ready()
    return ready ? ready.then(() => this.#openSession()) : this.#openSession()
  }

  async #openSession(): Promise<Session> {
    const values = getCookies(this.request.header('cookie'), this.manager.sessionCookie.name)
    const s = await this.manager.backend.load(values, this.#info())
    this.#session = s
    return s
  }

  #info() {
    return { now: this.now, ip: this.ip ?? null, userAgent: this.request.header('user-agent') ?? null }
  }

  /** The logged-in user, or null; loads at most once per request. */
  getUser(): Promise<U | null> {
    if (this.#loaded) return Promise.resolve(this.#user)
    return (this.#userLoad ??= this.#load().then((u) => {
      this.#user = u
      this.#loaded = true
      this.onUser?.(u)
      return u
    }))
  }

  /** Flask-Login's `current_user`: the user, or the anonymous user. */
  async currentUser(): Promise<U | ReturnType<LoginManager<U>['anonymousUser']>> {
    return (await this.getUser()) ?? this.manager.anonymousUser()
  }

  /** Whether a user is logged in for this request. */
  async isAuthenticated(): Promise<boolean> {
    return (await this.getUser()) !== null
  }

  async #load(): Promise<U | null> {
    const m = this.manager
    if (m.events.has('accessed')) m.events.emit('accessed', { request: this.eventRequest })
    let user: U | null = null
    if (m.options.userLoader) {
      const s = await this.session()
      let uid = s.get(K.userId)
      if (typeof uid === 'string' && m.sessionProtection !== 'off') {
        const same = this.#protect(s)
        if (!(typeof same === 'boolean' ? same : await same)) uid = undefined
      }
      if (typeof uid === 'string') {
        user = this.#accept(await m.options.userLoader(uid))
        if (user && m.options.authEpoch && !(await this.#epochMatches(user, s.get(K.epoch)))) {
          m.events.emit('epochMismatch', { userId: uid, request: this.eventRequest })
          user = null
        }
        // Deleted, disabled or re-keyed users lose the session at once (ASVS 7.4.2).
        if (!user) this.#dropAuth(s)
      }
      if (!user) user = await this.#fromRemember()
    }
    if (!user && m.options.requestLoader) {
      user = this.#accept(await m.options.requestLoader(this.request))
      if (user) {
        this.#viaRequest = true
        m.events.emit('loadedFromRequest', { user, request: this.eventRequest })
      }
    }
    return user
  }

  #accept(u: U | null | undefined): U | null {
    if (u == null) return null
    return this.manager.isActive(u) ? u : null
  }

  #dropAuth(s: Session): void {
    for (const k of AUTH_KEYS) s.delete(k)
    s.regenerate()
  }

  // Synchronous when the identifier is (node:crypto, or cached): one microtask less per request.
  #protect(s: Session): boolean | Promise<boolean> {
    const ident = identifier(this.ip, this.request.header('user-agent'))
    return typeof ident === 'string' ? this.#protectWith(s, ident) : ident.then((i) => this.#protectWith(s, i))
  }

  #protectWith(s: Session, ident: string): boolean {
    if (s.get(K.identifier) === ident) return true
    const m = this.manager
    if (m.sessionProtection === 'basic' || s.permanent) {
      if (s.get(K.fresh) !== false) s.set(K.fresh, false)
      m.events.emit('sessionProtected', { mode: 'basic', request: this.eventRequest })
      return true
    }
    for (const k of AUTH_KEYS) s.delete(k)
    if (this.#rememberValue()) this.#rememberWrite = 'clear'
    m.events.emit('sessionProtected', { mode: 'strong', request: this.eventRequest })
    return false
  }

  async #epochTag(user: U): Promise<string | null> {
    const e = await this.manager.options.authEpoch!(user)
    if (e === null || e === undefined) return null
    return this.manager.epochKeys.tag(String(e))
  }

  async #epochMatches(user: U, tag: unknown): Promise<boolean> {
    const e = await this.manager.options.authEpoch!(user)
    if (e === null || e === undefined) return tag === undefined || tag === null
    return this.manager.epochKeys.checkTag(tag, String(e))
  }

  #rememberValue(): string | undefined {
    return getCookies(this.request.header('cookie'), this.manager.rememberCookie.name)[0]
  }

  async #fromRemember(): Promise<U | null> {
    if (this.#rememberWrite === 'clear') return null
    const value = this.#rememberValue()
    if (!value) return null
    const m = this.manager
    const ctx = this.#info()
    const claim = await m.remember.verify(value, ctx)
    // A bad remember cookie is dropped, and the request loader still runs (Flask-Login PR #901).
    if (!claim) {
      this.#rememberWrite = 'clear'
      return null
    }
    if ('theft' in claim) {
      this.#rememberWrite = 'clear'
      m.events.emit('rememberTokenTheftSuspected', { userId: claim.userId, request: this.eventRequest })
      return null
    }
    const user = this.#accept(await m.options.userLoader!(claim.userId))
    const bound = !(m.remember instanceof FlaskLoginRemember)
    if (!user || (m.options.authEpoch && bound && !(await this.#epochMatches(user, claim.epoch)))) {
      if (user) m.events.emit('epochMismatch', { userId: claim.userId, request: this.eventRequest })
      await m.remember.revoke(value)
      this.#rememberWrite = 'clear'
      return null
    }
    // A remembered login is a new session: rotated, not fresh, and bound to this client so that
    // strong protection accepts it (Flask-Login #685).
    const s = await this.session()
    this.#dropAuth(s)
    s.set(K.userId, m.getId(user))
    s.set(K.fresh, false)
    s.set(K.identifier, await identifier(this.ip, this.request.header('user-agent')))
    if (m.options.authEpoch) s.set(K.epoch, await this.#epochTag(user))
    if (claim.selector) pendingSelector.set(s, claim.selector)
    if (claim.rotated) this.#rememberWrite = claim.rotated
    this.#remembered = true
    m.events.emit('loadedFromCookie', { user, request: this.eventRequest })
    return user
  }

  /**
   * Log a user in (Flask-Login's `login_user`): a new session id, the user id stored, fresh by
   * default, and a remember-me cookie when asked.
   *
   * @returns false (and nothing changes) for an inactive user unless `force` is set.
   */
  async loginUser(user: U, options: LoginOptions = {}): Promise<boolean> {
    const m = this.manager
    if (!user || typeof user !== 'object') throw new ArgumentError('loginUser() needs a user object')
    if (!options.force && !m.isActive(user)) return false
    const duration = options.duration === undefined ? m.rememberCookie.duration : argumentSeconds('duration', options.duration)
    const id = m.getId(user)
    if (!(await devices.enforceSessionCap(this, id))) return false
    const fresh = options.fresh ?? true
    const s = await this.session()
    const previous = s.get(K.userId)
    for (const k of AUTH_KEYS) if (k !== K.next) s.delete(k)
    s.delete(K.csrf)
    // Rotation defeats fixation; pre-login data survives unless it belonged to someone else.
    s.regenerate(previous === undefined || previous === id ? undefined : [K.flashes, K.next])
    s.set(K.userId, id)
    s.set(K.fresh, fresh)
    if (fresh) s.set(K.freshAt, this.now)
    s.set(K.identifier, await identifier(this.ip, this.request.header('user-agent')))
    const epoch = m.options.authEpoch ? await this.#epochTag(user) : null
    if (epoch) s.set(K.epoch, epoch)
    const existing = this.#rememberValue()
    if (existing) await m.remember.revoke(existing)
    if (options.remember) {
      const issued = await m.remember.issue(id, epoch, duration, this.#info())
      this.#rememberWrite = { value: issued.value, maxAge: duration }
      if (issued.selector) pendingSelector.set(s, issued.selector)
      this.#remembered = true
    } else {
      this.#rememberWrite = existing ? 'clear' : null
      this.#remembered = false
    }
    this.#setUser(user, false)
    m.events.emit('loggedIn', { user, remember: !!options.remember, fresh, request: this.eventRequest })
    return true
  }

  #setUser(user: U | null, viaRequest: boolean): void {
    this.#user = user
    this.#loaded = true
    this.#userLoad = null
    this.#viaRequest = viaRequest
    this.onUser?.(user)
  }

  /**
   * Log the user out (Flask-Login's `logout_user`): the session is replaced by a new, empty one
   * (flashes kept), its server-side record destroyed, and this device's remember token revoked.
   */
  async logoutUser(): Promise<boolean> {
    const m = this.manager
    const user = await this.getUser()
    const s = await this.session()
    const value = this.#rememberValue()
    if (value) {
      await m.remember.revoke(value)
      this.#rememberWrite = 'clear'
    }
    s.regenerate([K.flashes])
    this.#remembered = false
    this.#setUser(null, false)
    m.events.emit('loggedOut', { user: this.#viaRequest ? null : user, request: this.eventRequest })
    return true
  }

  /**
   * Mark the login fresh again after the user re-entered a credential (Flask-Login's
   * `confirm_login`); the session id rotates, as after any authentication (ASVS 7.2.4).
   */
  async confirmLogin(): Promise<void> {
    const user = await this.getUser()
    const s = await this.session()
    s.set(K.fresh, true)
    s.set(K.freshAt, this.now)
    s.set(K.identifier, await identifier(this.ip, this.request.header('user-agent')))
    s.regenerate()
    this.manager.events.emit('loginConfirmed', { user, request: this.eventRequest })
  }

  /**
   * Flask-Login's `login_fresh`: true after an interactive login or `confirmLogin`, false after a
   * remember-me restore. With `within` (seconds or `'10m'`), the credential check must be that recent.
   */
  async isFresh(within?: Duration): Promise<boolean> {
    // A bad `within` is the caller's bug whoever is logged in: throw every time, not only for fresh users.
    const window = within === undefined ? undefined : argumentSeconds('within', within)
    await this.getUser()
    if (this.#viaRequest || !this.#user) return false
    const s = await this.session()
    if (s.get(K.fresh) !== true) return false
    if (window === undefined) return true
    const at = s.get(K.freshAt)
    return typeof at === 'number' && this.now - at <= window
  }

  /** The current user's sessions, oldest first, with `current` marked (docs/revocation.md). Needs a store. */
  listSessions(): Promise<devices.DeviceSession[]> {
    return devices.listSessions(this)
  }

  /** End one of the current user's sessions and its remember token (the current one: logout). Needs a store. */
  revokeSession(id: string): Promise<boolean> {
    return devices.revokeSession(this, id)
  }

  /** End the user's other sessions and other devices' remember tokens; returns how many sessions ended. Needs a store. */
  revokeOtherSessions(): Promise<number> {
    return devices.revokeOtherSessions(this)
  }

  /** End every session and remember token of the user, this one included. Needs a store. */
  logoutEverywhere(): Promise<number> {
    return devices.logoutEverywhere(this)
  }

  /** After a password change: end every other session and token; continue on a rotated session (see docs/revocation.md). */
  credentialsChanged(user: U, options?: devices.CredentialsChangedOptions): Promise<boolean> {
    return devices.credentialsChanged(this, user, options)
  }

  /** Flask-Login's `login_remembered`: the request carried a valid remember-me credential. */
  async isRemembered(): Promise<boolean> {
    await this.getUser()
    if (this.#remembered !== null) return this.#remembered
    const value = this.#rememberWrite === 'clear' ? undefined : this.#rememberValue()
    this.#remembered = value ? await this.manager.remember.peek(value, this.#info()) : false
    return this.#remembered
  }

  /**
   * Flash a message for the next page (Flask's `flash`), read once by {@link getFlashedMessages}.
   *
   * @example
   * ```ts
   * await req.auth.flash('Saved.', 'success')
   * ```
   */
  async flash(message: string, category = 'message'): Promise<void> {
    const s = await this.session()
    const list = s.get<unknown>(K.flashes)
    s.set(K.flashes, [...(Array.isArray(list) ? list : []), [String(category), String(message)]])
  }

  /** Take the flashed messages (Flask's `get_flashed_messages`): all are consumed on first call. */
  async getFlashedMessages(options: FlashOptions & { withCategories: true }): Promise<[string, string][]>
  async getFlashedMessages(options?: FlashOptions): Promise<string[]>
  async getFlashedMessages(options: FlashOptions = {}): Promise<string[] | [string, string][]> {
    if (this.#flashes === undefined) {
      const s = await this.session()
      const raw = s.has(K.flashes) ? s.pop<unknown>(K.flashes) : undefined
      this.#flashes = Array.isArray(raw)
        ? raw.filter((f): f is [string, string] => Array.isArray(f) && typeof f[0] === 'string' && typeof f[1] === 'string')
        : []
    }
    let list = this.#flashes
    if (options.categoryFilter?.length) list = list.filter(([c]) => options.categoryFilter!.includes(c))
    return options.withCategories ? list.map(([c, m]) => [c, m] as [string, string]) : list.map(([, m]) => m)
  }

  /**
   * Where to go after login: the `next` given (or the request's `next` query field, or the one
   * kept in the session with `useSessionForNext`), if it is a safe same-origin path; else `fallback`.
   *
   * @example
   * ```ts
   * res.redirect(303, await req.auth.nextUrl('/'))
   * ```
   */
  async nextUrl(fallback = '/', next?: unknown): Promise<string> {
    let candidate = next
    if (candidate === undefined) {
      const values = new URL(this.request.url).searchParams.getAll(this.manager.nextField)
      // Two `next` values is parameter pollution (ASVS 15.3.7): take neither.
      candidate = values.length === 1 ? values[0] : undefined
    }
    if (this.manager.options.useSessionForNext) {
      const s = await this.session()
      const stored = s.has(K.next) ? s.pop(K.next) : undefined
      if (candidate === undefined) candidate = stored
    }
    return safeNextUrl(candidate, this.request.url) ?? fallback
  }

  /** Flash a message through the manager's `localize`, unless it is empty. */
  async flashLocalized(message: string | undefined, category: string | undefined): Promise<void> {
    if (!message) return
    const text = this.manager.options.localize ? this.manager.options.localize(message) : message
    if (text) await this.flash(text, category ?? NEEDS_REFRESH_MESSAGE_CATEGORY)
  }

  /**
   * Write back what changed: returns `Set-Cookie` header values (empty when nothing changed).
   * Adapters call it once, before the response headers leave; the cache headers that must go with
   * a cookie are the adapter's to add (see `cacheHeaders`).
   */
  async commit(): Promise<string[]> {
    if (this.#committed) return []
    this.#committed = true
    const m = this.manager
    const out: string[] = []
    if (this.#session) {
      const w = await m.backend.save(this.#session, this.#info())
      const name = m.sessionCookie.name
      if (w && 'value' in w) out.push(serializeCookie(name, w.value, m.cookieAttributes('session', this.secure, w.maxAge)))
      else if (w) out.push(expireCookie(name, m.cookieAttributes('session', this.secure)))
    }
    let write = this.#rememberWrite
    if (!write && m.rememberCookie.refreshEachRequest && this.#user && !this.#viaRequest) write = await this.#refreshRemember()
    const rname = m.rememberCookie.name
    if (write === 'clear') {
      if (this.#rememberValue() !== undefined) out.push(expireCookie(rname, m.cookieAttributes('remember', this.secure)))
    } else if (write) {
      out.push(serializeCookie(rname, write.value, m.cookieAttributes('remember', this.secure, write.maxAge)))
    }
    return out
  }

  // REMEMBER_COOKIE_REFRESH_EACH_REQUEST: only when the request carried the cookie (Flask-Login
  // 0.7 fixed 0.6's habit of creating one for users who never asked).
  async #refreshRemember(): Promise<RememberWrite> {
    const value = this.#rememberValue()
    if (!value) return null
    const m = this.manager
    // Stored tokens end at their server-side expiry; re-sending an old value could also overwrite
    // the cookie a parallel request just rotated.
    if (m.remember.revocable) return null
    const duration = m.rememberCookie.duration
    if (m.remember instanceof SealedRemember) {
      const claim = await m.remember.verify(value, this.#info())
      if (!claim) return null
      const issued = await m.remember.issue(claim.userId, claim.epoch, duration, this.#info())
      return { value: issued.value, maxAge: duration }
    }
    return (await m.remember.peek(value, this.#info())) ? { value, maxAge: duration } : null
  }
}
