/** Fastify: the plugin takes only a manager of the registered user; `requireUser` narrows. */
import Fastify from 'fastify'
import { doorman, loginRequired, freshLoginRequired, requireUser, csrf } from 'doorman-login/fastify'
import { manager, adminManager, type Admin, type User } from './user.js'

const app = Fastify()
await app.register(doorman, { manager })
// @ts-expect-error a manager of Admin, not of the registered User
await app.register(doorman, { manager: adminManager })
app.addHook(
  'preHandler',
  csrf({
    onFailure: async (_error, auth) => {
      const user: User | null = await auth.getUser()
      // @ts-expect-error the registered user, not Admin (nor any)
      const admin: Admin | null = await auth.getUser()
      return new Response(`${user?.name} ${admin}`, { status: 403 })
    },
  }),
)

app.get('/account', { preHandler: loginRequired() }, async (req) => {
  const user: User = requireUser(req)
  return `Hi ${user.name}`
})
app.get('/settings', { preHandler: freshLoginRequired({ within: 300 }) }, async (req) => requireUser(req).name)
app.get('/public', async (req) => {
  // @ts-expect-error the registered user, not Admin
  const admin: Admin | null = req.user
  const loaded: User | null = await req.auth.getUser()
  return { admin, loaded }
})

export default app
