// POST /api/logout: ends the session and the remember-me cookie, then shows the login page.
import { withAuth } from 'doorman-login/fetch'
import { auth } from '../../../lib/auth'

let handler: ((request: Request) => Promise<Response>) | undefined

export function POST(request: Request): Promise<Response> {
  handler ??= withAuth(auth(), async (_req, a) => {
    await a.logoutUser()
    return new Response(null, { status: 303, headers: { location: '/login' } })
  })
  return handler(request)
}
