/**
 * @module internal/auth: the per-request object (`req.auth`, `c.get('auth')`, `request.auth`).
 *
 * Nothing happens until something asks: a request that never asks for the user parses no cookie,
 * opens no seal and runs no loader (Flask-Login parity B8). The first ask loads the user in
 * Flask-Login's order (session → remember-me cookie → request loader) and caches it for the
 * request; `commit()` at the end writes back only what changed.
 */
import { ArgumentError } from './errors.ts'
import { AUTH_KEYS, SESSION_KEYS as K } from './defaults.ts'
import { argumentSeconds, type Duration } from './duration.ts'
import { serializeCookie, expireCookie } from './cookie.ts'
import { SealedRemember } from './remember.ts'
import { lostSessions, newAuthentication, pendingSelector, restoring } from './session/store-backend.ts'
import { RequestUser, type RememberWrite } from './request-user.ts'
import * as devices from './devices.ts'

export type { FlashOptions } from './request-session.ts'

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
export class RequestAuth<out U extends object = object> extends RequestUser<U> {
  #committed = false

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
    // A credential was just checked: this login stands whether or not the old session still exists.
    newAuthentication.add(s)
    restoring.delete(s)
    s.set(K.userId, id)
    s.set(K.fresh, fresh)
    if (fresh) s.set(K.freshAt, this.now)
    s.set(K.identifier, await this.clientIdentifier())
    const epoch = m.options.authEpoch ? await this.epochTag(user) : null
    if (epoch) s.set(K.epoch, epoch)
    const existing = this.rememberValue()
    if (existing) await m.remember.revoke(existing)
    if (options.remember) {
      const issued = await m.remember.issue(id, epoch, duration, this.info())
      this.rememberWrite = { value: issued.value, maxAge: duration }
      // Flask-Login keeps an explicit duration in the session, for its refresh of the cookie.
      if (m.flaskSession && options.duration !== undefined) s.set(K.rememberSeconds, duration)
      if (issued.selector) pendingSelector.set(s, issued.selector)
      this.remembered = true
    } else {
      this.rememberWrite = existing ? 'clear' : null
      this.remembered = false
    }
    this.setUser(user, false)
    m.events.emit('loggedIn', { user, remember: !!options.remember, fresh, request: this.eventRequest })
    return true
  }

  /**
   * Log the user out (Flask-Login's `logout_user`): the session is replaced by a new, empty one
   * (flashes kept), its server-side record destroyed, and this device's remember token revoked.
   */
  async logoutUser(): Promise<boolean> {
    const m = this.manager
    const user = await this.getUser()
    const s = await this.session()
    const value = this.rememberValue()
    if (value) {
      await m.remember.revoke(value)
      this.rememberWrite = 'clear'
    }
    s.regenerate([K.flashes])
    this.remembered = false
    this.setUser(null, false)
    m.events.emit('loggedOut', { user: this.viaRequest ? null : user, request: this.eventRequest })
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
    s.set(K.identifier, await this.clientIdentifier())
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
    if (this.viaRequest || !this.user) return false
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
    if (this.remembered !== null) return this.remembered
    const value = this.rememberWrite === 'clear' ? undefined : this.rememberValue()
    this.remembered = value ? await this.manager.remember.peek(value, this.info()) : false
    return this.remembered
  }

  /**
   * Write back what changed: returns `Set-Cookie` header values (empty when nothing changed).
   * Adapters call it once, before the response headers leave; the cache headers that must go with
   * a cookie are the adapter's to add (see `cacheHeaders`).
   */
  async commit(): Promise<string[]> {
    return this.commitNow()
  }

  /**
   * {@link commit}, synchronous when there is nothing to write (the session unchanged, no
   * remember-me cookie due): adapters then finish the response without waiting for a promise.
   */
  commitNow(): string[] | Promise<string[]> {
    if (this.#committed) return []
    const m = this.manager
    const refresh = m.rememberCookie.refreshEachRequest && this.user && !this.viaRequest
    if (this.rememberWrite === null && !refresh && this.sessionUnchanged()) {
      this.#committed = true
      return []
    }
    return this.#commit()
  }

  async #commit(): Promise<string[]> {
    this.#committed = true
    const m = this.manager
    const out: string[] = []
    const sessionCookie = await this.commitSession()
    if (sessionCookie) out.push(sessionCookie)
    let write = this.rememberWrite
    const loaded = this.loadedSession
    if (loaded && lostSessions.has(loaded)) write = await this.#lost(write)
    if (!write && m.rememberCookie.refreshEachRequest && this.user && !this.viaRequest) write = await this.#refreshRemember()
    const rname = m.rememberCookie.name
    if (write === 'clear') {
      if (this.rememberValue() !== undefined) out.push(expireCookie(rname, m.cookieAttributes('remember', this.secure)))
    } else if (write) {
      out.push(serializeCookie(rname, write.value, m.cookieAttributes('remember', this.secure, write.maxAge)))
    }
    return out
  }

  // The session ended while this request ran (a logout, a revocation): nothing was written, and no
  // remember cookie goes out either. A series issued by this request (a password change keeping
  // "remember me") is revoked with it.
  async #lost(write: RememberWrite): Promise<RememberWrite> {
    const s = this.loadedSession
    const selector = s && pendingSelector.get(s)
    if (selector) await this.manager.remember.revokeSelector?.(selector)
    return write === 'clear' ? write : null
  }

  // REMEMBER_COOKIE_REFRESH_EACH_REQUEST: only when the request carried the cookie (Flask-Login
  // 0.7 fixed 0.6's habit of creating one for users who never asked).
  async #refreshRemember(): Promise<RememberWrite> {
    const value = this.rememberValue()
    if (!value) return null
    const m = this.manager
    // Stored tokens end at their server-side expiry; re-sending an old value could also overwrite
    // the cookie a parallel request just rotated.
    if (m.remember.revocable) return null
    // Flask-Login refreshes with the login's own duration when the session keeps one.
    const kept = m.flaskSession ? (await this.session()).get(K.rememberSeconds) : undefined
    const duration = typeof kept === 'number' && kept > 0 ? Math.round(kept) : m.rememberCookie.duration
    if (m.remember instanceof SealedRemember) {
      const claim = await m.remember.verify(value, this.info())
      if (!claim) return null
      const issued = await m.remember.issue(claim.userId, claim.epoch, duration, this.info())
      return { value: issued.value, maxAge: duration }
    }
    return (await m.remember.peek(value, this.info())) ? { value, maxAge: duration } : null
  }
}
