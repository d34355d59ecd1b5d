// The login form. It posts to the route handler, which logs in and redirects to `next`.
export const dynamic = 'force-dynamic'

export default async function Login({ searchParams }: { searchParams: Promise<{ next?: string; error?: string }> }) {
  const { next, error } = await searchParams
  return (
    <main>
      <h1>Log in</h1>
      {error ? <p role="alert">Invalid username or password.</p> : null}
      <form method="post" action={`/api/login${next ? `?next=${encodeURIComponent(next)}` : ''}`}>
        <label>
          Username <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <label>
          <input name="remember" type="checkbox" /> Remember me
        </label>
        <button type="submit">Log in</button>
      </form>
    </main>
  )
}
