/**
 * @module examples/app/routes/auth: register, sign in (throttled, with rehash on login), sign out,
 * and re-authenticate for fresh-only pages.
 */
import { Hono, type Context } from 'hono'
import { loginRequired } from 'doorman-login/hono'
import { hashPassword, needsRehash, verifyPassword } from 'doorman-login/password'
import { LoginPage, ReauthPage, RegisterPage } from '../views/auth.tsx'
import { StatusPage } from '../views/status.tsx'
import { cleanUsername, field, formOf, lockMessage, pageContext, passwordProblem, render, requireUser, throttleKey, userOf, usernameProblem, type Deps } from './shared.tsx'

/** The one message for an unknown user and a wrong password alike (ASVS 6.3.8). */
export const INVALID_CREDENTIALS = 'Invalid username or password.'

/** The `next` query value, for the form's action (the redirect itself goes through `auth.nextUrl`). */
function nextParam(c: Context): string | undefined {
  const all = c.req.queries('next')
  return all?.length === 1 ? all[0] : undefined
}


/** The routes. */
export function authRoutes({ users, throttle, demo }: Deps): Hono {
  const app = new Hono()

  app.get('/register', async (c) => {
    if (await userOf(c)) return c.redirect('/', 303)
    return render(c, <RegisterPage page={await pageContext(c)} />)
  })

  app.post('/register', async (c) => {
    const auth = c.get('auth')
    const form = await formOf(c)
    const username = cleanUsername(field(form, 'username'))
    const password = field(form, 'password')
    const errors = { username: usernameProblem(username) ?? undefined, password: passwordProblem(password, username) ?? undefined }
    if (!errors.username && users.userByName(username)) errors.username = 'That username is taken. Please choose another.'
    if (errors.username || errors.password) {
      return render(c, <RegisterPage page={await pageContext(c)} username={username} errors={errors} />, 400)
    }
    const user = users.createUser(username, await hashPassword(password))
    if (!user) {
      // Someone took the name between the check and the insert.
      const again = { username: 'That username is taken. Please choose another.' }
      return render(c, <RegisterPage page={await pageContext(c)} username={username} errors={again} />, 400)
    }
    await auth.loginUser(user)
    await auth.flash(`Welcome, ${user.username}! Your account is ready.`, 'success')
    return c.redirect('/', 303)
  })

  app.get('/login', async (c) => {
    if (await userOf(c)) return c.redirect(await c.get('auth').nextUrl('/'), 303)
    return render(c, <LoginPage page={await pageContext(c)} next={nextParam(c)} demo={demo} />)
  })

  app.post('/login', async (c) => {
    const auth = c.get('auth')
    const form = await formOf(c)
    const username = cleanUsername(field(form, 'username'))
    const password = field(form, 'password')
    const remember = field(form, 'remember') === 'on'
    const key = throttleKey(c, username)
    const verdict = await throttle.check(key)
    if (!verdict.allowed) {
      // The form again, saying when to retry: the user keeps their place and what they typed.
      c.header('retry-after', String(verdict.retryAfter))
      const page = await pageContext(c)
      return render(c, <LoginPage page={page} next={nextParam(c)} username={username} remember={remember} locked={lockMessage(verdict.retryAfter)} demo={demo} />, 429)
    }

    // An unknown user costs the same Argon2id verification as a wrong password (a dummy hash).
    let user = username ? users.userByName(username) : null
    const ok = await verifyPassword(user?.passwordHash, password)
    if (!user || !ok) {
      await throttle.failure(key)
      const page = await pageContext(c)
      return render(c, <LoginPage page={page} next={nextParam(c)} username={username} remember={remember} error={INVALID_CREDENTIALS} demo={demo} />, 401)
    }
    await throttle.success(key)
    // Hashes made with older settings (or imported from Werkzeug/bcrypt) are upgraded now, while
    // the password is at hand; the auth epoch stays, so no other device is signed out for it.
    if (needsRehash(user.passwordHash)) user = users.upgradeHash(user, await hashPassword(password))
    await auth.loginUser(user, { remember })
    await auth.flash(`Welcome back, ${user.username}.`, 'success')
    return c.redirect(await auth.nextUrl('/'), 303)
  })

  // Logging out changes state, so it is a POST with a CSRF token; a GET (a link, an <img>) does nothing.
  app.get('/logout', async (c) => {
    c.header('allow', 'POST')
    return render(
      c,
      <StatusPage page={await pageContext(c)} status={405} title="Use the Log out button">
        <p>Signing out needs the button in the top bar, so that no link on another site can sign you out.</p>
      </StatusPage>,
      405,
    )
  })

  app.post('/logout', async (c) => {
    const auth = c.get('auth')
    const wasIn = await userOf(c)
    await auth.logoutUser()
    if (wasIn) await auth.flash('You have been signed out.', 'info')
    return c.redirect('/', 303)
  })

  app.get('/reauth', loginRequired(), async (c) => {
    return render(c, <ReauthPage page={await pageContext(c)} next={nextParam(c)} />)
  })

  app.post('/reauth', loginRequired(), async (c) => {
    const auth = c.get('auth')
    const user = await requireUser(c)
    const password = field(await formOf(c), 'password')
    // Re-authentication is a password check too: it shares the sign-in throttle.
    const key = throttleKey(c, user.username)
    const verdict = await throttle.check(key)
    if (!verdict.allowed) {
      c.header('retry-after', String(verdict.retryAfter))
      return render(c, <ReauthPage page={await pageContext(c)} next={nextParam(c)} locked={lockMessage(verdict.retryAfter)} />, 429)
    }
    if (!(await verifyPassword(user.passwordHash, password))) {
      await throttle.failure(key)
      return render(c, <ReauthPage page={await pageContext(c)} next={nextParam(c)} error="That password is not right. Please try again." />, 401)
    }
    await throttle.success(key)
    await auth.confirmLogin()
    await auth.flash('Thanks, that’s you. You can continue.', 'success')
    return c.redirect(await auth.nextUrl('/account'), 303)
  })

  return app
}
