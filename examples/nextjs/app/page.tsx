// The home page: only logged-in users get here (proxy.ts redirects the others to /login).
import { headers } from 'next/headers'
import { userFromHeaders } from '../lib/auth'

export const dynamic = 'force-dynamic'

export default async function Home() {
  const user = await userFromHeaders(await headers())
  return (
    <main>
      <h1>Signed in</h1>
      <p id="user">Hello, {user?.name ?? 'stranger'}.</p>
      <form method="post" action="/api/logout">
        <button type="submit">Log out</button>
      </form>
    </main>
  )
}
