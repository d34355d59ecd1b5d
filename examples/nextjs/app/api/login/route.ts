// POST /api/login (form: username, password, remember): logs in and redirects to the safe
// `next` (same-origin paths only), or back to the form.
import { withAuth } from 'doorman-login/fetch'
import { auth } from '../../../lib/auth'
import { checkCredentials } from '../../../lib/credentials'

let handler: ((request: Request) => Promise<Response>) | undefined

export function POST(request: Request): Promise<Response> {
  handler ??= withAuth(auth(), async (req, a) => {
    const form = await req.formData().catch(() => null)
    if (!form) return new Response('Expected a form.', { status: 400 })
    const user = await checkCredentials(form.get('username'), form.get('password'))
    const back = new URL(req.url)
    if (!user) return redirect(new URL(`/login?error=1${back.searchParams.has('next') ? `&next=${encodeURIComponent(back.searchParams.get('next')!)}` : ''}`, back))
    await a.loginUser(user, { remember: form.get('remember') === 'on' })
    return redirect(new URL(await a.nextUrl('/'), back))
  })
  return handler(request)
}

function redirect(to: URL): Response {
  return new Response(null, { status: 303, headers: { location: to.pathname + to.search } })
}
