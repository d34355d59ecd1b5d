/**
 * Next.js proxy (Next 16's name for middleware): every page but the login page needs a user.
 * Anonymous browsers are redirected to /login?next=<path>. Next 16 runs the proxy on Node.js only
 * (the edge-runtime middleware.ts is deprecated); doorman's fetch adapter also runs on Next's edge
 * runtime, on Web Crypto, as app/api/me/route.ts shows.
 */
import { NextResponse } from 'next/server'
import { withAuth, loginRequired } from 'doorman-login/fetch'
import { auth, type User } from './lib/auth'

let handler: ((request: Request) => Promise<Response>) | undefined

export async function proxy(request: Request): Promise<Response> {
  // loginRequired answers anonymous requests (a redirect to loginView, or 401 JSON for API
  // clients); a logged-in request goes on to the page, with any cookie doorman had to write.
  handler ??= withAuth(auth(), loginRequired<User, unknown>(async () => NextResponse.next()))
  const response = await handler(request)
  // Next's proxy wants absolute redirect URLs; doorman's are same-origin paths.
  const location = response.headers.get('location')
  if (!location?.startsWith('/')) return response
  const headers = new Headers(response.headers)
  headers.set('location', new URL(location, request.url).href)
  return new Response(response.body, { status: response.status, headers })
}

export const config = {
  // Not the login page, the API routes (they answer for themselves) or Next's own files.
  matcher: ['/((?!login|api/|_next/|favicon.ico).*)'],
}
