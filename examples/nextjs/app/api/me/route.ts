// GET /api/me: the current user as JSON; 401 JSON for anonymous API clients. It runs on the
// edge runtime, so doorman opens here, with Web Crypto, the cookies sealed on Node.js.
import { withAuth, loginRequired, requireUser } from 'doorman-login/fetch'
import { auth, type User } from '../../../lib/auth'

export const runtime = 'edge'

let handler: ((request: Request) => Promise<Response>) | undefined

export function GET(request: Request): Promise<Response> {
  handler ??= withAuth(
    auth(),
    loginRequired<User, unknown>(async (_req, a) => {
      const user = requireUser(a)
      return Response.json({ id: user.id, username: user.username, name: user.name })
    }),
  )
  return handler(request)
}
