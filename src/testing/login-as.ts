/**
 * @module internal/testing/login-as: log a user in for a test client or a browser, without the
 * login form, producing a session that passes session protection.
 */
import { RequestAuth } from '../auth.ts'
import type { LoginManager } from '../manager.ts'

/** Options of {@link loginAs}. */
export interface LoginAsOptions {
  /** A fresh login (default) or a non-fresh one, as after a remember-me restore. */
  fresh?: boolean
  /** Also issue a remember-me cookie. */
  remember?: boolean
  /** The address the test client connects from, so session protection sees the same client. @default '127.0.0.1' */
  ip?: string
  /** The User-Agent the client sends. @default '' (none) */
  userAgent?: string
  /** The app's origin; decides Secure. @default 'http://localhost' */
  origin?: string
}

/** A logged-in test session. */
export interface TestLogin {
  /** `Cookie` header value for test clients (`supertest`, `app.request`, `inject`, `fetch`). */
  cookieHeader: string
  /** Cookies as name/value pairs. */
  cookies: { name: string; value: string }[]
  /** The raw `Set-Cookie` values. */
  setCookie: string[]
  /** Cookies in Playwright's `context.addCookies()` shape for this origin. */
  browserCookies(url?: string): { name: string; value: string; url: string; httpOnly: boolean; sameSite: 'Lax' | 'Strict' | 'None'; secure: boolean }[]
}

/**
 * Log `user` in and return the cookies a client needs to be that user.
 *
 * @example
 * ```ts
 * const { cookieHeader } = await loginAs(manager, alice, { fresh: false })
 * const res = await app.request('/private', { headers: { cookie: cookieHeader } })
 * ```
 */
// `[U][U extends unknown ? 0 : never]` is U, in a form TypeScript does not infer U from (NoInfer<U>
// before TypeScript 5.4): the user must be of the manager's type, not widen it.
export async function loginAs<U extends object>(manager: LoginManager<U>, user: [U][U extends unknown ? 0 : never], options: LoginAsOptions = {}): Promise<TestLogin> {
  const origin = options.origin ?? 'http://localhost'
  const headers: Record<string, string> = {}
  if (options.userAgent) headers['user-agent'] = options.userAgent
  const auth = new RequestAuth(manager, {
    method: 'POST',
    url: `${origin}/`,
    header: (n) => headers[n] ?? null,
    remoteAddress: options.ip ?? '127.0.0.1',
  })
  const ok = await auth.loginUser(user, { fresh: options.fresh ?? true, remember: options.remember ?? false, force: true })
  if (!ok) throw new Error('loginAs: the user could not be logged in')
  const setCookie = await auth.commit()
  const cookies = setCookie.map((c) => {
    const pair = c.slice(0, c.indexOf(';') < 0 ? c.length : c.indexOf(';'))
    const eq = pair.indexOf('=')
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1) }
  })
  const attrs = (name: string) => setCookie.find((c) => c.startsWith(name + '='))!
  return {
    cookieHeader: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
    cookies,
    setCookie,
    browserCookies: (url = origin) =>
      cookies.map((c) => {
        const a = attrs(c.name)
        const ss = /SameSite=(\w+)/i.exec(a)?.[1] ?? 'Lax'
        return {
          name: c.name,
          value: c.value,
          url,
          httpOnly: /;\s*HttpOnly/i.test(a),
          secure: /;\s*Secure/i.test(a),
          sameSite: (ss[0].toUpperCase() + ss.slice(1).toLowerCase()) as 'Lax' | 'Strict' | 'None',
        }
      }),
  }
}
