/** Hono: the guard narrows `c.get('user')`; a manager of another user type is refused. */
import { Hono } from 'hono'
import { doorman, loginRequired, freshLoginRequired, csrf } from 'doorman-login/hono'
import { manager, adminManager, type Admin, type User } from './user.js'

const app = new Hono()
app.use(doorman(manager))
// @ts-expect-error a manager of Admin, not of the registered User
app.use(doorman(adminManager))
app.use(
  csrf({
    onFailure: async (error, auth) => {
      const user: User | null = await auth.getUser()
      // @ts-expect-error the registered user, not Admin (nor any)
      const admin: Admin | null = await auth.getUser()
      return new Response(`${error.reason} ${user?.name} ${admin}`, { status: 403 })
    },
  }),
)

app.get('/private', loginRequired(), (c) => c.text(`Hi ${c.get('user').name}`))
app.get('/fresh', freshLoginRequired({ within: '10m' }), (c) => {
  const user: User = c.var.user
  return c.text(user.name)
})
app.get('/public', async (c) => {
  const maybe: User | null = c.get('user')
  // @ts-expect-error no guard: the user may be null
  const user: User = c.get('user')
  // @ts-expect-error the registered user, not Admin
  const admin: Admin | null = c.get('user')
  const loaded: User | null = await c.get('auth').getUser()
  return c.json({ maybe, user, admin, loaded })
})

export default app
