/**
 * @module test/apps/common: what the three configurable test apps share: users, the manager they
 * build from per-test options, and the framework-neutral handler bodies (each app wires them
 * behind its own framework's routing, guards and protect-everything middleware).
 *
 * Route set (identical on every adapter):
 *   GET  /                 `user:<id>` or `anonymous` (loads the user)
 *   GET  /noop             `ok`, never touches doorman
 *   GET  /login            `login page`;  POST /login (form id, remember, fresh, force) → 303 to nextUrl('/'), 403 refused
 *   ALL  /login-as?id=&remember=1&fresh=0&force=1&duration=&permanent=1  JSON {ok}
 *   POST /logout, POST /confirm                               JSON
 *   GET  /state            JSON {user, anonymous, fresh, freshWithin, remembered, viaRequestLoader, keys}
 *   ALL  /private          loginRequired                     `private:<id>` (`private:none` for exempt methods)
 *   GET  /private-view     loginRequired({ loginView: '/route-login' })
 *   GET  /fresh, /fresh-within (within 60 s), /fresh-view (refreshView '/route-reauth')
 *   GET  /admin/page, /admin/fresh   guarded, for per-area views (manager loginViews/refreshViews)
 *   GET  /flash?m=&c=, /flashes, /session/set?k=&v=, /session/get?k=, /next
 *   GET  /locals           the template user (res.locals / reply.locals / c.get('user'))
 *   POST /slow?op=&ms=     loads the user, waits `ms`, then does `op` (reauth, password, flash, touch,
 *                          restore, logout): the in-flight request of the logout races (see {@link slow})
 *   ALL  /ambient[?login=<id>]  the ambient `currentUser()` (after an ambient `loginUser()`), or `no-context`
 *   /area/*                protect() with exempt ['/area/login', '/area/public/*']
 *   GET  /csrf-form        a masked CSRF token (text); POST /csrf-form behind csrf(): `accepted`
 *
 * Bodies: `POST /login` takes urlencoded or multipart forms (and JSON objects) up to 64 KiB; a
 * malformed body is a 400, a longer one a 413, another media type a 415 (see {@link readForm}).
 */
import type { LoginManagerOptions, RequestAuth } from '../../src/index.ts'
import { createLoginManager, type LoginManager } from '../../src/manager.ts'
import type { Exemption } from '../../src/guards.ts'
import { currentUser, loginUser as ambientLoginUser } from '../../src/ambient.ts'
import { BodyError, ContextError } from '../../src/errors.ts'
import { readFormBody } from '../../src/form-body.ts'
import { csrfToken } from '../../src/csrf.ts'

/** A user of the test apps (plain object: id, name, active flag, token). */
export interface TestUser {
  id: string
  name: string
  isActive: boolean
  token?: string
}

export const USERS: Record<string, TestUser> = {
  '1': { id: '1', name: 'alice', isActive: true, token: 'alice-token' },
  '2': { id: '2', name: 'bob', isActive: false },
  '3': { id: '3', name: 'carol', isActive: true },
  佐藤: { id: '佐藤', name: 'sato', isActive: true },
}

/** The secret every test app uses unless a test passes its own. */
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop'
/** Another valid secret, for foreign-cookie and rotation tests. */
export const OTHER_SECRET = 'other-secret-9876543210-zyxwvutsrqponm'

/** Options of a test app: manager options (the secret has a default) plus the protect exemptions. */
export type TestAppOptions = Partial<LoginManagerOptions<TestUser>> & { exempt?: readonly Exemption[] }

/** Loader call counters, to check laziness. */
export interface Calls {
  userLoader: number
  requestLoader: number
}

const bearer = (auth: { header(n: string): string | null | undefined }) =>
  /^Bearer (.+)$/.exec(auth.header('authorization') ?? '')?.[1]

/** The manager a test app mounts: async loaders by default, wrapped to count calls. */
export function testManager(options: TestAppOptions): { manager: LoginManager<TestUser>; calls: Calls; exempt: readonly Exemption[] } {
  const { exempt = ['/area/login', '/area/public/*'], ...rest } = options
  const calls: Calls = { userLoader: 0, requestLoader: 0 }
  const userLoader = 'userLoader' in rest ? rest.userLoader : async (id: string) => USERS[id] ?? null
  const requestLoader =
    'requestLoader' in rest
      ? rest.requestLoader
      : async (req: { header(n: string): string | null | undefined }) => Object.values(USERS).find((u) => u.token && u.token === bearer(req)) ?? null
  // test/scenarios/seal-cache-off.test.ts runs the parity suites again with every seal opened afresh.
  const sealCache = process.env.DOORMAN_TEST_SEAL_CACHE
  if (sealCache !== undefined && rest.session?.sealCache === undefined) rest.session = { ...rest.session, sealCache: Number(sealCache) }
  const manager = createLoginManager<TestUser>({
    secret: TEST_SECRET,
    ...rest,
    userLoader: userLoader && ((id) => (calls.userLoader++, userLoader(id))),
    requestLoader: requestLoader && ((req) => (calls.requestLoader++, requestLoader(req))),
  })
  return { manager, calls, exempt }
}

const text = (body: string, status = 200) => new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } })

/** `user:<id>` or `anonymous`. */
export async function home(auth: RequestAuth<TestUser>): Promise<Response> {
  const user = await auth.getUser()
  return text(user ? `user:${user.id}` : 'anonymous')
}

function flag(v: string | null | undefined): boolean | undefined {
  return v == null ? undefined : v === '1' || v === 'true' || v === 'on'
}

/** Log in as `fields.id` with `remember`, `fresh`, `force`, `duration` (all strings). */
async function doLogin(auth: RequestAuth<TestUser>, fields: Record<string, string | undefined>): Promise<boolean | 'unknown'> {
  const user = USERS[fields.id ?? '']
  if (!user) return 'unknown'
  const duration = fields.duration === undefined ? undefined : /^\d+$/.test(fields.duration) ? Number(fields.duration) : fields.duration
  const ok = await auth.loginUser(user, { remember: flag(fields.remember), fresh: flag(fields.fresh), force: flag(fields.force), duration })
  // Flask's `session.permanent = True`: the session cookie outlives the browser.
  if (ok && flag(fields.permanent)) (await auth.session()).permanent = true
  return ok
}

/** `/login-as?id=…`: JSON `{ ok }` (404 for an unknown id, 400 for a bad duration). */
export async function loginAs(auth: RequestAuth<TestUser>, url: URL): Promise<Response> {
  try {
    const ok = await doLogin(auth, Object.fromEntries(url.searchParams))
    return ok === 'unknown' ? Response.json({ ok: false }, { status: 404 }) : Response.json({ ok, user: (await auth.getUser())?.id ?? null })
  } catch (e) {
    return Response.json({ ok: false, error: (e as Error).message }, { status: 400 })
  }
}

/** `POST /login` with form fields: 303 to the safe `next` or `/`; 403 when refused. */
export async function formLogin(auth: RequestAuth<TestUser>, form: Record<string, string | undefined>): Promise<Response> {
  const ok = await doLogin(auth, form)
  if (ok !== true) return text('refused', 403)
  return new Response(null, { status: 303, headers: { location: await auth.nextUrl('/') } })
}

export async function logout(auth: RequestAuth<TestUser>): Promise<Response> {
  return Response.json({ ok: await auth.logoutUser() })
}

export async function confirm(auth: RequestAuth<TestUser>): Promise<Response> {
  await auth.confirmLogin()
  return Response.json({ fresh: await auth.isFresh() })
}

/** What doorman knows about this request. */
export async function state(auth: RequestAuth<TestUser>, url: URL): Promise<Response> {
  const user = await auth.getUser()
  const current = (await auth.currentUser()) as { isAnonymous?: boolean }
  const within = url.searchParams.get('within')
  return Response.json({
    user: user?.id ?? null,
    anonymous: current.isAnonymous === true,
    fresh: await auth.isFresh(),
    freshWithin: within ? await auth.isFresh(Number(within)) : null,
    remembered: await auth.isRemembered(),
    viaRequestLoader: auth.viaRequestLoader,
    keys: (await auth.session()).keys().sort(),
  })
}

/** `<label>:<id>` for guarded routes (`none` when an exempt method got through anonymous). */
export function guarded(label: string, user: TestUser | null | undefined): Response {
  return text(`${label}:${user?.id ?? 'none'}`)
}

export async function flash(auth: RequestAuth<TestUser>, url: URL): Promise<Response> {
  await auth.flash(url.searchParams.get('m') ?? '', url.searchParams.get('c') ?? undefined)
  return text('flashed')
}

export async function flashes(auth: RequestAuth<TestUser>): Promise<Response> {
  return Response.json(await auth.getFlashedMessages({ withCategories: true }))
}

export async function sessionSet(auth: RequestAuth<TestUser>, url: URL): Promise<Response> {
  ;(await auth.session()).set(url.searchParams.get('k') ?? 'k', url.searchParams.get('v') ?? '')
  return text('set')
}

export async function sessionGet(auth: RequestAuth<TestUser>, url: URL): Promise<Response> {
  return Response.json({ value: (await auth.session()).get(url.searchParams.get('k') ?? 'k') ?? null })
}

export async function next(auth: RequestAuth<TestUser>): Promise<Response> {
  return Response.json({ next: await auth.nextUrl('/fallback') })
}

/** The body of a template-locals probe: the current user's id, or `anonymous`. */
export function localsBody(current: unknown): Response {
  return text(localsText(current))
}

/** {@link localsBody} as a string, for view engines. */
export function localsText(current: unknown): string {
  const u = current as { id?: string; isAnonymous?: boolean } | undefined
  return u === undefined ? 'missing' : u.isAnonymous ? 'anonymous' : `user:${u.id}`
}

/** Parse an urlencoded body into first-wins fields. */
export function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  for (const [k, v] of new URLSearchParams(body)) if (!(k in out)) out[k] = v
  return out
}

/** `/ambient`: Flask-Login's global style, `currentUser()` with no request argument. */
export async function ambient(url: URL): Promise<Response> {
  try {
    const id = url.searchParams.get('login')
    if (id) await ambientLoginUser(USERS[id] as never)
    const u = (await currentUser()) as { id?: string; isAnonymous?: boolean }
    return text(u.isAnonymous ? 'ambient:anonymous' : `ambient:${u.id}`)
  } catch (e) {
    if (e instanceof ContextError) return text('no-context')
    throw e
  }
}

/** Largest login body the test apps read. */
export const FORM_LIMIT = 64 * 1024

/**
 * The login form of a Web request (Hono, fetch): urlencoded or multipart through doorman's
 * size-limited reader, or a JSON object; else the 400/413/415 to answer with.
 */
export async function readForm(request: Request): Promise<Record<string, string> | Response> {
  const type = request.headers.get('content-type')?.split(';')[0].trim().toLowerCase() ?? ''
  try {
    if (type === 'application/json') {
      const text = await new Response(request.body).text()
      if (text.length > FORM_LIMIT) throw new BodyError('too-large', 'too large')
      const v: unknown = JSON.parse(text)
      if (!v || typeof v !== 'object' || Array.isArray(v)) return text400()
      return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string>
    }
    if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') return new Response('unsupported media type', { status: 415 })
    const out: Record<string, string> = Object.create(null)
    for (const [k, v] of await readFormBody(request, FORM_LIMIT)) if (!(k in out) && typeof v === 'string') out[k] = v
    return out
  } catch (e) {
    if (e instanceof BodyError) return e.getResponse()
    if (e instanceof SyntaxError) return text400()
    throw e
  }
}

const text400 = () => new Response('bad request', { status: 400 })

/** `GET /csrf-form`: a masked token for the session (created on first use). */
export async function csrfForm(auth: RequestAuth<TestUser>): Promise<Response> {
  return text(await csrfToken(auth))
}

/** Observers of `/slow`, for race tests: `entered` runs once the request holds its session. */
export const slowHooks: { entered: (() => void) | null } = { entered: null }

/**
 * `POST /slow?op=&ms=`: a request that was already running when something else happened. It loads
 * the user first (the session, or a remember-me restore), waits `ms` (an awaited delay, so the
 * overlap is real), then, if it had a user: `reauth` confirms the login (rotation), `password`
 * calls `credentialsChanged` (rotation, other sessions ended), `flash` flashes, `touch` and
 * `restore` do nothing more (the write is the activity touch, or the restored session, at commit);
 * `logout` logs out (a logout that is itself slow, for a rotation to land in the middle of it).
 * Answers JSON with `performance.now()` marks taken after the load and after the wait.
 */
export async function slow(auth: RequestAuth<TestUser>, url: URL): Promise<Response> {
  const op = url.searchParams.get('op') ?? 'flash'
  const ms = Number(url.searchParams.get('ms') ?? 50)
  const user = await auth.getUser()
  const startedAt = performance.now()
  slowHooks.entered?.()
  await new Promise((r) => setTimeout(r, ms))
  const resumedAt = performance.now()
  if (user && op === 'reauth') await auth.confirmLogin()
  else if (user && op === 'password') await auth.credentialsChanged(user)
  else if (user && op === 'flash') await auth.flash('Saved.')
  else if (user && op === 'logout') await auth.logoutUser()
  return Response.json({ user: user?.id ?? null, startedAt, resumedAt })
}
