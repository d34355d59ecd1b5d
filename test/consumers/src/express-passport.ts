/**
 * Express with @types/passport in the program (an app migrating from Passport): Passport's
 * `Express.User` and `req.user` merge with doorman's, and both see the registered user.
 */
import express from 'express'
import passport from 'passport'
import { doorman, loginRequired } from 'doorman-login/express'
import { manager, type User } from './user.js'

passport.serializeUser((user, done) => done(null, user.id))
const app = express()
app.use(doorman(manager))
app.get('/passport', (req, res) => {
  if (req.isAuthenticated()) {
    const user: User = req.user
    res.send(user.name)
  } else res.sendStatus(401)
})
app.get(
  '/doorman',
  loginRequired((req, res) => {
    const user: User = req.user
    res.send(user.name)
  }),
)

export default app
