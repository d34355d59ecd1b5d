// Issue #3, "Done when": two app processes sharing Redis (and, separately, PostgreSQL) behave as
// one. Log in on one and be logged in on the other; a session write on one is read on the other;
// log out, revoke a session, or log out everywhere on one, and the other is anonymous at once.
// For Redis the two processes even use different clients (node-redis and ioredis).
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { randomToken } from '../src/crypto/primitives.ts'
import { databaseUrl, redisUrl, serviceSkip, testNamespace } from './helpers/services.ts'
import { connectRedis, deletePrefix } from './helpers/redis-clients.ts'
import { testPool } from './helpers/stores.ts'

const ns = testNamespace(import.meta.url)
const FIXTURE = fileURLToPath(new URL('./fixtures/store-server.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SECRET_KEY = `multi-process-secret-${randomToken(24)}`

interface App {
  child: ChildProcess
  base: string
}

function startApp(env: Record<string, string>): Promise<App> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, SECRET_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`app process did not start within 30 s\n${err}`))
    }, 30_000)
    child.stdout!.on('data', (d) => {
      out += d
      const m = /listening (\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ child, base: `http://127.0.0.1:${m[1]}` })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`app process exited (${code}) before listening\n${err}`))
    })
  })
}

async function stopApp(app: App | undefined): Promise<void> {
  if (!app || app.child.exitCode !== null) return
  const exited = new Promise((r) => app.child.once('exit', r))
  app.child.kill('SIGTERM')
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

/** A client with its own cookie jar (the session cookie only). */
class Browser {
  cookie = ''
  async call(app: App, method: string, path: string): Promise<any> {
    const res = await fetch(app.base + path, { method, headers: this.cookie ? { cookie: this.cookie } : {}, redirect: 'manual' })
    for (const c of res.headers.getSetCookie()) {
      const pair = c.slice(0, c.indexOf(';'))
      if (pair.startsWith('session=')) this.cookie = /max-age=0/i.test(c) || pair === 'session=' ? '' : pair
    }
    return res.status === 200 ? res.json() : { status: res.status }
  }
}

const setups = [
  {
    name: 'Redis (node-redis in one process, ioredis in the other)',
    skip: serviceSkip('redis'),
    envA: () => ({ STORE: 'redis', REDIS_CLIENT: 'node-redis', REDIS_URL: redisUrl()!, STORE_NAMESPACE: `${ns}:redis` }),
    envB: () => ({ STORE: 'redis', REDIS_CLIENT: 'ioredis', REDIS_URL: redisUrl()!, STORE_NAMESPACE: `${ns}:redis` }),
    async cleanup() {
      const c = await connectRedis('node-redis', redisUrl()!)
      await deletePrefix('node-redis', c.client, `${ns}:redis:`)
      await c.close()
    },
  },
  {
    name: 'PostgreSQL',
    skip: serviceSkip('postgres'),
    envA: () => ({ STORE: 'postgres', DATABASE_URL: databaseUrl()!, STORE_NAMESPACE: ns }),
    envB: () => ({ STORE: 'postgres', DATABASE_URL: databaseUrl()!, STORE_NAMESPACE: ns }),
    async cleanup() {
      const pool = testPool()
      await pool.query(`DROP SCHEMA IF EXISTS "${ns}" CASCADE`)
      await pool.end()
    },
  },
]

for (const s of setups) {
  describe(`two app processes on one store: ${s.name}`, { skip: s.skip, timeout: 120_000 }, () => {
    let a: App | undefined
    let b: App | undefined
    before(async () => {
      ;[a, b] = await Promise.all([startApp(s.envA()), startApp(s.envB())])
    })
    after(async () => {
      await Promise.all([stopApp(a), stopApp(b)])
      await s.cleanup()
    })

    it('are two processes', async () => {
      const x = await new Browser().call(a!, 'GET', '/me')
      const y = await new Browser().call(b!, 'GET', '/me')
      assert.notEqual(x.pid, y.pid)
    })

    it('log in on one, logged in on the other; session writes are shared', async () => {
      const user = `u-${randomToken(6)}`
      const br = new Browser()
      assert.equal((await br.call(a!, 'POST', `/login?user=${user}`)).user, user)
      assert.equal((await br.call(b!, 'GET', '/me')).user, user)
      assert.deepEqual(await br.call(b!, 'POST', '/note?text=hello'), { ok: true })
      assert.equal((await br.call(a!, 'GET', '/me')).note, 'hello')
    })

    it('log out on one, anonymous on the other at once', async () => {
      const user = `u-${randomToken(6)}`
      const br = new Browser()
      await br.call(a!, 'POST', `/login?user=${user}`)
      const stolen = br.cookie
      assert.equal((await br.call(b!, 'GET', '/me')).user, user)
      await br.call(a!, 'POST', '/logout')
      assert.equal(br.cookie, '')
      // The old cookie, replayed against the other process, is anonymous.
      const replay = new Browser()
      replay.cookie = stolen
      assert.equal((await replay.call(b!, 'GET', '/me')).user, null)
      assert.equal((await replay.call(a!, 'GET', '/me')).user, null)
    })

    it('revoke one session on one process, that device is anonymous on the other', async () => {
      const user = `u-${randomToken(6)}`
      const laptop = new Browser()
      const phone = new Browser()
      await laptop.call(a!, 'POST', `/login?user=${user}`)
      await phone.call(b!, 'POST', `/login?user=${user}`)
      const list: { id: string; current: boolean }[] = await laptop.call(b!, 'GET', '/sessions')
      assert.equal(list.length, 2)
      const other = list.find((x) => !x.current)!
      await laptop.call(a!, 'POST', `/revoke?id=${encodeURIComponent(other.id)}`)
      assert.equal((await phone.call(a!, 'GET', '/me')).user, null)
      assert.equal((await phone.call(b!, 'GET', '/me')).user, null)
      assert.equal((await laptop.call(b!, 'GET', '/me')).user, user)
    })

    it('log out everywhere on one, every device is anonymous on both', async () => {
      const user = `u-${randomToken(6)}`
      const devices = [new Browser(), new Browser(), new Browser()]
      for (const [i, d] of devices.entries()) await d.call(i % 2 ? b! : a!, 'POST', `/login?user=${user}`)
      assert.deepEqual(await devices[0].call(b!, 'POST', '/logout-everywhere'), { revoked: 3 })
      for (const d of devices) {
        assert.equal((await d.call(a!, 'GET', '/me')).user, null)
        assert.equal((await d.call(b!, 'GET', '/me')).user, null)
      }
    })
  })
}
