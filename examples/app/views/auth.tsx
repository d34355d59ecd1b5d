/**
 * @module examples/app/views/auth: the sign-in, registration and re-authentication forms.
 */
import type { FC } from 'hono/jsx'
import { Csrf, Layout, type PageContext } from './layout.tsx'

/** `/login?next=…` for a form action, keeping a `next` the user arrived with. */
function withNext(path: string, next: string | undefined): string {
  return next ? `${path}?next=${encodeURIComponent(next)}` : path
}

const ErrorText: FC<{ id: string; message?: string }> = ({ id, message }) =>
  message ? (
    <p class="error-text" id={id} role="alert">
      {message}
    </p>
  ) : null

/** The sign-in lock, on the form itself (role=alert: read out as the page loads). */
const LockNotice: FC<{ id: string; message?: string }> = ({ id, message }) =>
  message ? (
    <p class="lock-notice" id={id} role="alert" data-testid="lock-notice">
      {message}
    </p>
  ) : null

/** The sign-in form. */
export const LoginPage: FC<{
  page: PageContext
  next?: string
  username?: string
  remember?: boolean
  error?: string
  /** The throttle's refusal, saying when to retry (the page is then a 429). */
  locked?: string
  demo?: { username: string; password: string } | null
}> = ({ page, next, username, remember, error, locked, demo }) => (
  <Layout page={page} title="Sign in" narrow>
    <div class="narrow">
      <div class="page-head">
        <h1>Sign in</h1>
        <p>Welcome back. Sign in to reach your account.</p>
      </div>
      <div class="card">
        <form method="post" action={withNext('/login', next)} class="stack" novalidate>
          <Csrf token={page.csrf} />
          <LockNotice id="login-lock" message={locked} />
          <ErrorText id="login-error" message={error} />
          <div class="field">
            <label for="username">Username</label>
            <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none"
              spellcheck={false} required value={username ?? ''} aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? 'login-error' : locked ? 'login-lock' : undefined} autofocus={!username} />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required
              aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'login-error' : locked ? 'login-lock' : undefined} autofocus={!!username} />
          </div>
          <label class="check" for="remember">
            <input id="remember" name="remember" type="checkbox" value="on" checked={!!remember} />
            Remember me on this device
          </label>
          <button type="submit" class="block">
            Sign in
          </button>
        </form>
      </div>
      <p class="form-foot">
        New here? <a href="/register">Create an account</a>
      </p>
      {demo && (
        <p class="form-foot small" data-testid="demo-hint">
          Trying it out? Sign in as <code>{demo.username}</code> with password <code>{demo.password}</code>.
        </p>
      )}
    </div>
  </Layout>
)

/** The registration form. */
export const RegisterPage: FC<{ page: PageContext; username?: string; errors?: { username?: string; password?: string } }> = ({
  page,
  username,
  errors = {},
}) => (
  <Layout page={page} title="Create an account" narrow>
    <div class="narrow">
      <div class="page-head">
        <h1>Create an account</h1>
        <p>Pick a username and a password. That is all.</p>
      </div>
      <div class="card">
        <form method="post" action="/register" class="stack" novalidate>
          <Csrf token={page.csrf} />
          <div class="field">
            <label for="username">Username</label>
            <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none"
              spellcheck={false} required value={username ?? ''} aria-invalid={errors.username ? 'true' : undefined}
              aria-describedby="username-hint username-error" autofocus />
            <p class="hint" id="username-hint">
              3 to 32 letters (any alphabet), digits, dots, dashes or underscores. Capitals don’t count: Zoë and zoë are one name.
            </p>
            <ErrorText id="username-error" message={errors.username} />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="new-password" required
              aria-invalid={errors.password ? 'true' : undefined} aria-describedby="password-hint password-error" />
            <p class="hint" id="password-hint">
              At least 8 characters. No rules about digits or symbols: a long phrase you can remember is best.
            </p>
            <ErrorText id="password-error" message={errors.password} />
          </div>
          <button type="submit" class="block">
            Create account
          </button>
        </form>
      </div>
      <p class="form-foot">
        Already registered? <a href="/login">Sign in</a>
      </p>
    </div>
  </Layout>
)

/** "Confirm it's you": a password prompt that makes the login fresh again. */
export const ReauthPage: FC<{ page: PageContext; next?: string; error?: string; locked?: string }> = ({ page, next, error, locked }) => (
  <Layout page={page} title="Confirm it’s you" narrow>
    <div class="narrow">
      <div class="page-head">
        <h1>Confirm it’s you</h1>
        <p>
          This page changes your account, so please enter your password again
          {page.user ? (
            <>
              {' '}
              for <strong>{page.user.username}</strong>
            </>
          ) : null}
          .
        </p>
      </div>
      <div class="card">
        <form method="post" action={withNext('/reauth', next)} class="stack" novalidate>
          <Csrf token={page.csrf} />
          <input type="text" name="username" autocomplete="username" value={page.user?.username ?? ''} hidden aria-hidden="true" tabindex={-1} />
          <LockNotice id="reauth-lock" message={locked} />
          <ErrorText id="reauth-error" message={error} />
          <div class="field">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required autofocus
              aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'reauth-error' : undefined} />
          </div>
          <button type="submit" class="block">
            Confirm
          </button>
        </form>
      </div>
    </div>
  </Layout>
)
