/**
 * @module examples/app/routes/shared: what every route module uses: the page context (current
 * user, CSRF token, flashed messages), rendering, form fields and the password policy.
 */
import type { Context } from 'hono'
import { html } from 'hono/html'
import { HTTPException } from 'hono/http-exception'
import type { JSX } from 'hono/jsx/jsx-runtime'
import { csrfToken } from 'doorman-login/csrf'
import { PasswordError } from 'doorman-login/errors'
import { validateNewPassword, type PasswordPolicy } from 'doorman-login/password'
import type { LoginThrottle } from 'doorman-login/throttle'
import { usernameKey, type AppDb, type User } from '../db.ts'
import type { PageContext } from '../views/layout.tsx'
import { waitText } from '../views/status.tsx'

/** What the route modules are built from. */
export interface Deps {
  users: AppDb
  throttle: LoginThrottle
  /** Demo credentials to show on the sign-in page, when the demo user exists. */
  demo: { username: string; password: string } | null
}

// The example keeps its user type local instead of augmenting doorman's `Register` (a real app
// declares `declare module 'doorman-login' { interface Register { user: User } }` once): this repository
// type-checks several example apps together, and an augmentation is global to a program.
/** The signed-in user of this request, or null. */
export async function userOf(c: Context): Promise<User | null> {
  return (await c.get('auth').getUser()) as User | null
}

/** The signed-in user on a route behind `loginRequired()`. */
export async function requireUser(c: Context): Promise<User> {
  const user = await userOf(c)
  if (!user) throw new Error('requireUser() on a route without loginRequired()')
  return user
}

/** Everything the layout needs: the current user in every template, as in Flask-Login. */
export async function pageContext(c: Context): Promise<PageContext> {
  const auth = c.get('auth')
  const url = new URL(c.req.url)
  return {
    user: await userOf(c),
    csrf: await csrfToken(auth),
    flashes: await auth.getFlashedMessages({ withCategories: true }),
    path: url.pathname,
    origin: url.origin,
  }
}

/** Send a page (with its doctype). Pages never go to shared caches: they carry a CSRF token. */
export async function render(c: Context, page: JSX.Element, status: 200 | 400 | 401 | 403 | 404 | 405 | 409 | 413 | 429 | 500 = 200) {
  c.header('cache-control', 'no-store')
  return c.html(html`<!doctype html>${page}`, status)
}

/** One text field of a parsed form; anything else (a file, a missing field) reads as ''. */
export function field(form: Record<string, unknown>, name: string): string {
  const v = form[name]
  return typeof v === 'string' ? v : ''
}

/** The form body of this request (urlencoded or multipart); a malformed one is a 400, not a 500. */
export async function formOf(c: Context): Promise<Record<string, unknown>> {
  try {
    return (await c.req.parseBody()) as Record<string, unknown>
  } catch (e) {
    throw new HTTPException(400, { message: 'The form could not be read.', cause: e })
  }
}

// A few of the most common passwords (ASVS 6.2.4 asks for the top 3000; a real app loads a list).
const COMMON = new Set([
  'password', 'password1', 'password12', 'password123', 'passw0rd', '12345678', '123456789', '1234567890',
  'qwertyui', 'qwerty123', 'iloveyou', 'sunshine', 'princess', 'football', 'baseball', 'welcome1', 'abc12345',
  'letmein1', 'trustno1', 'superman', '11111111', '00000000', 'aaaaaaaa', 'asdfghjk', 'zaq12wsx', 'changeme',
])

/** The new-password policy: at least 8 characters, at most 1024 bytes, no composition rules. */
export const PASSWORD_POLICY: PasswordPolicy = { minLength: 8, maxLength: 1024, blocklist: COMMON }

/** Why a new password is refused, in words for the form, or null when it is fine. */
export function passwordProblem(password: string, username: string): string | null {
  try {
    validateNewPassword(password, PASSWORD_POLICY)
  } catch (e) {
    if (!(e instanceof PasswordError)) throw e
    if (e.reason === 'too-long') return 'That password is too long: the limit is 1024 bytes (about 1000 characters). Please choose a shorter one.'
    return e.message
  }
  if (username && usernameKey(password) === usernameKey(username)) return 'Your password cannot be your username.'
  return null
}

/**
 * A username as typed, in the form the app stores and shows: trimmed and in Unicode NFKC, so `zoë`
 * typed with a combining diaeresis and with `ë` is the same text. (Lookups also fold case: see
 * `usernameKey` in db.ts.)
 */
export function cleanUsername(typed: string): string {
  return typed.trim().normalize('NFKC')
}

const USERNAME = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}._-]{2,31}$/u
// Latin mixed with Cyrillic or Greek letters is the classic look-alike ("аlice" with a Cyrillic а).
const LATIN = /\p{Script=Latin}/u
const LOOKALIKE_SCRIPTS = /[\p{Script=Cyrillic}\p{Script=Greek}]/u

/**
 * Usernames (after {@link cleanUsername}): 3 to 32 letters of any alphabet, digits, dots, dashes or
 * underscores, counted in code points; Latin letters do not mix with Cyrillic or Greek ones.
 */
export function usernameProblem(username: string): string | null {
  if (!username) return 'Choose a username.'
  if (!USERNAME.test(username)) return 'Use 3 to 32 letters, digits, dots, dashes or underscores.'
  if (LATIN.test(username) && LOOKALIKE_SCRIPTS.test(username)) return 'Use letters from one alphabet: Latin letters cannot be mixed with Cyrillic or Greek ones.'
  return null
}

/** What a form says while the throttle refuses attempts (a 429, with Retry-After): when to retry. */
export function lockMessage(retryAfter: number): string {
  return `Too many failed attempts. Signing in is paused: please try again in ${waitText(retryAfter)}.`
}

/** A login attempt for the throttle: the account name as typed (doorman case-folds it) and the client address. */
export function throttleKey(c: Context, username: string): { username: string; ip: string | undefined } {
  return { username, ip: c.get('auth').ip }
}
