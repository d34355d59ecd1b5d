/**
 * @module examples/migrating/passport-transition: move users from Passport + express-session to
 * doorman without logging anyone out (docs/migrating/from-passport.md).
 *
 * Mounted after `doorman(manager)` for the weeks of the cutover. On a request that carries the old
 * `connect.sid` cookie and has no doorman user yet, it checks the cookie's signature with the old
 * secret(s), reads the old session from the old store (the same connect-redis, connect-pg-simple
 * or other express-session store object the old app used), logs its Passport user in through
 * doorman, copies the session values you name, and then retires the old session: its record is
 * destroyed (so a copy of the old cookie cannot log in again, and a later doorman logout is final)
 * and the browser is told to drop the cookie. Any request with the old cookie drops it, whatever
 * became of it.
 *
 * Copy this file into your app; delete it (and the old store) once the old sessions' lifetime has
 * passed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

/** The part of an express-session store this needs (connect-redis, connect-pg-simple… all have it). */
export interface OldSessionStore {
  get(sid: string, callback: (err: unknown, session?: OldSession | null) => void): void
  destroy(sid: string, callback?: (err?: unknown) => void): void
}

/** An express-session record as the stores keep it. */
export interface OldSession {
  cookie?: { expires?: string | Date | null; originalMaxAge?: number | null }
  passport?: { user?: unknown }
  [key: string]: unknown
}

/** Options of {@link passportTransition}. */
export interface PassportTransitionOptions<U> {
  /** express-session's `secret` (a string, or the array it accepted: any of them may have signed). */
  secret: string | readonly string[]
  /** The old session store, as it was passed to express-session. */
  store: OldSessionStore
  /** The user for what `serializeUser` stored (`session.passport.user`), or null: usually your old `deserializeUser`. */
  loadUser: (serialized: unknown) => U | null | undefined | Promise<U | null | undefined>
  /** express-session's `name`. @default 'connect.sid' */
  cookieName?: string
  /** express-session's cookie `path` and `domain`, so the browser drops the same cookie. */
  cookie?: { path?: string; domain?: string }
  /** Keys of `req.session` to carry into doorman's session (a cart, a locale…). @default [] */
  carry?: readonly string[]
  /**
   * Whether the doorman login is remembered. @default a persistent old cookie (express-session's
   * `cookie.maxAge` was set), so users who stayed logged in across browser restarts still do.
   */
  remember?: (old: OldSession) => boolean
  /** Told when the old store failed (the request goes on anonymous; the cookie is kept for a retry). */
  onError?: (error: unknown) => void
}

/** `s:<id>.<signature>` → id when one of the secrets signed it, else null (cookie-signature's format). */
export function unsignSessionId(value: string, secrets: readonly string[]): string | null {
  if (!value.startsWith('s:')) return null
  const signed = value.slice(2)
  const dot = signed.lastIndexOf('.')
  if (dot <= 0) return null
  const id = signed.slice(0, dot)
  const given = Buffer.from(signed.slice(dot + 1))
  for (const secret of secrets) {
    const expected = Buffer.from(createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, ''))
    if (expected.length === given.length && timingSafeEqual(expected, given)) return id
  }
  return null
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim())
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

const call = <T>(fn: (cb: (err: unknown, value?: T) => void) => void) =>
  new Promise<T | undefined>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))))

/**
 * Express middleware: log Passport users in through doorman on their first request after the
 * cutover. Mount it after `doorman(manager)` and before your routes.
 */
export function passportTransition<U extends object>(options: PassportTransitionOptions<U>): RequestHandler {
  const secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret]
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError('passportTransition: secret must be express-session\'s secret (a non-empty string or array)')
  }
  const name = options.cookieName ?? 'connect.sid'
  const remember = options.remember ?? ((old) => old.cookie?.expires != null)
  const dropOldCookie = (res: Response) => {
    const attrs = [`Path=${options.cookie?.path ?? '/'}`, ...(options.cookie?.domain ? [`Domain=${options.cookie.domain}`] : [])]
    res.append('Set-Cookie', `${name}=; ${attrs.join('; ')}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly`)
  }

  return (req: Request, res: Response, next: NextFunction) => {
    const raw = readCookie(req.headers.cookie, name)
    if (raw === undefined) return next()
    migrate(req, res, raw).then(() => next(), next)
  }

  async function migrate(req: Request, res: Response, raw: string): Promise<void> {
    const sid = unsignSessionId(raw, secrets)
    let old: OldSession | null | undefined
    if (sid) {
      try {
        old = await call<OldSession | null>((cb) => options.store.get(sid, cb))
        if (old) await call((cb) => options.store.destroy(sid, cb))
      } catch (error) {
        options.onError?.(error)
        return // the old store is down: anonymous for now, the cookie stays for the next request
      }
    }
    dropOldCookie(res)
    const auth = req.auth
    if (!old || (await auth.getUser())) return
    const serialized = old.passport?.user
    const user = serialized === undefined ? null : await options.loadUser(serialized)
    if (!user) return
    if (!(await auth.loginUser(user, { remember: remember(old) }))) return
    const session = await auth.session()
    for (const key of options.carry ?? []) if (old[key] !== undefined) session.set(key, old[key])
  }
}
