/** Express: `req.user` is the registered user; guards hand handlers a non-null one. */
import express from 'express'
import { doorman, loginRequired, freshLoginRequired, requireUser, authErrorHandler, csrf } from 'doorman-login/express'
import { manager, adminManager, type Admin, type User } from './user.js'

const app = express()
app.use(doorman(manager))
// @ts-expect-error a manager of Admin, not of the registered User
app.use(doorman(adminManager))
app.use(
  csrf({
    onFailure: async (_error, auth) => {
      const user: User | null = await auth.getUser()
      // @ts-expect-error the registered user, not Admin (nor any)
      const admin: Admin | null = await auth.getUser()
      return new Response(`${user?.name} ${admin}`, { status: 403 })
    },
  }),
)

app.get(
  '/account',
  loginRequired((req, res) => {
    const user: User = req.user
    res.send(`Hi ${req.user.name} ${user.hasPassword()}`)
  }),
)
app.get(
  '/settings',
  freshLoginRequired((req, res) => {
    res.send(req.user.name)
  }, { within: '5m' }),
)
app.get('/profile', loginRequired(), (req, res) => {
  const user: User = requireUser(req)
  res.send(user.name)
})
app.get('/public', (req, res) => {
  const maybe: User | undefined = req.user
  // @ts-expect-error no guard: the user may be undefined
  const user: User = req.user
  // @ts-expect-error the registered user, not Admin
  const admin: Admin | undefined = req.user
  res.json({ maybe, user, admin })
})
app.use(authErrorHandler())

export default app
