/**
 * @module internal/events: Flask-Login's signals as a typed event map.
 *
 * Listeners run synchronously, in registration order, when the event happens; a listener that
 * throws makes the operation throw, as a Flask signal receiver does. Payloads carry the user and
 * the request, never a token, a secret or a password (ASVS 16.2.5).
 */

/** Information about the request an event happened in. */
export interface EventRequest {
  /** HTTP method. */
  method: string
  /** Full request URL. */
  url: string
  /** Client address as doorman sees it (after trusted-proxy rules). */
  ip: string | undefined
}

/** Every event doorman fires and its payload. `U` is the app's user type. */
export interface AuthEvents<U = unknown> {
  /** `user_logged_in`: `loginUser` succeeded. */
  loggedIn: { user: U; remember: boolean; fresh: boolean; request: EventRequest }
  /** `user_logged_out`: `logoutUser` ended a session that had a user. */
  loggedOut: { user: U | null; request: EventRequest }
  /** `user_loaded_from_cookie`: the remember-me cookie restored the user. */
  loadedFromCookie: { user: U; request: EventRequest }
  /** `user_loaded_from_request`: the request loader authenticated this request. */
  loadedFromRequest: { user: U; request: EventRequest }
  /** `user_login_confirmed`: `confirmLogin` made the session fresh again. */
  loginConfirmed: { user: U | null; request: EventRequest }
  /** `user_unauthorized`: a guard refused an anonymous request. */
  unauthorized: { request: EventRequest }
  /** `user_needs_refresh`: a fresh-login guard refused a non-fresh session. */
  needsRefresh: { user: U | null; request: EventRequest }
  /** `user_accessed`: the current user was asked for, once per request. */
  accessed: { request: EventRequest }
  /** `session_protected`: the client identifier changed; `mode` says what was done. */
  sessionProtected: { mode: 'basic' | 'strong'; request: EventRequest }
  /** A remember token was replayed after rotation: that device's tokens were revoked. */
  rememberTokenTheftSuspected: { userId: string; request: EventRequest }
  /**
   * `loginUser` met the `maxSessionsPerUser` cap: with `'evict-oldest'`, `evicted` sessions were
   * ended (and their remember tokens); with `'refuse'`, nothing was ended and the login returned false.
   */
  sessionLimitReached: { userId: string; policy: 'evict-oldest' | 'refuse'; evicted: number; request: EventRequest }
  /** A session was rejected because the user's auth epoch changed (password change, log out everywhere). */
  epochMismatch: { userId: string; request: EventRequest }
  /**
   * The session store went down (`status: 'down'`, with the error) or answered again (`'up'`):
   * once per transition, never per request. Without a listener doorman logs one line to stderr
   * for each; with one, it logs nothing and the listener decides.
   */
  storeStatus: { status: 'down' | 'up'; store: string; cause?: unknown }
}

/** A listener for event `K`. */
export type Listener<U, K extends keyof AuthEvents<U>> = (payload: AuthEvents<U>[K]) => void

/**
 * A tiny typed emitter; one per manager. Covariant in `U` (listeners are taken by methods), so that
 * the manager of a `User` is a manager of `object` for doorman's own helpers.
 */
export class Emitter<out U> {
  // Stored without `U`: a field typed with listener functions would make the class invariant.
  readonly #listeners: { [K in keyof AuthEvents]?: ((payload: never) => void)[] } = {}

  /**
   * Listen to an event; returns a function that removes the listener.
   *
   * @example
   * ```ts
   * manager.on('loggedIn', ({ user }) => audit('login', user.id))
   * ```
   */
  on<K extends keyof AuthEvents<U>>(event: K, listener: Listener<U, K>): () => void {
    const list = (this.#listeners[event] ??= []) as Listener<U, K>[]
    list.push(listener)
    return () => {
      const i = list.indexOf(listener)
      if (i >= 0) list.splice(i, 1)
    }
  }

  /** Whether anything listens to `event` (so callers can skip building a payload). */
  has(event: keyof AuthEvents<U>): boolean {
    return (this.#listeners[event]?.length ?? 0) > 0
  }

  /** Fire an event. */
  emit<K extends keyof AuthEvents<U>>(event: K, payload: AuthEvents<U>[K]): void {
    const list = this.#listeners[event] as Listener<U, K>[] | undefined
    if (!list) return
    for (const l of list.slice()) l(payload)
  }
}
