/**
 * doorman beside a real Flask + Flask-Login app (issue #12, docs/migrating/flask-side-by-side.md).
 *
 * A real Flask app (test/fixtures/flask/app.py, run by the system's Python) and a doorman app on
 * each adapter share one cookie jar through {@link oneOrigin}: `/py/...` is Flask, the rest is
 * doorman, as behind the guide's reverse proxy. doorman reads and writes Flask's session cookie
 * (`session: { format: 'flask' }`) and Flask-Login's remember cookie (`remember: { format:
 * 'flask-login' }`), and loads users from the SQLite table Flask-Login's `user_loader` reads.
 *
 * Every client sends the same explicit User-Agent to both sides, because Flask-Login binds the
 * session to `<address>|<user agent>` (its `_id`) and so does doorman.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { hashPassword, needsRehash, verifyPassword } from '../src/password/index.ts'
import type { TestAppOptions } from './apps/common.ts'
import { FRAMEWORKS, testTarget, type Framework, type Target } from './helpers/adapters.ts'
import { Client } from './helpers/client.ts'
import { flaskSkip, flaskVersions, oneOrigin, sqliteUserLoader, startFlask, type FlaskApp } from './helpers/flask.ts'
import { closeBrowser } from './helpers/scenario.ts'
import Database from 'better-sqlite3'

// Secrets made for this run only: nothing in the repo, nothing printed.
const KEY = randomBytes(24).toString('base64url')
const OLD_KEY = randomBytes(24).toString('base64url')
const BYTES_KEY = new Uint8Array(randomBytes(32))
const UA = 'Mozilla/5.0 (X11; Linux x86_64) flask-live/1'
const OTHER_UA = 'Mozilla/5.0 (Macintosh) flask-live/2'
const LIFETIME = 3600

const skip = flaskSkip()
if (!skip) {
  const v = flaskVersions()!
  // One line in the test output says what "the real thing" was.
  console.log(`# Flask ${v.flask}, Flask-Login ${v.flaskLogin}, Werkzeug ${v.werkzeug}, itsdangerous ${v.itsdangerous}, Python ${v.python}`)
}

type Mode = 'basic' | 'strong'

describe('doorman and a live Flask app share logged-in users', { skip }, () => {
  const flask: Partial<Record<Mode | 'old' | 'bytes', FlaskApp>> = {}
  let users: ReturnType<typeof sqliteUserLoader>

  before(async () => {
    flask.basic = await startFlask({ secretKey: KEY, protection: 'basic', lifetime: LIFETIME })
    const db = flask.basic.db
    ;[flask.strong, flask.old, flask.bytes] = await Promise.all([
      startFlask({ secretKey: KEY, protection: 'strong', lifetime: LIFETIME, db }),
      startFlask({ secretKey: OLD_KEY, protection: 'basic', lifetime: LIFETIME, db }),
      startFlask({ secretKey: BYTES_KEY, protection: 'basic', lifetime: LIFETIME, db }),
    ])
    users = sqliteUserLoader(db)
  })

  after(async () => {
    users?.close()
    await Promise.all(Object.values(flask).map((f) => f.close()))
  })

  /** doorman options matching the Flask app's configuration. */
  function sharing(mode: Mode, key: string | Uint8Array | (string | Uint8Array)[] = KEY, extra: TestAppOptions = {}): TestAppOptions {
    return {
      userLoader: (id) => users.load(id),
      sessionProtection: mode,
      session: { format: 'flask', flaskSecretKey: key, permanentSessionLifetime: LIFETIME },
      remember: { format: 'flask-login', flaskSecretKey: Array.isArray(key) ? key[0] : key },
      ...extra,
    }
  }

  /** A browser on one origin: `/py/...` reaches the Flask app `which`, the rest doorman on `fw`. */
  async function browse(
    fw: Framework,
    which: Mode | 'old' | 'bytes',
    options: TestAppOptions,
    body: (c: Client) => Promise<void>,
  ): Promise<void> {
    const t = await testTarget(fw, options)
    try {
      await body(new Client(oneOrigin(flask[which]!, t), { headers: { 'user-agent': UA } }))
    } finally {
      await t.close()
    }
  }

  /** A browser that only talks to one Flask app (its paths still start with `/py`). */
  const flaskOnly = (app: FlaskApp) => {
    const nowhere: Target = { name: 'hono', request: () => Promise.reject(new Error('this browser only talks to Flask')), close: async () => {} }
    return new Client(oneOrigin(app, nowhere), { headers: { 'user-agent': UA } })
  }
  const text = async (c: Client, path: string) => {
    const res = await c.get(path)
    return `${res.status} ${await res.text()}`
  }
  const state = (c: Client, path: string) => c.json<{ user: string | null; fresh: boolean; remembered: boolean; keys: string[] }>(path)
  const login = (c: Client, path: string, id: string, fields: Record<string, string> = {}) =>
    c.request(`${path}?${new URLSearchParams({ id, ...fields })}`, { method: 'POST' })

  for (const fw of FRAMEWORKS) {
    describe(`[${fw}]`, () => {
      it('log in on Flask, be the same user on doorman, and the other way round', async () => {
        await browse(fw, 'basic', sharing('basic'), async (c) => {
          assert.equal((await (await login(c, '/py/login-as', '1')).json()).ok, true)
          assert.equal(await text(c, '/'), '200 user:1')
          assert.equal(await text(c, '/private'), '200 private:1')
          assert.deepEqual(await state(c, '/state').then((s) => [s.user, s.fresh, s.remembered]), ['1', true, false])
          // doorman read the cookie and changed nothing: no Set-Cookie, Flask's cookie stands.
          assert.deepEqual(c.lastSetCookie, [])
        })
        await browse(fw, 'basic', sharing('basic'), async (c) => {
          assert.equal((await (await login(c, '/login-as', '3')).json()).ok, true)
          assert.match(c.cookie('session') ?? '', /^\.?[\w-]+\.[\w-]+\.[\w-]+$/, 'a Flask-shaped cookie')
          assert.equal(await text(c, '/py/'), '200 user:3')
          assert.equal(await text(c, '/py/private'), '200 private:3')
          assert.deepEqual(await state(c, '/py/state').then((s) => [s.user, s.fresh, s.remembered]), ['3', true, false])
        })
      })

      it('an inactive user in the shared table is anonymous on both sides', async () => {
        await browse(fw, 'basic', sharing('basic'), async (c) => {
          // force puts the id in the session, but Flask-Login 0.6's UserMixin.is_authenticated is
          // is_active, and doorman's isActive refuses the user the same way.
          assert.equal((await (await login(c, '/py/login-as', '2', { force: '1' })).json()).ok, true)
          assert.ok((await state(c, '/py/state')).keys.includes('_user_id'))
          assert.equal(await text(c, '/py/'), '200 anonymous')
          assert.equal(await text(c, '/'), '200 anonymous')
          assert.equal((await c.get('/py/private')).status, 401)
          assert.equal((await c.get('/private')).status, 401)
        })
      })

      it('a password set by Flask (Werkzeug hash) logs in on doorman; the hash is not upgraded while Flask runs', async () => {
        await browse(fw, 'basic', sharing('basic'), async (c) => {
          const res = await c.post('/py/login', { username: 'alice', password: 'alice-password' })
          assert.equal(res.status, 303)
          assert.equal(await text(c, '/'), '200 user:1')
        })
        const db = new Database(flask.basic!.db, { readonly: true })
        try {
          const row = db.prepare<[], { password_hash: string }>("SELECT password_hash FROM users WHERE username = 'alice'").get()!
          assert.match(row.password_hash, /^(pbkdf2|scrypt):/)
          assert.equal(await verifyPassword(row.password_hash, 'alice-password'), true)
          assert.equal(await verifyPassword(row.password_hash, 'alice-passwore'), false)
          // doorman would upgrade it to Argon2id, which Werkzeug cannot read: see the guide.
          assert.equal(needsRehash(row.password_hash), true)
        } finally {
          db.close()
        }
      })

      it('an Argon2id hash written by doorman cannot be read by Werkzeug 2.2: Flask fails the login', async () => {
        const db = new Database(flask.basic!.db)
        const select = db.prepare<[], { password_hash: string }>("SELECT password_hash FROM users WHERE username = 'carol'")
        const update = db.prepare<[string]>("UPDATE users SET password_hash = ? WHERE username = 'carol'")
        const original = select.get()!.password_hash
        try {
          update.run(await hashPassword('carol-password'))
          await browse(fw, 'basic', sharing('basic'), async (c) => {
            // Werkzeug's check_password_hash raises on the `$argon2id$` method: an error page, not a login.
            assert.equal((await c.post('/py/login', { username: 'carol', password: 'carol-password' })).status, 500)
            assert.equal(await text(c, '/py/'), '200 anonymous')
          })
        } finally {
          update.run(original)
          db.close()
        }
      })

      it('logout is not final against a copy of the cookie: Flask sessions live in the cookie alone', async () => {
        await browse(fw, 'basic', sharing('basic'), async (c) => {
          await login(c, '/py/login-as', '1')
          const copy = c.clone()
          await c.request('/logout', { method: 'POST' })
          assert.equal(await text(c, '/py/'), '200 anonymous')
          // The copy taken before logout still carries a valid signature on both sides, until it
          // is older than PERMANENT_SESSION_LIFETIME: the reason the guide moves users to sealed
          // sessions (with a store, revocable) once Flask is gone.
          assert.equal(await text(copy, '/'), '200 user:1')
          assert.equal(await text(copy, '/py/'), '200 user:1')
        })
      })

      for (const [first, second] of [['/py', ''], ['', '/py']] as const) {
        const from = first ? 'Flask' : 'doorman'
        const to = first ? 'doorman' : 'Flask'

        it(`remember me: after a browser restart, the remember cookie set by ${from} restores the user on ${to}`, async () => {
          await browse(fw, 'basic', sharing('basic'), async (c) => {
            await login(c, `${first}/login-as`, '1', { remember: '1' })
            assert.ok(c.cookie('remember_token'), 'a remember cookie')
            closeBrowser(c)
            assert.equal(c.cookie('session'), undefined)
            assert.equal(await text(c, `${second}/private`), '200 private:1')
            const s = await state(c, `${second}/state`)
            assert.deepEqual([s.user, s.fresh, s.remembered], ['1', false, true])
            // The restored session is now a cookie both sides read.
            assert.equal(await text(c, `${first}/`), '200 user:1')
          })
        })

        it(`without remember me, a browser restart logs out of both (login on ${from})`, async () => {
          await browse(fw, 'basic', sharing('basic'), async (c) => {
            await login(c, `${first}/login-as`, '1')
            assert.equal(c.cookie('remember_token'), undefined)
            closeBrowser(c)
            assert.equal(await text(c, `${second}/`), '200 anonymous')
            assert.equal(await text(c, `${first}/`), '200 anonymous')
          })
        })

        it(`freshness: a fresh login on ${from} passes fresh_login_required on ${to}; a remembered one does not until confirmed`, async () => {
          await browse(fw, 'basic', sharing('basic'), async (c) => {
            await login(c, `${first}/login-as`, '1', { remember: '1' })
            assert.equal(await text(c, `${second}/fresh`), '200 fresh:1')
            closeBrowser(c)
            // Restored from the remember cookie on the first side: not fresh anywhere.
            assert.equal(await text(c, `${first}/`), '200 user:1')
            assert.equal((await c.get(`${second}/fresh`)).status, 401)
            assert.equal((await c.get(`${first}/fresh`)).status, 401)
            // Re-authentication on one side makes the session fresh on the other.
            await c.request(`${first}/confirm`, { method: 'POST' })
            assert.equal(await text(c, `${second}/fresh`), '200 fresh:1')
          })
          await browse(fw, 'basic', sharing('basic'), async (c) => {
            await login(c, `${first}/login-as`, '1', { fresh: '0' })
            assert.equal((await c.get(`${second}/fresh`)).status, 401)
            assert.equal(await text(c, `${second}/private`), '200 private:1')
          })
        })

        it(`logout on ${to} is honoured by ${from}, remember cookie included`, async () => {
          await browse(fw, 'basic', sharing('basic'), async (c) => {
            await login(c, `${first}/login-as`, '3', { remember: '1' })
            assert.equal(await text(c, `${second}/`), '200 user:3')
            const out = await c.request(`${second}/logout`, { method: 'POST' })
            assert.equal(out.status, 200)
            assert.equal(c.cookie('remember_token'), undefined, 'the remember cookie is expired')
            assert.equal(await text(c, `${first}/`), '200 anonymous')
            closeBrowser(c)
            assert.equal(await text(c, `${first}/`), '200 anonymous')
            assert.equal(await text(c, `${second}/`), '200 anonymous')
          })
        })

        it(`flashes cross: flashed on ${from}, shown once by ${to}`, async () => {
          await browse(fw, 'basic', sharing('basic'), async (c) => {
            await c.get(`${first}/flash?m=${encodeURIComponent('Saved, ünïcode & <tags>')}&c=success`)
            await c.get(`${first}/flash?m=second`)
            assert.deepEqual(await c.json(`${second}/flashes`), [
              ['success', 'Saved, ünïcode & <tags>'],
              ['message', 'second'],
            ])
            assert.deepEqual(await c.json(`${first}/flashes`), [], 'consumed')
          })
        })

        it(`session protection, basic: a new User-Agent after login on ${from} keeps the user on ${to}, not fresh`, async () => {
          await browse(fw, 'basic', sharing('basic'), async (c) => {
            await login(c, `${first}/login-as`, '1', { remember: '1' })
            assert.equal(await text(c, `${second}/fresh`), '200 fresh:1', 'same client: the binding matches')
            const moved = c.clone({ headers: { 'user-agent': OTHER_UA } })
            const onFlask = moved.clone()
            const s = await state(moved, `${second}/state`)
            assert.deepEqual([s.user, s.fresh], ['1', false])
            const f = await state(onFlask, `${first}/state`)
            assert.deepEqual([f.user, f.fresh], ['1', false])
          })
        })

        it(`session protection, strong: a new User-Agent after login on ${from} is anonymous on both, remember cookie dropped`, async () => {
          await browse(fw, 'strong', sharing('strong'), async (c) => {
            await login(c, `${first}/login-as`, '1', { remember: '1' })
            assert.equal(await text(c, `${second}/fresh`), '200 fresh:1', 'same client: the binding matches')
            for (const side of [first, second]) {
              const moved = c.clone({ headers: { 'user-agent': OTHER_UA } })
              assert.equal(await text(moved, `${side}/`), '200 anonymous', `${side || 'doorman'} logs the moved client out`)
              assert.equal(moved.cookie('remember_token'), undefined, `${side || 'doorman'} drops the remember cookie`)
              assert.equal(await text(moved, `${side === first ? second : first}/`), '200 anonymous')
            }
            assert.equal(await text(c, `${second}/`), '200 user:1', 'the original client is untouched')
          })
        })

        it(`session protection, strong: a permanent session (login on ${from}) is only marked stale, on both sides`, async () => {
          await browse(fw, 'strong', sharing('strong'), async (c) => {
            await login(c, `${first}/login-as`, '1', { permanent: '1' })
            const entry = c.cookieEntry('session')
            assert.ok(entry?.expires ?? entry?.maxAge, 'a permanent cookie outlives the browser')
            const moved = c.clone({ headers: { 'user-agent': OTHER_UA } })
            const onFirst = moved.clone()
            const s = await state(moved, `${second}/state`)
            assert.deepEqual([s.user, s.fresh], ['1', false])
            const f = await state(onFirst, `${first}/state`)
            assert.deepEqual([f.user, f.fresh], ['1', false])
          })
        })
      }

      it("a session holding tuples, bytes, datetimes, UUIDs and Markup survives doorman's writes", async () => {
        await browse(fw, 'basic', sharing('basic'), async (c) => {
          await c.get('/py/typed/set')
          await c.get('/session/set?k=theme&v=dark')
          assert.ok(c.lastSetCookie.some((l) => l.startsWith('session=')), 'doorman rewrote the cookie')
          await login(c, '/login-as', '1')
          await c.get('/flash?m=hello')
          const checked = await c.json('/py/typed/check')
          assert.deepEqual(checked, { present: true, tuple: true, bytes: true, datetime: true, uuid: true, markup: true, nested: true })
          assert.deepEqual(await c.json('/py/session/get?k=theme'), { value: 'dark' })
          assert.deepEqual(await c.json('/py/flashes'), [['message', 'hello']])
          assert.equal(await text(c, '/py/'), '200 user:1')
        })
      })

      it('a session cookie Flask signed with the previous key is accepted through the fallback and re-signed with the current one', async () => {
        // Flask 2.2 has no SECRET_KEY_FALLBACKS (3.1 has): the old key is another Flask app here.
        await browse(fw, 'old', sharing('basic', [KEY, OLD_KEY]), async (c) => {
          await login(c, '/py/login-as', '3')
          const old = c.cookie('session')!
          assert.equal(await text(c, '/'), '200 user:3')
          const renewed = c.cookie('session')!
          assert.notEqual(renewed, old, 'doorman answered with a cookie under the current key')
          // The current-key Flask app accepts the new cookie and refuses the old one.
          const current = flaskOnly(flask.basic!)
          current.setCookie('session', renewed)
          assert.equal(await text(current, '/py/'), '200 user:3')
          current.setCookie('session', old)
          assert.equal(await text(current, '/py/'), '200 anonymous')
        })
        // Without the fallback the old cookie is a foreign one.
        await browse(fw, 'old', sharing('basic'), async (c) => {
          await login(c, '/py/login-as', '3')
          assert.equal(await text(c, '/'), '200 anonymous')
        })
      })

      it('a Flask app with a bytes SECRET_KEY and doorman given the same bytes share users', async () => {
        await browse(fw, 'bytes', sharing('basic', BYTES_KEY), async (c) => {
          await login(c, '/py/login-as', '1', { remember: '1' })
          assert.equal(await text(c, '/'), '200 user:1')
          closeBrowser(c)
          assert.equal(await text(c, '/private'), '200 private:1')
          await c.get('/session/set?k=k&v=v')
          assert.equal(await text(c, '/py/'), '200 user:1')
        })
      })

      describe('bad cookies read as anonymous on both sides', () => {
        const cases: [string, (c: Client) => Promise<string>][] = [
          ['tampered', async (c) => {
            const v = c.cookie('session')!
            const dot = v.lastIndexOf('.')
            // Change one character of the payload, keeping it valid base64url.
            const i = dot - 10
            return v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1)
          }],
          ['truncated', async (c) => c.cookie('session')!.slice(0, -6)],
          ['expired', async (c) => (await c.get(`/py/forge?age=${LIFETIME + 60}`)).text()],
          ['signed with a foreign key', async (c) => {
            const other = flaskOnly(flask.old!)
            await login(other, '/py/login-as', '1')
            return other.cookie('session')!
          }],
          ['empty', async () => ''],
          ['garbage', async () => '.eJw' + 'A'.repeat(50) + '.x.y'],
        ]
        for (const [name, make] of cases) {
          it(`${name} session cookie`, async () => {
            await browse(fw, 'basic', sharing('basic'), async (c) => {
              await login(c, '/py/login-as', '1')
              // The same data, signed now, is accepted: the case below is about the damage alone.
              const fresh = await (await c.get('/py/forge?age=0')).text()
              const bad = await make(c)
              c.setCookie('session', fresh)
              assert.equal(await text(c, '/'), '200 user:1')
              c.setCookie('session', bad)
              assert.equal(await text(c, '/py/'), '200 anonymous', 'Flask')
              c.setCookie('session', bad)
              assert.equal(await text(c, '/'), '200 anonymous', 'doorman')
              assert.equal((await c.get('/private')).status, 401)
            })
          })
        }

        it('tampered remember cookie', async () => {
          await browse(fw, 'basic', sharing('basic'), async (c) => {
            await login(c, '/py/login-as', '1', { remember: '1' })
            closeBrowser(c)
            const v = c.cookie('remember_token')!
            c.setCookie('remember_token', `3|${v.split('|')[1]}`)
            assert.equal(await text(c, '/py/'), '200 anonymous', 'Flask')
            c.setCookie('remember_token', `3|${v.split('|')[1]}`)
            assert.equal(await text(c, '/'), '200 anonymous', 'doorman')
          })
        })
      })
    })
  }
})
