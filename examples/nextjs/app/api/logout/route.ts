// POST /api/logout: ends the session and the remember-me cookie, then shows the login page.
import { withAuth } from 'doorman-login/fetch'
import { auth } from '../../../lib/auth'

export async function POST(request: Request): Promise<Response> {
  return withAuth(auth(), async (_req, a) => {
    await a.logoutUser()
    return new Response(null, { status: 303, headers: { location: '/login' } })
  })(request)
}
