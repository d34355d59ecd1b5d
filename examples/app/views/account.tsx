/**
 * @module examples/app/views/account: the account page (profile, API tokens) and the password form.
 */
import type { FC } from 'hono/jsx'
import type { ApiToken, User } from '../db.ts'
import { Ago, Csrf, Layout, type PageContext } from './layout.tsx'

/** The account page: profile, API tokens, and a token just created (shown this once). */
export const AccountPage: FC<{
  page: PageContext
  user: User
  tokens: ApiToken[]
  now: number
  created?: { name: string; token: string } | null
  tokenError?: string
}> = ({ page, user, tokens, now, created, tokenError }) => (
  <Layout page={page} title="Your account">
    <div class="page-head">
      <h1>Your account</h1>
      <p>Your profile, your password and the tokens that let scripts act as you.</p>
    </div>
    <div class="card">
      <h2>Profile</h2>
      <dl class="facts">
        <dt>Username</dt>
        <dd data-testid="account-username">{user.username}</dd>
        <dt>Member since</dt>
        <dd>
          <Ago at={user.createdAt} now={now} />
        </dd>
        <dt>Password</dt>
        <dd>
          <a href="/account/password">Change password</a>
        </dd>
        <dt>Devices</dt>
        <dd>
          <a href="/account/sessions">See where you are signed in</a>
        </dd>
      </dl>
    </div>
    <div class="card">
      <h2>API tokens</h2>
      <p class="muted">
        A token authenticates requests to <code>/api/me</code> without a session. It is shown once; the server keeps only its
        SHA-256.
      </p>
      {created && (
        <div class="flash flash-success" role="status">
          <strong>Token “{created.name}” created.</strong> Copy it now: you will not see it again.
          <div class="secret-box">
            <code data-testid="new-token">{created.token}</code>
          </div>
          <p class="small">Try it:</p>
          <div class="secret-box">
            <pre>
              <code>
                curl -H "Authorization: Bearer {created.token}" \{'\n'}     {page.origin}/api/me
              </code>
            </pre>
          </div>
        </div>
      )}
      {tokens.length > 0 && (
        <div class="table-wrap">
          <table class="reflow">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col" class="end">
                  <span class="skip">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr>
                  <td>{t.name}</td>
                  <td data-label="Created">
                    <Ago at={t.createdAt} now={now} />
                  </td>
                  <td data-label="Last used">
                    <Ago at={t.lastUsedAt} now={now} />
                  </td>
                  <td class="end">
                    <form method="post" action={`/account/tokens/${t.id}/delete`} class="inline">
                      <Csrf token={page.csrf} />
                      <button type="submit" class="danger small-button" aria-label={`Delete token ${t.name}`}>
                        Delete
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form method="post" action="/account/tokens" class="row mt" novalidate>
        <Csrf token={page.csrf} />
        <div class="field">
          <label for="token-name">New token name</label>
          <input id="token-name" name="name" type="text" maxlength={60} placeholder="e.g. backup script" required
            aria-invalid={tokenError ? 'true' : undefined} aria-describedby={tokenError ? 'token-error' : undefined} />
          {tokenError && (
            <p class="error-text" id="token-error" role="alert">
              {tokenError}
            </p>
          )}
        </div>
        <button type="submit">Create token</button>
      </form>
    </div>
  </Layout>
)

/** The change-password form (reached only with a fresh login). */
export const PasswordPage: FC<{ page: PageContext; errors?: { current_password?: string; new_password?: string } }> = ({
  page,
  errors = {},
}) => (
  <Layout page={page} title="Change password" narrow>
    <div class="narrow">
      <div class="page-head">
        <h1>Change password</h1>
        <p>Every other device signed in to your account will be signed out. This one stays signed in.</p>
      </div>
      <div class="card">
        <form method="post" action="/account/password" class="stack" novalidate>
          <Csrf token={page.csrf} />
          <input type="text" name="username" autocomplete="username" value={page.user?.username ?? ''} hidden aria-hidden="true" tabindex={-1} />
          <div class="field">
            <label for="current_password">Current password</label>
            <input id="current_password" name="current_password" type="password" autocomplete="current-password" required
              aria-invalid={errors.current_password ? 'true' : undefined} aria-describedby="current-error" autofocus />
            {errors.current_password && (
              <p class="error-text" id="current-error" role="alert">
                {errors.current_password}
              </p>
            )}
          </div>
          <div class="field">
            <label for="new_password">New password</label>
            <input id="new_password" name="new_password" type="password" autocomplete="new-password" required
              aria-invalid={errors.new_password ? 'true' : undefined} aria-describedby="new-hint new-error" />
            <p class="hint" id="new-hint">At least 8 characters; no rules about digits or symbols.</p>
            {errors.new_password && (
              <p class="error-text" id="new-error" role="alert">
                {errors.new_password}
              </p>
            )}
          </div>
          <button type="submit" class="block">
            Change password
          </button>
        </form>
      </div>
    </div>
  </Layout>
)
