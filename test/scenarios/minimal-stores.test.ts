/**
 * @module test/scenarios/minimal-stores: the minimal examples' device list and revocation
 * (`GET /sessions`, `POST /sessions/<id>/revoke`, `POST /logout-everywhere`) and password change
 * (`POST /password`), on every framework × every `SESSION_STORE`: cookie, memory, SQLite (a temp
 * file), Redis and PostgreSQL (the servers `npm test` starts; never skipped under CI=true).
 * Two processes of the examples sharing one store are tested in minimal-two-instances.test.ts.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { MemoryStore } from '../../src/stores/memory.ts'
import { PostgresStore } from '../../src/stores/postgres.ts'
import { RedisStore } from '../../src/stores/redis.ts'
import { SqliteStore } from '../../src/stores/sqlite.ts'
import { storeFromEnv } from '../../examples/minimal/store.ts'
import { FRAMEWORKS, type Target } from '../helpers/adapters.ts'
import { Client } from '../helpers/client.ts'
import { exampleStores } from '../helpers/example-stores.ts'
import { login, withExample } from '../helpers/examples.ts'
import { closeBrowser } from '../helpers/scenario.ts'
import { testNamespace } from '../helpers/services.ts'

const stores = exampleStores(testNamespace(import.meta.url))
const live = stores.filter((s) => !s.skip)
before(async () => {
  for (const s of live) await s.cleanup() // what an interrupted run left behind
})
after(async () => {
  for (const s of live) await s.cleanup()
})

describe('examples/minimal/store.ts: storeFromEnv', () => {
  test('redis and postgres without their URL fail at start-up, naming the variable', async () => {
    await assert.rejects(storeFromEnv({ SESSION_STORE: 'redis' }), /SESSION_STORE=redis needs REDIS_URL/)
    await assert.rejects(storeFromEnv({ SESSION_STORE: 'postgres', REDIS_URL: 'redis://127.0.0.1:1' }), /SESSION_STORE=postgres needs DATABASE_URL/)
    await assert.rejects(storeFromEnv({ SESSION_STORE: 'mongo' }), /SESSION_STORE must be one of cookie, memory, sqlite, redis, postgres/)
  })

  const classes = { cookie: undefined, memory: MemoryStore, sqlite: SqliteStore, redis: RedisStore, postgres: PostgresStore }
  for (const s of live) {
    test(`SESSION_STORE=${s.kind} opens ${classes[s.kind]?.name ?? 'no store (sealed cookies)'}`, async () => {
      const env = s.env()
      const { store, close } = await storeFromEnv(env)
      try {
        const cls = classes[s.kind]
        if (cls) assert.ok(store instanceof cls)
        else assert.equal(store, undefined)
        // SQLITE_PATH's folder is created.
        if (env.SQLITE_PATH) assert.ok(existsSync(env.SQLITE_PATH))
      } finally {
        await close()
      }
    })
  }
})

/** Alice logged in, with remember-me, from two browsers (told apart by their User-Agent). */
async function twoDevices(t: Target): Promise<[Client, Client]> {
  const a = new Client(t, { headers: { 'user-agent': 'device A' } })
  const b = new Client(t, { headers: { 'user-agent': 'device B' } })
  for (const c of [a, b]) {
    const res = await login(c, 'alice', 'wonderland', { remember: true })
    assert.equal(res.status, 303)
    assert.ok(c.cookie('remember_token'))
  }
  return [a, b]
}

const hello = async (c: Client) => (await c.get('/')).text()

/** What a browser holding only this remember cookie (a restart, or a copy) gets at `/`. */
async function rememberOnly(t: Target, token: string, userAgent: string): Promise<string> {
  const c = new Client(t, { headers: { 'user-agent': userAgent } })
  c.setCookie('remember_token', token)
  return hello(c)
}

interface Device {
  id: string
  createdAt: string
  lastSeenAt: string
  ip: string | null
  userAgent: string | null
  current: boolean
  remembered: boolean
}

async function sessions(c: Client): Promise<Device[]> {
  const res = await c.get('/sessions')
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
  return res.json()
}

for (const store of stores) {
  for (const fw of FRAMEWORKS) {
    describe(`minimal example, SESSION_STORE=${store.kind} [${fw}]`, { skip: store.skip }, () => {
      const run = (body: (t: Target) => Promise<void>) => withExample(fw, store.env(), (_c, t) => body(t))

      test('POST /password (fresh login): the other browser and its remember cookie die, this one continues on a rotated session', () =>
        run(async (t) => {
          const [a, b] = await twoDevices(t)
          const bRemember = b.cookie('remember_token')!
          const aOld = a.clone()
          const aSession = a.cookie('session')

          assert.equal((await a.post('/password', { password: 'short' })).status, 400)
          assert.equal(await hello(b), 'Hello, alice') // a refused password changes nothing

          const res = await a.post('/password', { password: 'a new password' })
          assert.equal(res.status, 303)
          assert.equal(res.headers.get('location'), '/')
          assert.notEqual(a.cookie('session'), aSession)
          assert.equal(await hello(a), 'Hello, alice')
          assert.equal(await hello(aOld), 'Hello, anonymous') // the pre-rotation cookie is dead
          assert.equal(await hello(b), 'Hello, anonymous')
          assert.equal(await rememberOnly(t, bRemember, 'device B'), 'Hello, anonymous')
          // This browser got a remember token on the new epoch: a restart keeps the user.
          closeBrowser(a)
          assert.equal(await hello(a), 'Hello, alice')

          const c = new Client(t)
          assert.equal((await login(c, 'alice', 'wonderland')).status, 401)
          assert.equal(await hello(c), 'Hello, anonymous')
          assert.equal((await login(c, 'alice', 'a new password')).status, 303)
          assert.equal(await hello(c), 'Hello, alice')
        }))

      test('POST /password needs a fresh login, and a password of 8 characters at least', () =>
        run(async (t) => {
          const [a, b] = await twoDevices(t)
          closeBrowser(b) // b comes back through its remember cookie: logged in, not fresh
          assert.equal(await hello(b), 'Hello, alice')
          const res = await b.post('/password', { password: 'a new password' })
          assert.equal(res.status, 302)
          assert.match(res.headers.get('location') ?? '', /^\/reauth\?next=/)
          assert.equal(await hello(a), 'Hello, alice') // nothing changed

          for (const form of [{ password: '1234567' }, { password: '' }, {} as Record<string, string>]) {
            const bad = await a.post('/password', form)
            assert.equal(bad.status, 400)
            assert.equal(typeof (await bad.json()).error, 'string')
          }
          assert.equal(await hello(b), 'Hello, alice')
          assert.equal((await login(new Client(t), 'alice', 'wonderland')).status, 303)

          const anon = await new Client(t).post('/password', { password: 'a new password' })
          assert.equal(anon.status, 302)
          assert.match(anon.headers.get('location') ?? '', /^\/login\?next=/)
        }))

      if (store.kind === 'cookie') {
        test('the device list and revocation routes answer 501: cookie sessions cannot be listed', () =>
          run(async (t) => {
            const [a, b] = await twoDevices(t)
            for (const [method, path] of [['GET', '/sessions'], ['POST', '/sessions/abc/revoke'], ['POST', '/logout-everywhere']]) {
              const res = method === 'GET' ? await a.get(path) : await a.post(path)
              assert.equal(res.status, 501, `${method} ${path}`)
              assert.deepEqual(await res.json(), { error: 'needs a server-side store' })
            }
            assert.equal(await hello(a), 'Hello, alice')
            assert.equal(await hello(b), 'Hello, alice')
          }))
        return
      }

      test('GET /sessions lists both browsers, each with `current` right', () =>
        run(async (t) => {
          const [a, b] = await twoDevices(t)
          const fromA = await sessions(a)
          const fromB = await sessions(b)
          assert.equal(fromA.length, 2)
          assert.deepEqual(fromA.map((d) => d.id).sort(), fromB.map((d) => d.id).sort())
          const mine = (list: Device[]) => list.filter((d) => d.current)
          assert.equal(mine(fromA).length, 1)
          assert.equal(mine(fromB).length, 1)
          assert.equal(mine(fromA)[0].userAgent, 'device A')
          assert.equal(mine(fromB)[0].userAgent, 'device B')
          assert.notEqual(mine(fromA)[0].id, mine(fromB)[0].id)
          for (const d of fromA) {
            assert.deepEqual(Object.keys(d).sort(), ['createdAt', 'current', 'id', 'ip', 'lastSeenAt', 'remembered', 'userAgent'])
            assert.match(d.id, /^[A-Za-z0-9_-]{20,}$/)
            assert.equal(new Date(d.createdAt).toISOString(), d.createdAt)
            assert.equal(new Date(d.lastSeenAt).toISOString(), d.lastSeenAt)
            assert.equal(d.ip, '127.0.0.1')
            assert.equal(d.remembered, true)
          }
          // Anonymous: the guard, not an empty list.
          const anon = await new Client(t).get('/sessions')
          assert.equal(anon.status, 302)
          assert.match(anon.headers.get('location') ?? '', /^\/login\?next=/)
        }))

      test('POST /sessions/<id>/revoke: the other browser is anonymous at once and its remember cookie is dead', () =>
        run(async (t) => {
          const [a, b] = await twoDevices(t)
          const bRemember = b.cookie('remember_token')!
          const other = (await sessions(a)).find((d) => !d.current)!
          assert.equal(other.userAgent, 'device B')

          const res = await a.post(`/sessions/${other.id}/revoke`)
          assert.equal(res.status, 303)
          assert.equal(res.headers.get('location'), '/sessions')
          assert.equal(await hello(b), 'Hello, anonymous')
          assert.equal(await rememberOnly(t, bRemember, 'device B'), 'Hello, anonymous')
          assert.equal(await hello(a), 'Hello, alice')
          const left = await sessions(a)
          assert.equal(left.length, 1)
          assert.equal(left[0].current, true)
        }))

      test('ending sessions needs a fresh login (ASVS 7.5.2): a remembered browser is sent to /reauth and nothing ends', () =>
        run(async (t) => {
          const [a, b] = await twoDevices(t)
          closeBrowser(b) // b comes back through its remember cookie: logged in, not fresh
          assert.equal(await hello(b), 'Hello, alice')
          const other = (await sessions(b)).find((d) => !d.current)!
          for (const path of [`/sessions/${other.id}/revoke`, '/logout-everywhere']) {
            const res = await b.post(path)
            assert.equal(res.status, 302, path)
            assert.match(res.headers.get('location') ?? '', /^\/reauth\?next=/)
          }
          assert.equal(await hello(a), 'Hello, alice')
          assert.equal(await hello(b), 'Hello, alice')
          assert.equal((await sessions(a)).length, 2, 'one row per device, nothing ended')
        }))

      test('POST /sessions/<id>/revoke answers 404 for an unknown, revoked or other user’s session', () =>
        run(async (t) => {
          const [a, b] = await twoDevices(t)
          const sato = new Client(t)
          await login(sato, 'sato', 'sato-pass')
          const satoId = (await sessions(sato))[0].id
          const bId = (await sessions(b)).find((d) => d.current)!.id
          await b.post('/logout')

          for (const id of [satoId, bId, 'no-such-session', 'A'.repeat(43), 'not%20an%20id']) {
            const res = await a.post(`/sessions/${id}/revoke`)
            assert.equal(res.status, 404, id)
            assert.deepEqual(await res.json(), { error: 'no such session' })
          }
          assert.equal(await hello(sato), 'Hello, sato')
          assert.equal(await hello(a), 'Hello, alice')
          // Revoking the current session is a logout.
          const own = (await sessions(a))[0].id
          assert.equal((await a.post(`/sessions/${own}/revoke`)).status, 303)
          assert.equal(await hello(a), 'Hello, anonymous')
        }))

      test('POST /logout-everywhere: both browsers are anonymous and both remember cookies are dead', () =>
        run(async (t) => {
          const [a, b] = await twoDevices(t)
          const tokens = [a.cookie('remember_token')!, b.cookie('remember_token')!]
          const sato = new Client(t)
          await login(sato, 'sato', 'sato-pass')

          const res = await a.post('/logout-everywhere')
          assert.equal(res.status, 303)
          assert.equal(res.headers.get('location'), '/')
          assert.equal(await hello(a), 'Hello, anonymous')
          assert.equal(await hello(b), 'Hello, anonymous')
          assert.equal(await rememberOnly(t, tokens[0], 'device A'), 'Hello, anonymous')
          assert.equal(await rememberOnly(t, tokens[1], 'device B'), 'Hello, anonymous')
          assert.equal(await hello(sato), 'Hello, sato') // another user keeps their session
        }))
    })
  }
}
