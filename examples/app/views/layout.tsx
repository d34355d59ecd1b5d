/**
 * @module examples/app/views/layout: the page frame every template renders into, with the
 * current user (Flask-Login's `current_user` in every template), the flashed messages and the
 * POST logout button.
 */
import type { Child, FC } from 'hono/jsx'
import type { User } from '../db.ts'

/** What every page receives: the request's user, its CSRF token and its flashed messages. */
export interface PageContext {
  /** The signed-in user, or null. */
  user: User | null
  /** The session-bound CSRF token, for every form. */
  csrf: string
  /** `[category, message]` pairs flashed by earlier requests. */
  flashes: [string, string][]
  /** The path being rendered, to mark the current nav link. */
  path: string
  /** The site's origin (`http://127.0.0.1:3000`), for examples that show full URLs. */
  origin: string
}

/** The hidden CSRF field every form carries. */
export const Csrf: FC<{ token: string }> = ({ token }) => <input type="hidden" name="csrf_token" value={token} />

const DoorIcon = () => (
  <svg width="22" height="22" viewBox="0 0 24 24" fill="none" aria-hidden="true">
    <path d="M5 21V4a1 1 0 0 1 1-1h9l4 2v16" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
    <path d="M15 3v18" stroke="currentColor" stroke-width="2" />
    <circle cx="12" cy="12.5" r="1.2" fill="currentColor" />
    <path d="M3 21h18" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
  </svg>
)

const NavLink: FC<{ href: string; path: string; children: Child }> = ({ href, path, children }) => (
  <li>
    <a href={href} aria-current={path === href ? 'page' : undefined}>
      {children}
    </a>
  </li>
)

/**
 * Flashed messages, one colour per category (`success`, `error`, `warning`, anything else). The
 * status role is on a wrapper: on the list itself it would replace the list role its items need.
 */
export const Flashes: FC<{ flashes: [string, string][] }> = ({ flashes }) =>
  flashes.length ? (
    <div class="flash-region" role="status">
      <ul class="flashes">
        {flashes.map(([category, message]) => (
          <li class={`flash flash-${category.replace(/[^a-z-]/gi, '')}`} data-category={category}>
            {message}
          </li>
        ))}
      </ul>
    </div>
  ) : null

/** The page frame; `narrow` for single-form pages (sign-in, password), flashes included. */
export const Layout: FC<{ page: PageContext; title: string; narrow?: boolean; children: Child }> = ({ page, title, narrow, children }) => {
  const { user, path } = page
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · doorman example`}</title>
        <link rel="stylesheet" href="/static/style.css" />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <nav aria-label="Main">
            <a class="brand" href="/">
              <DoorIcon />
              doorman
            </a>
            <ul class="nav-links">
              <NavLink href="/" path={path}>
                Home
              </NavLink>
              {user && (
                <>
                  <NavLink href="/account" path={path}>
                    Account
                  </NavLink>
                  <NavLink href="/account/sessions" path={path}>
                    Devices
                  </NavLink>
                </>
              )}
            </ul>
            <div class="nav-user">
              {user ? (
                <>
                  <span class="avatar" aria-hidden="true">
                    {user.username.slice(0, 1)}
                  </span>
                  <span data-testid="signed-in-as">
                    Signed in as <strong>{user.username}</strong>
                  </span>
                  <form method="post" action="/logout" class="inline">
                    <Csrf token={page.csrf} />
                    <button type="submit" class="secondary small-button">
                      Log out
                    </button>
                  </form>
                </>
              ) : (
                <>
                  <a href="/login">Log in</a>
                  <a class="button small-button" href="/register">
                    Create account
                  </a>
                </>
              )}
            </div>
          </nav>
        </header>
        <main id="main" class={narrow ? 'main-narrow' : undefined}>
          <Flashes flashes={page.flashes} />
          {children}
        </main>
        <footer>
          doorman example app · users, sessions and remember-me tokens in one SQLite file · source in <code>examples/app</code>
        </footer>
      </body>
    </html>
  )
}

/** Format a time (seconds) for people: "3 minutes ago", with the exact time in a tooltip. */
export const Ago: FC<{ at: number | null | undefined; now: number }> = ({ at, now }) => {
  if (!at) return <span class="muted">never</span>
  const iso = new Date(at * 1000).toISOString()
  const d = Math.max(0, now - at)
  const text =
    d < 45 ? 'just now'
    : d < 90 ? 'a minute ago'
    : d < 3600 ? `${Math.round(d / 60)} minutes ago`
    : d < 5400 ? 'an hour ago'
    : d < 86400 ? `${Math.round(d / 3600)} hours ago`
    : d < 172800 ? 'yesterday'
    : new Date(at * 1000).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })
  return (
    <time datetime={iso} title={iso.replace('T', ' ').slice(0, 16) + ' UTC'}>
      {text}
    </time>
  )
}
