// docs/migrating/from-passport.md, tested: a real Passport + express-session app (on
// express-session's MemoryStore, connect-redis and connect-pg-simple) logs users in;
// the doorman app that replaces it, with examples/migrating/passport-transition.ts mounted,
// takes them over on their next request (no one is logged out), keeps the session values it was
// told to carry, retires the old session for good, and reads the same bcrypt password hashes.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import bcrypt from 'bcryptjs'
import express from 'express'
import { createLoginManager } from '../src/manager.ts'
import { doorman, loginRequired, authErrorHandler } from '../src/adapters/express.ts'
import { verifyPassword } from '../src/password/index.ts'
import { passportTransition, unsignSessionId, type OldSessionStore } from '../examples/migrating/passport-transition.ts'
import { expressTarget, type Target } from './helpers/adapters.ts'
import { databaseUrl, redisUrl, serviceSkip, testNamespace } from './helpers/services.ts'
import { Client } from './helpers/client.ts'

interface User {
  id: string
  username: string
  passwordHash: string
}
const PASSWORD = 'correct horse battery staple'
const users = new Map<string, User>()
const byName = (name: unknown) => [...users.values()].find((u) => u.username === name) ?? null

// No @types for these in the project (as in bench/servers/express.ts): typed as any here.
const { default: session } = (await import('express-session' as string)) as { default: any }
const { default: passport } = (await import('passport' as string)) as { default: any }
const { default: connectPgSimple } = (await import('connect-pg-simple' as string)) as { default: any }
type Store = any

/** The old app's session stores: express-session's own, and the two most used in production. */
const STORES: { name: string; skip: string | false; open(): Promise<{ store: Store; close(): Promise<void> }> }[] = [
  { name: 'MemoryStore', skip: false, open: async () => ({ store: new session.MemoryStore(), close: async () => {} }) },
  {
    name: 'connect-redis',
    skip: serviceSkip('redis'),
    async open() {
      const { createClient } = await import('redis')
      const { RedisStore } = await import('connect-redis')
      const client = await createClient({ url: redisUrl() }).connect()
      const prefix = `${testNamespace(import.meta.url)}:sess:`
      return {
        store: new RedisStore({ client, prefix }),
        async close() {
          const keys = await client.keys(`${prefix}*`)
          if (keys.length) await client.del(keys)
          await client.quit()
        },
      }
    },
  },
  {
    name: 'connect-pg-simple',
    skip: serviceSkip('postgres'),
    async open() {
      const { default: pg } = await import('pg')
      const pool = new pg.Pool({ connectionString: databaseUrl(), max: 4 })
      const schema = testNamespace(import.meta.url)
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`)
      const PgStore = connectPgSimple(session)
      const store = new PgStore({ pool, schemaName: schema, createTableIfMissing: true, pruneSessionInterval: false })
      return {
        store,
        async close() {
          await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
          await pool.end()
        },
      }
    },
  },
]

const OLD_SECRET = randomBytes(24).toString('hex')
const NEW_SECRET = randomBytes(32).toString('base64url')

// The old app: passport.authenticate with a local strategy (passport-local's shape, on
// passport's own Strategy class), serializeUser/deserializeUser, a value in req.session.
class LocalStrategy extends (passport.Strategy as new () => any) {
  name = 'local'
  authenticate(req: express.Request): void {
    const user = byName(req.body?.username)
    if (!user) return this.fail({ message: 'Invalid username or password.' })
    bcrypt.compare(String(req.body?.password ?? ''), user.passwordHash).then(
      (ok) => (ok ? this.success(user) : this.fail({ message: 'Invalid username or password.' })),
      (e) => this.error(e),
    )
  }
}

function oldApp(store: Store, persistent: boolean) {
  const pp = new passport.Passport()
  pp.use(new LocalStrategy())
  pp.serializeUser((user: User, done: (e: unknown, id?: string) => void) => done(null, user.id))
  pp.deserializeUser((id: string, done: (e: unknown, u?: User | false) => void) => done(null, users.get(id) ?? false))
  const app = express()
  app.use(express.urlencoded({ extended: false }))
  app.use(session({ secret: OLD_SECRET, store, resave: false, saveUninitialized: false, cookie: persistent ? { maxAge: 14 * 86400_000 } : {} }))
  app.use(pp.session())
  app.post('/login', pp.authenticate('local', { failureRedirect: '/login' }), (req: any, res) => {
    req.session.cart = ['apple', 'pear']
    res.redirect(303, '/private')
  })
  app.get('/private', (req: any, res) => (req.isAuthenticated() ? res.send(`old:${(req.user as User).username}`) : res.sendStatus(401)))
  return app
}

function newApp(store: OldSessionStore, errors: unknown[] = []) {
  const manager = createLoginManager<User>({ secret: NEW_SECRET, userLoader: (id) => users.get(id) ?? null })
  const app = express()
  app.use(express.urlencoded({ extended: false }))
  app.use(doorman(manager))
  // Old sessions were signed with OLD_SECRET; a rotation list is accepted as express-session had it.
  app.use(passportTransition<User>({ secret: ['unused-newer-secret', OLD_SECRET], store, loadUser: (id) => users.get(String(id)) ?? null, carry: ['cart'], onError: (e) => errors.push(e) }))
  app.post('/login', async (req, res) => {
    const user = byName(req.body.username)
    if (!(await verifyPassword(user?.passwordHash, String(req.body.password ?? ''))) || !user) return void res.sendStatus(401)
    await req.auth.loginUser(user)
    res.redirect(303, '/private')
  })
  app.post('/logout', async (req, res) => (await req.auth.logoutUser(), res.redirect(303, '/')))
  app.get('/private', loginRequired(), (req, res) => void res.send(`new:${(req.user as User).username}`))
  app.get('/cart', loginRequired(), async (req, res) => void res.json((await req.auth.session()).get('cart') ?? null))
  app.use(authErrorHandler())
  return app
}

for (const kind of STORES) describe(`migrating from Passport + express-session (${kind.name})`, { skip: kind.skip }, () => {
  const targets: Target[] = []
  let store: Store
  let closeStore = async () => {}
  let oldT: Target
  let newT: Target

  before(async () => {
    users.set('7', { id: '7', username: 'ada', passwordHash: await bcrypt.hash(PASSWORD, 10) })
    ;({ store, close: closeStore } = await kind.open())
    oldT = await expressTarget(oldApp(store, false))
    newT = await expressTarget(newApp(store))
    targets.push(oldT, newT)
  })
  after(async () => {
    for (const t of targets) await t.close()
    await closeStore()
  })

  async function oldLogin(target = oldT): Promise<Client> {
    const client = new Client(target)
    const res = await client.post('/login', { username: 'ada', password: PASSWORD })
    assert.equal(res.status, 303)
    assert.equal(await (await client.get('/private')).text(), 'old:ada')
    return client
  }

  /** The old app's cookies, sent to the new app. */
  function movedTo(target: Target, from: Client): Client {
    const c = new Client(target)
    for (const k of from.jar.values()) c.setCookie(k.name, k.value, k.path)
    return c
  }

  it('reads the connect.sid format (s: + id + . + HMAC-SHA256, base64 without padding)', async () => {
    const old = await oldLogin()
    const sid = unsignSessionId(decodeURIComponent(old.cookie('connect.sid')!), [OLD_SECRET])
    assert.ok(sid && (await new Promise((r) => store.get(sid, (_e: unknown, s: unknown) => r(s)))), 'the id names the stored session')
    assert.equal(unsignSessionId(decodeURIComponent(old.cookie('connect.sid')!), ['another-secret']), null)
  })

  it('logs a Passport user in through doorman on the first request, with the carried session values', async () => {
    const old = await oldLogin()
    const sid = unsignSessionId(decodeURIComponent(old.cookie('connect.sid')!), [OLD_SECRET])!
    const client = movedTo(newT, old)
    const res = await client.get('/private')
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'new:ada')
    assert.equal(client.cookie('connect.sid'), undefined, 'the old cookie is dropped')
    assert.ok(client.cookie('session'), 'doorman sealed its own session')
    assert.equal(client.cookie('remember_token'), undefined, 'a browser-session login stays one')
    assert.deepEqual(await client.json('/cart'), ['apple', 'pear'])
    assert.equal(await new Promise((r) => store.get(sid, (_e: unknown, s: unknown) => r(s ?? null))), null, 'the old record is destroyed')
  })

  it('a copy of the old cookie cannot log in once it was used, and doorman logout is final', async () => {
    const old = await oldLogin()
    const migrated = movedTo(newT, old)
    assert.equal((await migrated.get('/private')).status, 200)
    const copy = movedTo(newT, old) // the old cookie, replayed (a second tab, or a thief)
    assert.equal((await copy.get('/private', { headers: { accept: 'application/json' } })).status, 401)
    await migrated.post('/logout')
    assert.equal((await migrated.get('/private', { headers: { accept: 'application/json' } })).status, 401)
    const again = movedTo(newT, old)
    assert.equal((await again.get('/private', { headers: { accept: 'application/json' } })).status, 401)
  })

  it('keeps "stay logged in": a persistent old cookie becomes a remembered doorman login', async () => {
    const persistentOld = await expressTarget(oldApp(store, true))
    targets.push(persistentOld)
    const old = await oldLogin(persistentOld)
    assert.ok(old.cookieEntry('connect.sid')?.expires, 'the old cookie had an expiry')
    const client = movedTo(newT, old)
    assert.equal((await client.get('/private')).status, 200)
    assert.ok(client.cookie('remember_token'), 'doorman remembers the login')
  })

  it('reads forged, foreign-secret and malformed old cookies as no session, never a 500', async () => {
    const old = await oldLogin()
    const value = decodeURIComponent(old.cookie('connect.sid')!)
    for (const bad of [
      value.slice(0, -2) + (value.endsWith('AA') ? 'BB' : 'AA'),
      's:' + value.slice(2, value.lastIndexOf('.')) + '.' + 'x'.repeat(43),
      'garbage',
      '%E0%A4%A',
      's:.',
      's:' + 'a'.repeat(5000),
    ]) {
      const client = new Client(newT)
      client.setCookie('connect.sid', bad.startsWith('%') ? bad : encodeURIComponent(bad))
      const res = await client.get('/private', { headers: { accept: 'application/json' } })
      assert.equal(res.status, 401, `refused: ${bad.slice(0, 20)}`)
    }
    // The real cookie still works afterwards: forgeries did not consume it.
    assert.equal((await movedTo(newT, old).get('/private')).status, 200)
  })

  it('a user already logged in with doorman stays who they are; the old session is still retired', async () => {
    const old = await oldLogin()
    const client = new Client(newT)
    users.set('8', { id: '8', username: 'grace', passwordHash: await bcrypt.hash(PASSWORD, 4) })
    assert.equal((await client.post('/login', { username: 'grace', password: PASSWORD })).status, 303)
    client.setCookie('connect.sid', old.cookie('connect.sid')!)
    assert.equal(await (await client.get('/private')).text(), 'new:grace')
    assert.equal(client.cookie('connect.sid'), undefined)
    assert.equal((await movedTo(newT, old).get('/private', { headers: { accept: 'application/json' } })).status, 401)
  })

  it('an old-store outage leaves the request anonymous (no 500) and keeps the cookie for a retry', async () => {
    const old = await oldLogin()
    let down = true
    const flaky: OldSessionStore = {
      get: (sid, cb) => (down ? cb(new Error('connection refused')) : store.get(sid, cb)),
      destroy: (sid, cb) => store.destroy(sid, cb),
    }
    const errors: unknown[] = []
    const t = await expressTarget(newApp(flaky, errors))
    targets.push(t)
    const client = movedTo(t, old)
    assert.equal((await client.get('/private', { headers: { accept: 'application/json' } })).status, 401)
    assert.equal(errors.length, 1)
    assert.ok(client.cookie('connect.sid'), 'the old cookie is kept')
    down = false
    assert.equal((await client.get('/private')).status, 200)
  })

  it('verifies the old bcrypt hashes with doorman-login/password (passport-local apps keep their users table)', async () => {
    const client = new Client(newT)
    assert.equal((await client.post('/login', { username: 'ada', password: 'wrong' })).status, 401)
    assert.equal((await client.post('/login', { username: 'ada', password: PASSWORD })).status, 303)
    assert.equal(await (await client.get('/private')).text(), 'new:ada')
  })
})
