/**
 * Express benchmark server. Variants:
 * - `bare`: `/bare` only; `bare-mw`: the same behind one no-op middleware;
 * - `doorman-login`: `/private` behind `loginRequired`, `/public` (never asks for the user), `POST /login`;
 * - `hmac`: the hand-written HMAC-SHA256 cookie check;
 * - `passport`: express-session (default MemoryStore, resave/saveUninitialized off) + passport;
 * - `iron-session`: iron-session's `getIronSession` per request.
 */
import express from 'express'
import { announce, FIXED_USER, HMAC_COOKIE, hmacIssue, hmacUser, loadUser, makeStore, SECRET, BACKEND, VARIANT, DOORMAN_OPTIONS } from './shared.ts'

const app = express()
app.disable('x-powered-by')

if (VARIANT === 'bare') {
  app.get('/bare', (req, res) => {
    res.send('ok')
  })
} else if (VARIANT === 'bare-mw') {
  // What any auth middleware pays in Express: one app.use() layer that calls next().
  app.use((req, res, next) => next())
  app.get('/bare', (req, res) => {
    res.send('ok')
  })
} else if (VARIANT === 'doorman') {
  const { createLoginManager } = await import('../../src/index.ts')
  const { doorman, loginRequired, authErrorHandler } = await import('../../src/adapters/express.ts')
  const store = await makeStore(BACKEND)
  const manager = createLoginManager({ secret: SECRET, userLoader: loadUser, ...DOORMAN_OPTIONS, ...(store ? { store } : {}) })
  app.use(doorman(manager))
  app.get('/private', loginRequired(), (req, res) => {
    res.send(`Hi ${(req.user as any).name}`)
  })
  app.get('/public', (req, res) => {
    res.send('public')
  })
  app.post('/login', (req, res, next) => {
    req.auth.loginUser(FIXED_USER as any).then(() => res.send('ok'), next)
  })
  app.use(authErrorHandler())
} else if (VARIANT === 'hmac') {
  app.get('/private', (req, res, next) => {
    hmacUser(req.headers.cookie).then((user) => {
      if (!user) res.status(401).send('Unauthorized')
      else res.send(`Hi ${user.name}`)
    }, next)
  })
  app.post('/login', (req, res) => {
    res.setHeader('set-cookie', `${HMAC_COOKIE}=${hmacIssue(FIXED_USER.id)}; Path=/; HttpOnly; SameSite=Lax`)
    res.send('ok')
  })
} else if (VARIANT === 'passport') {
  // Typed loosely: their @types packages are not worth a dependency here.
  const { default: session } = (await import('express-session' as string)) as any
  const { default: passport } = (await import('passport' as string)) as any
  passport.serializeUser((user: any, done: any) => done(null, user.id))
  passport.deserializeUser((id: string, done: any) => {
    loadUser(id).then((u) => done(null, u ?? false), done)
  })
  app.use(session({ secret: SECRET, name: 'sid', resave: false, saveUninitialized: false, cookie: { secure: false, httpOnly: true, sameSite: 'lax' } }))
  app.use(passport.initialize())
  app.use(passport.session())
  app.get('/private', (req: any, res) => {
    if (!req.isAuthenticated()) res.status(401).send('Unauthorized')
    else res.send(`Hi ${(req.user as any).name}`)
  })
  app.get('/public', (req, res) => {
    res.send('public')
  })
  app.post('/login', (req: any, res, next) => {
    req.login(FIXED_USER as any, (err: unknown) => (err ? next(err) : res.send('ok')))
  })
} else if (VARIANT === 'iron-session') {
  const { getIronSession } = await import('iron-session')
  const options = { password: SECRET, cookieName: 'iron', cookieOptions: { secure: false, httpOnly: true, sameSite: 'lax' as const } }
  app.get('/private', (req, res, next) => {
    getIronSession<{ uid?: string }>(req, res, options)
      .then(async (s) => {
        const user = s.uid ? await loadUser(s.uid) : null
        if (!user) res.status(401).send('Unauthorized')
        else res.send(`Hi ${user.name}`)
      })
      .catch(next)
  })
  app.post('/login', (req, res, next) => {
    getIronSession<{ uid?: string }>(req, res, options)
      .then(async (s) => {
        s.uid = FIXED_USER.id
        await s.save()
        res.send('ok')
      })
      .catch(next)
  })
} else {
  throw new Error(`express: unknown VARIANT ${VARIANT}`)
}

const server = app.listen(0, '127.0.0.1', () => announce((server.address() as any).port))
