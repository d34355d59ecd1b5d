/**
 * @module examples/app/views/home: the home page, for visitors and for signed-in users.
 */
import type { Child, FC } from 'hono/jsx'
import { Layout, type PageContext } from './layout.tsx'

/** Demo credentials shown to visitors, when the demo user exists. */
type Demo = { username: string; password: string }

/** What the home page shows about the signed-in user's session. */
export interface SessionFacts {
  /** The login was interactive (or confirmed since), not restored from a remember-me cookie. */
  fresh: boolean
  /** This device carries a valid remember-me token. */
  remembered: boolean
  /** How many devices are signed in to this account. */
  devices: number
}

const Welcome: FC<{ demo: Demo | null }> = ({ demo }) => (
  <>
    <section class="hero">
      <h1>Sign-in that just works</h1>
      <p>
        This small site runs on <strong>doorman</strong>, Flask-Login for TypeScript: login, logout, remember me,
        fresh logins for sensitive pages and a device list, on Hono and one SQLite file.
      </p>
      <div class="actions">
        <a class="button" href="/login">
          Sign in
        </a>
        <a class="button secondary" href="/register">
          Create an account
        </a>
      </div>
    </section>
    <div class="grid">
      <div class="card">
        <h2>Sessions you can revoke</h2>
        <p class="muted">Every device gets its own session. See them all and sign any of them out.</p>
      </div>
      <div class="card">
        <h2>Remember me, per device</h2>
        <p class="muted">A remember-me token for each device, stored hashed, rotated on use, revoked at logout.</p>
      </div>
      <div class="card">
        <h2>Fresh logins</h2>
        <p class="muted">Changing your password asks for it again when your login was restored from a cookie.</p>
      </div>
    </div>
    {demo && (
      <p class="muted center" data-testid="demo-hint">
        Just looking? Sign in as <code>{demo.username}</code> with the password <code>{demo.password}</code>.
      </p>
    )}
  </>
)

const Stat: FC<{ label: string; children: Child; note?: string; testid?: string }> = ({ label, children, note, testid }) => (
  <div class="stat">
    <div class="stat-label">{label}</div>
    <div class="stat-value" data-testid={testid}>
      {children}
    </div>
    {note && <div class="stat-note">{note}</div>}
  </div>
)

const Dashboard: FC<{ page: PageContext; user: NonNullable<PageContext['user']>; facts: SessionFacts }> = ({ page, user, facts }) => (
  <>
    <div class="page-head">
      <h1>Hello, {user.username}</h1>
      <p>You are signed in. Here is what doorman knows about this visit.</p>
    </div>
    <section class="card" aria-labelledby="session-title">
      <h2 id="session-title">This session</h2>
      <div class="stats">
        <Stat label="Signed in as" testid="home-user">
          {user.username}
        </Stat>
        <Stat label="Login" note={facts.fresh ? 'you entered your password' : 'from your remember-me cookie'}>
          {facts.fresh ? <span class="badge badge-green">Fresh</span> : <span class="badge badge-grey">Restored</span>}
        </Stat>
        <Stat label="Remember me" testid="home-remembered" note={facts.remembered ? 'this device stays signed in after a restart' : 'signed out when the browser closes'}>
          {facts.remembered ? 'On' : 'Off'}
        </Stat>
        <Stat label="Devices" note="with a session on this account">
          <a href="/account/sessions">{facts.devices} signed in</a>
        </Stat>
      </div>
    </section>
    <div class="grid grid-2">
      <section class="card">
        <h2>Your account</h2>
        <ul class="links">
          <li>
            <a href="/account">Profile and API tokens</a>
          </li>
          <li>
            <a href="/account/password">Change your password</a>: asks for it again unless your login is fresh
          </li>
          <li>
            <a href="/account/sessions">Devices</a>: sign out a lost phone
          </li>
        </ul>
      </section>
      <section class="card">
        <h2>Call the API</h2>
        <p class="muted small">Create a token on your account page, then:</p>
        <div class="secret-box">
          <pre>
            <code>curl -H "Authorization: Bearer dm_…" \{'\n'}     {page.origin}/api/me</code>
          </pre>
        </div>
      </section>
    </div>
  </>
)

/** The home page. */
export const HomePage: FC<{ page: PageContext; facts: SessionFacts | null; demo?: Demo | null }> = ({ page, facts, demo }) => (
  <Layout page={page} title={page.user ? 'Home' : 'Welcome'}>
    {page.user && facts ? <Dashboard page={page} user={page.user} facts={facts} /> : <Welcome demo={demo ?? null} />}
  </Layout>
)
