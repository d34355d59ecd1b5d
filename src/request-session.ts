/**
 * @module internal/request-session: what a request knows about itself and its session, before
 * any user is involved: the client's address and scheme, the clock, the session (read from its
 * cookie on first use and written back only when it changed), flashed messages and the safe
 * `next`. {@link RequestAuth} adds the user on top.
 */
import { NEEDS_REFRESH_MESSAGE_CATEGORY, SESSION_KEYS as K } from './defaults.ts'
import { getCookies, getCookiesUnchecked, serializeCookie, expireCookie } from './cookie.ts'
import { safeNextUrl } from './next-url.ts'
import { cachedClientIdentifier, clientIp } from './protection.ts'
import { flaskLoginIdentifier } from './flask/session-id.ts'
import { addFlash, boundedFlashes, type Flash } from './flashes.ts'
import type { Session } from './session/session.ts'
import { promised, type SessionRequestInfo } from './session/backend.ts'
import type { AuthRequest } from './context.ts'
import type { EventRequest } from './events.ts'
import type { LoginManager } from './manager.ts'

/** Options of {@link RequestAuth.getFlashedMessages}, Flask's `get_flashed_messages`. */
export interface FlashOptions {
  /** Return `[category, message]` pairs instead of messages. @default false */
  withCategories?: boolean
  /** Only these categories (all flashes are consumed regardless, as in Flask). */
  categoryFilter?: readonly string[]
}

/** The session half of the per-request object; see {@link RequestAuth}. */
export class RequestSession<out U extends object = object> {
  /** The manager this request belongs to. */
  readonly manager: LoginManager<U>
  /** The request, as the core sees it. */
  readonly request: AuthRequest
  #session: Session | null = null
  #sessionLoad: Promise<Session> | null = null
  #flashes: [string, string][] | undefined
  #now: number | undefined
  #ip: string | undefined | null = null
  #info: SessionRequestInfo | undefined

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
      const trust = this.manager.options.trustProxy ?? false
      // X-Forwarded-For is read only when a proxy is trusted to have written it.
      this.#ip = clientIp(this.request.remoteAddress, trust === false || trust === 0 ? null : this.request.header('x-forwarded-for'), trust)
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
   * The session-protection identifier of this client (Flask-Login's `_create_identifier`): SHA-512
   * of `<ip>|<user agent>`, or, with `session.format: 'flask'`, exactly what the Flask app's
   * Flask-Login computes (`session.flaskLoginIdentifier`).
   */
  clientIdentifier(): string | Promise<string> {
    const ua = this.request.header('user-agent')
    const flask = this.manager.flaskSession
    if (!flask) return cachedClientIdentifier(this.ip, ua)
    return flaskLoginIdentifier(flask.identifier, {
      remoteAddress: this.request.remoteAddress,
      forwardedFor: this.request.header('x-forwarded-for'),
      userAgent: ua,
      trustedIp: this.ip,
    })
  }

  /** True once the session has been asked for (read, or being read). */
  protected get sessionTouched(): boolean {
    return this.#sessionLoad !== null || this.#session !== null
  }

  /** The request as events describe it. */
  get eventRequest(): EventRequest {
    return { method: this.request.method, url: this.request.url, ip: this.ip }
  }

  /** The session, read from its cookie on first use. */
  session(): Promise<Session> {
    if (this.#session) return Promise.resolve(this.#session)
    if (this.#sessionLoad) return this.#sessionLoad
    return promised(() => this.sessionNow())
  }

  /**
   * The session, synchronously when it can be had without waiting (already read, or a sealed
   * cookie opened on node:crypto), else a promise: every microtask saved here is saved on every
   * authenticated request. May throw.
   */
  protected sessionNow(): Session | Promise<Session> {
    if (this.#session) return this.#session
    if (this.#sessionLoad) return this.#sessionLoad
    // Keys are ready at once on node:crypto (null); Web Crypto imports them first.
    const ready = this.manager.ready()
    if (ready) return (this.#sessionLoad = ready.then(() => this.#openSession()))
    const s = this.#openSession()
    if (s instanceof Promise) this.#sessionLoad = s
    return s
  }

  #openSession(): Session | Promise<Session> {
    const b = this.manager.backend
    const header = this.request.header('cookie')
    const name = this.manager.sessionCookie.name
    const values = b.checksValues ? getCookiesUnchecked(header, name) : getCookies(header, name)
    const s = b.loadNow ? b.loadNow(values, this.info()) : b.load(values, this.info())
    if (s instanceof Promise) return s.then((x) => (this.#session = x))
    return (this.#session = s)
  }

  /** The session if it has been read this request, else null. */
  protected get loadedSession(): Session | null {
    return this.#session
  }

  /** True when committing the session would write nothing (so the commit may be skipped). */
  protected sessionUnchanged(): boolean {
    const s = this.#session
    if (!s) return this.#sessionLoad === null
    return this.manager.backend.unchanged?.(s, this.now) ?? false
  }

  /** What the session backend and remember strategies need to know about this request (one object per request). */
  protected info(): SessionRequestInfo {
    return (this.#info ??= { now: this.now, ip: this.ip ?? null, userAgent: this.request.header('user-agent') ?? null })
  }

  /**
   * Flash a message for the next page (Flask's `flash`), read once by {@link getFlashedMessages}.
   * The same message already waiting is not stacked (it moves to the newest place), and at most
   * 10 wait (`MAX_FLASHES`; the oldest are dropped).
   *
   * @throws SessionTooLargeError when the message and category pass 1024 bytes (`MAX_FLASH_SIZE`).
   *
   * @example
   * ```ts
   * await req.auth.flash('Saved.', 'success')
   * ```
   */
  async flash(message: string, category = 'message'): Promise<void> {
    const flash: Flash = [String(category), String(message)]
    const s = await this.session()
    s.set(K.flashes, addFlash(s.get<unknown>(K.flashes), flash))
  }

  /** Take the flashed messages (Flask's `get_flashed_messages`): all are consumed on first call. */
  async getFlashedMessages(options: FlashOptions & { withCategories: true }): Promise<[string, string][]>
  async getFlashedMessages(options?: FlashOptions): Promise<string[]>
  async getFlashedMessages(options: FlashOptions = {}): Promise<string[] | [string, string][]> {
    if (this.#flashes === undefined) {
      const s = await this.session()
      this.#flashes = boundedFlashes(s.has(K.flashes) ? s.pop<unknown>(K.flashes) : undefined)
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

  /** Save the session if it changed; the `Set-Cookie` value for it, if any. */
  protected async commitSession(): Promise<string | null> {
    if (!this.#session) return null
    const m = this.manager
    const w = await m.backend.save(this.#session, this.info())
    const name = m.sessionCookie.name
    if (w && 'value' in w) return serializeCookie(name, w.value, m.cookieAttributes('session', this.secure, w.maxAge))
    if (w) return expireCookie(name, m.cookieAttributes('session', this.secure))
    return null
  }
}
