/**
 * @module examples/app/routes/account: the account page and API tokens, the password change
 * (fresh login required), the device list, and the token-authenticated `/api/me`.
 */
import { Hono, type Context } from 'hono'
import { freshLoginRequired, loginRequired } from 'doorman-login/hono'
import { hashPassword, normalizePassword, verifyPassword } from 'doorman-login/password'
import { AccountPage, PasswordPage } from '../views/account.tsx'
import { SessionsPage, type Device } from '../views/sessions.tsx'
import { field, formOf, lockMessage, pageContext, passwordProblem, render, requireUser, throttleKey, userOf, type Deps } from './shared.tsx'

const now = () => Math.floor(Date.now() / 1000)
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000)

/** The routes. */
export function accountRoutes({ users, throttle }: Deps): Hono {
  const app = new Hono()

  const accountPage = async (c: Context, extra: { created?: { name: string; token: string }; tokenError?: string } = {}, status: 200 | 400 = 200) => {
    const user = await requireUser(c)
    const page = await pageContext(c)
    return render(c, <AccountPage page={page} user={user} tokens={users.tokens(user)} now={now()} {...extra} />, status)
  }

  app.get('/account', loginRequired(), (c) => accountPage(c))

  // The token is in this one response and nowhere else: not in a flash, not in the session.
  app.post('/account/tokens', loginRequired(), async (c) => {
    const user = await requireUser(c)
    const name = field(await formOf(c), 'name').trim()
    if (!name || name.length > 60) return accountPage(c, { tokenError: 'Give the token a name of 1 to 60 characters.' }, 400)
    const token = users.createToken(user, name)
    return accountPage(c, { created: { name, token } })
  })

  app.post('/account/tokens/:id/delete', loginRequired(), async (c) => {
    const user = await requireUser(c)
    const id = Number(c.req.param('id'))
    const deleted = Number.isSafeInteger(id) && users.deleteToken(user, id)
    await c.get('auth').flash(deleted ? 'Token deleted. Scripts using it can no longer sign in.' : 'That token no longer exists.', deleted ? 'success' : 'warning')
    return c.redirect('/account', 303)
  })

  // freshLoginRequired: a login restored from a remember-me cookie is sent to /reauth first.
  app.get('/account/password', freshLoginRequired(), async (c) => render(c, <PasswordPage page={await pageContext(c)} />))

  app.post('/account/password', freshLoginRequired(), async (c) => {
    const auth = c.get('auth')
    const user = await requireUser(c)
    const form = await formOf(c)
    const current = field(form, 'current_password')
    const next = field(form, 'new_password')
    const key = throttleKey(c, user.username)
    const verdict = await throttle.check(key)
    if (!verdict.allowed) {
      c.header('retry-after', String(verdict.retryAfter))
      const errors = { current_password: lockMessage(verdict.retryAfter) }
      return render(c, <PasswordPage page={await pageContext(c)} errors={errors} />, 429)
    }
    const errors: { current_password?: string; new_password?: string } = {}
    if (await verifyPassword(user.passwordHash, current)) await throttle.success(key)
    else {
      await throttle.failure(key)
      errors.current_password = 'That is not your current password.'
    }
    errors.new_password = passwordProblem(next, user.username) ?? undefined
    if (!errors.new_password && normalizePassword(next) === normalizePassword(current)) errors.new_password = 'Choose a password different from the current one.'
    if (errors.current_password || errors.new_password) return render(c, <PasswordPage page={await pageContext(c)} errors={errors} />, 400)

    const updated = users.changePassword(user, await hashPassword(next))
    // Every other session and remember-me token ends; this device continues on a new session
    // bound to the new auth epoch (the epoch alone would already shut the others out).
    await auth.credentialsChanged(updated)
    await auth.flash('Your password was changed. Every other device has been signed out.', 'success')
    return c.redirect('/account', 303)
  })

  app.get('/account/sessions', loginRequired(), async (c) => {
    const list = await c.get('auth').listSessions()
    const devices: Device[] = list.map((d) => ({
      id: d.id,
      userAgent: d.userAgent,
      ip: d.ip,
      createdAt: seconds(d.createdAt),
      lastSeenAt: seconds(d.lastSeenAt),
      current: d.current,
    }))
    // This device first, then the most recently seen.
    devices.sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt - a.lastSeenAt)
    return render(c, <SessionsPage page={await pageContext(c)} devices={devices} now={now()} />)
  })

  // Signing devices out asks for a fresh login first (ASVS 7.5.2): a remembered login goes to /reauth.
  app.post('/account/sessions/revoke', freshLoginRequired(), async (c) => {
    const auth = c.get('auth')
    const ok = await auth.revokeSession(field(await formOf(c), 'id'))
    if (!(await userOf(c))) {
      // That was this device: revoking it is a logout.
      await auth.flash('You have been signed out.', 'info')
      return c.redirect('/', 303)
    }
    await auth.flash(ok ? 'That device has been signed out.' : 'That session had already ended.', ok ? 'success' : 'warning')
    return c.redirect('/account/sessions', 303)
  })

  app.post('/account/sessions/revoke-others', freshLoginRequired(), async (c) => {
    const auth = c.get('auth')
    const n = await auth.revokeOtherSessions()
    await auth.flash(n ? `Signed out ${n} other device${n === 1 ? '' : 's'}.` : 'No other device was signed in.', n ? 'success' : 'info')
    return c.redirect('/account/sessions', 303)
  })

  // The request loader authenticates `Authorization: Bearer <token>`; a browser session works too.
  app.get('/api/me', async (c) => {
    const auth = c.get('auth')
    const user = await userOf(c)
    if (!user) {
      c.header('www-authenticate', 'Bearer')
      c.header('cache-control', 'no-store')
      return c.json({ error: 'unauthorized', message: 'Send an API token: Authorization: Bearer <token>.' }, 401)
    }
    return c.json({
      id: user.id,
      username: user.username,
      createdAt: new Date(user.createdAt * 1000).toISOString(),
      authenticatedBy: auth.viaRequestLoader ? 'api-token' : 'session',
    })
  })

  return app
}
