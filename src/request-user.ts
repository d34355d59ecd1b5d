/**
 * @module internal/request-user: who the request's user is, loaded lazily and at most once, in
 * Flask-Login's order: the session (with session protection and the auth epoch checked), then the
 * remember-me cookie (restoring a new, non-fresh session), then the request loader.
 */
import { AUTH_KEYS, SESSION_KEYS as K } from './defaults.ts'
import { getCookies } from './cookie.ts'
import { FlaskLoginRemember } from './remember.ts'
import { pendingSelector, restoring } from './session/store-backend.ts'
import { RequestSession } from './request-session.ts'
import type { Session } from './session/session.ts'
import type { RegisteredAnonymousUser } from './types.ts'

function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return v !== null && typeof v === 'object' && typeof (v as any).then === 'function'
}

/** A remember-me cookie to write at the end of the request: set, clear, or nothing. */
export type RememberWrite = { value: string; maxAge: number } | 'clear' | null

/** The user half of the per-request object; see {@link RequestAuth}. */
export class RequestUser<out U extends object = object> extends RequestSession<U> {
  /**
   * Called (with this object as `this`) when the user becomes known or changes, so adapters can
   * fill `req.user` & co. Typed with `object` so that a `RequestAuth<User>` is a `RequestAuth<object>`.
   */
  onUser: ((user: object | null) => void) | null = null
  protected userLoad: Promise<U | null> | null = null
  protected loaded = false
  protected user: U | null = null
  protected viaRequest = false
  protected remembered: boolean | null = null
  protected rememberWrite: RememberWrite = null

  /**
   * True while nothing has touched this request's auth state: the session was never read, nobody
   * asked for the user and nothing is to be written, so {@link commit} would return no cookie and
   * adapters may skip it. A route that never asks for the user then costs next to nothing.
   */
  get pristine(): boolean {
    return !this.sessionTouched && this.userLoad === null && !this.loaded && this.rememberWrite === null
  }

  /** The user if already loaded this request (undefined when nobody asked yet). */
  get loadedUser(): U | null | undefined {
    return this.loaded ? this.user : undefined
  }

  /** True when this request was authenticated by the request loader (no session involved). */
  get viaRequestLoader(): boolean {
    return this.viaRequest
  }

  /** The logged-in user, or null; loads at most once per request. */
  getUser(): Promise<U | null> {
    if (this.loaded) return Promise.resolve(this.user)
    if (this.userLoad) return this.userLoad
    let r: U | null | Promise<U | null>
    try {
      r = this.#load()
    } catch (e) {
      r = Promise.reject(e)
    }
    // The common wait (the app's async loader) settles through #settled, which records the user
    // itself: one promise fewer than chaining #loaded after it.
    if (r instanceof Promise) return (this.userLoad = r === this.#settling ? r : r.then((u) => (this.loaded && this.user === u ? u : this.#loaded(u))))
    return Promise.resolve(this.#loaded(r))
  }

  #settling: Promise<U | null> | null = null

  #settled(v: U | null | Promise<U | null>): U | null | Promise<U | null> {
    return v instanceof Promise ? v.then((u) => this.#loaded(u)) : this.#loaded(v)
  }

  #loaded(u: U | null): U | null {
    this.user = u
    this.loaded = true
    this.onUser?.(u)
    return u
  }

  /** Flask-Login's `current_user`: the user, or the anonymous user. */
  async currentUser(): Promise<U | RegisteredAnonymousUser> {
    return (await this.getUser()) ?? this.manager.anonymousUser()
  }

  /** Whether a user is logged in for this request. */
  async isAuthenticated(): Promise<boolean> {
    return (await this.getUser()) !== null
  }

  // Written as plain functions rather than one async function: on the common path (a sealed
  // session, node:crypto, a logged-in user) the only wait is the app's own loader, where an async
  // function would add a promise and a microtask at every step.
  #load(): U | null | Promise<U | null> {
    const m = this.manager
    if (m.events.has('accessed')) m.events.emit('accessed', { request: this.eventRequest })
    if (!m.options.userLoader) return this.#fallback()
    const s = this.sessionNow()
    return s instanceof Promise ? s.then((x) => this.#fromSession(x)) : this.#fromSession(s)
  }

  #fromSession(s: Session): U | null | Promise<U | null> {
    const uid = s.get(K.userId)
    if (typeof uid !== 'string') return this.#fallback()
    if (this.manager.sessionProtection !== 'off') {
      const same = this.#protect(s)
      if (typeof same !== 'boolean') return same.then((ok) => (ok ? this.#fromUserId(s, uid) : this.#fallback()))
      if (!same) return this.#fallback()
    }
    return this.#fromUserId(s, uid)
  }

  #fromUserId(s: Session, uid: string): U | null | Promise<U | null> {
    const found = this.manager.options.userLoader!(uid)
    if (!isThenable(found)) return this.#checkUser(s, uid, found)
    return (this.#settling = Promise.resolve(found).then((u) => this.#settled(this.#checkUser(s, uid, u))))
  }

  #checkUser(s: Session, uid: string, found: U | null | undefined): U | null | Promise<U | null> {
    const user = this.#accept(found)
    if (user && this.manager.options.authEpoch) return this.#checkEpoch(s, uid, user)
    if (user) return user
    // Deleted, disabled or re-keyed users lose the session at once (ASVS 7.4.2).
    this.dropAuth(s)
    return this.#fallback()
  }

  async #checkEpoch(s: Session, uid: string, user: U): Promise<U | null> {
    if (await this.epochMatches(user, s.get(K.epoch))) return user
    this.manager.events.emit('epochMismatch', { userId: uid, request: this.eventRequest })
    this.dropAuth(s)
    return this.#fallback()
  }

  // No user from the session: the remember-me cookie, then the request loader.
  #fallback(): null | Promise<U | null> {
    const m = this.manager
    const remember = m.options.userLoader && this.rememberWrite !== 'clear' && this.rememberValue()
    if (!remember && !m.options.requestLoader) return null
    return this.#fallbackAsync()
  }

  async #fallbackAsync(): Promise<U | null> {
    const m = this.manager
    let user: U | null = m.options.userLoader ? await this.#fromRemember() : null
    if (!user && m.options.requestLoader) {
      user = this.#accept(await m.options.requestLoader(this.request))
      if (user) {
        this.viaRequest = true
        m.events.emit('loadedFromRequest', { user, request: this.eventRequest })
      }
    }
    return user
  }

  #accept(u: U | null | undefined): U | null {
    if (u == null) return null
    return this.manager.isActive(u) ? u : null
  }

  protected dropAuth(s: Session): void {
    for (const k of AUTH_KEYS) s.delete(k)
    s.regenerate()
  }

  // Synchronous when the identifier is (node:crypto, or cached): one microtask less per request.
  #protect(s: Session): boolean | Promise<boolean> {
    const ident = this.clientIdentifier()
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
    if (this.rememberValue()) this.rememberWrite = 'clear'
    m.events.emit('sessionProtected', { mode: 'strong', request: this.eventRequest })
    return false
  }

  protected async epochTag(user: U): Promise<string | null> {
    const e = await this.manager.options.authEpoch!(user)
    if (e === null || e === undefined) return null
    return this.manager.epochKeys.tag(String(e))
  }

  protected async epochMatches(user: U, tag: unknown): Promise<boolean> {
    const e = await this.manager.options.authEpoch!(user)
    if (e === null || e === undefined) return tag === undefined || tag === null
    return this.manager.epochKeys.checkTag(tag, String(e))
  }

  protected rememberValue(): string | undefined {
    return getCookies(this.request.header('cookie'), this.manager.rememberCookie.name)[0]
  }

  async #fromRemember(): Promise<U | null> {
    if (this.rememberWrite === 'clear') return null
    const value = this.rememberValue()
    if (!value) return null
    const m = this.manager
    const ctx = this.info()
    const claim = await m.remember.verify(value, ctx)
    // A bad remember cookie is dropped, and the request loader still runs (Flask-Login PR #901).
    if (!claim) {
      this.rememberWrite = 'clear'
      return null
    }
    if ('theft' in claim) {
      this.rememberWrite = 'clear'
      m.events.emit('rememberTokenTheftSuspected', { userId: claim.userId, request: this.eventRequest })
      return null
    }
    const user = this.#accept(await m.options.userLoader!(claim.userId))
    const bound = !(m.remember instanceof FlaskLoginRemember)
    if (!user || (m.options.authEpoch && bound && !(await this.epochMatches(user, claim.epoch)))) {
      if (user) m.events.emit('epochMismatch', { userId: claim.userId, request: this.eventRequest })
      await m.remember.revoke(value)
      this.rememberWrite = 'clear'
      return null
    }
    // A remembered login is a new session: rotated, not fresh, and bound to this client so that
    // strong protection accepts it (Flask-Login #685).
    const s = await this.session()
    this.dropAuth(s)
    s.set(K.userId, m.getId(user))
    s.set(K.fresh, false)
    s.set(K.identifier, await this.clientIdentifier())
    if (m.options.authEpoch) s.set(K.epoch, await this.epochTag(user))
    if (claim.selector) {
      pendingSelector.set(s, claim.selector)
      const selector = claim.selector
      const live = m.remember.isLive
      // A logout racing this restore may revoke the token after it was checked above.
      if (live) restoring.set(s, { selector, live: () => live.call(m.remember, selector) })
    }
    if (claim.rotated) this.rememberWrite = claim.rotated
    this.remembered = true
    m.events.emit('loadedFromCookie', { user, request: this.eventRequest })
    return user
  }

  protected setUser(user: U | null, viaRequest: boolean): void {
    this.user = user
    this.loaded = true
    this.userLoad = null
    this.viaRequest = viaRequest
    this.onUser?.(user)
  }
}
