// The Next.js example (examples/nextjs): `next build`, then `next start` on a free port of
// 127.0.0.1, and a browser's walk through it over HTTP: anonymous redirect from the proxy, login
// through the route handler, the page showing the user, the edge route reading the same cookies,
// logout. Skips in one line when Next.js is not installed; under CI=true that is a failure.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Target } from './helpers/adapters.ts'
import { Client } from './helpers/client.ts'
import { httpTarget, spawnServer, type SpawnedServer } from './helpers/spawn-server.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const EXAMPLE = path.join(ROOT, 'examples', 'nextjs')
const CREDENTIALS = { username: 'alice', password: 'correct horse battery staple' }

function nextBin(): string | undefined {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve('next/package.json')), 'dist', 'bin', 'next')
  } catch {
    return undefined
  }
}

function nextSkip(): string | false {
  if (nextBin()) return false
  const reason = 'Next.js is not installed (npm install brings it as a devDependency)'
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI=true and ${reason}. CI must run every suite.`)
  return reason
}

// No telemetry (this machine has no network but the registry, and tests must not phone out).
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', SECRET_KEY: randomBytes(32).toString('base64url') }

function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    // Without SECRET_KEY: the example makes its manager on first use, so building needs no secret.
    const { SECRET_KEY: _, ...buildEnv } = env
    const child = spawn(process.execPath, [nextBin()!, 'build', EXAMPLE], { cwd: ROOT, env: buildEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build exited ${code}\n${out}`))))
  })
}

describe('Next.js example (App Router: proxy, route handlers, a page, an edge route)', { skip: nextSkip() }, () => {
  let server: SpawnedServer | undefined
  let target: Target

  before(async () => {
    await build()
    server = await spawnServer({
      name: 'next start',
      command: process.execPath,
      args: [nextBin()!, 'start', EXAMPLE, '--hostname', '127.0.0.1', '--port', '0'],
      cwd: ROOT,
      env,
      port: (line) => {
        const m = /Local:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(line)
        return m ? Number(m[1]) : undefined
      },
    })
    target = httpTarget(`http://127.0.0.1:${server.port}`)
  })
  after(async () => {
    await server?.stop()
  })

  it('redirects an anonymous browser from a page to /login?next=<page> (the proxy)', async () => {
    const res = await new Client(target).get('/')
    assert.equal(res.status, 302)
    const to = new URL(res.headers.get('location')!, 'http://127.0.0.1')
    assert.equal(to.pathname + to.search, '/login?next=%2F')
    const login = await new Client(target).get('/login?next=%2F')
    assert.equal(login.status, 200)
    assert.match(await login.text(), /action="\/api\/login\?next=%2F"/)
  })

  it('answers anonymous API clients 401 JSON on the edge route', async () => {
    const res = await new Client(target).get('/api/me', { headers: { accept: 'application/json' } })
    assert.equal(res.status, 401)
    assert.match(res.headers.get('content-type') ?? '', /json/)
  })

  it('refuses a wrong password, and a body that is not a form', async () => {
    const client = new Client(target)
    const wrong = await client.post('/api/login?next=%2F', { ...CREDENTIALS, password: 'wrong' })
    assert.equal(wrong.status, 303)
    assert.equal(wrong.headers.get('location'), '/login?error=1&next=%2F')
    assert.equal(client.cookie('remember_token'), undefined)
    assert.equal((await client.get('/')).status, 302)
    const notForm = await client.request('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"alice"}' })
    assert.equal(notForm.status, 400)
  })

  it('logs in, shows the user on the page and on the edge route, logs out', async () => {
    const client = new Client(target)
    const login = await client.post('/api/login?next=%2F', { ...CREDENTIALS, remember: 'on' })
    assert.equal(login.status, 303)
    assert.equal(login.headers.get('location'), '/')
    const session = client.cookieEntry('session')
    assert.ok(session?.httpOnly && session.sameSite === 'Lax', 'an HttpOnly, SameSite=Lax session cookie')
    assert.ok(client.cookie('remember_token'))

    const page = await client.get('/')
    assert.equal(page.status, 200)
    assert.match(await page.text(), /Hello, <!-- -->Alice Liddell<!-- -->\./)

    // Sealed on Node.js by the route handler, opened with Web Crypto on the edge runtime.
    const me = await client.get('/api/me')
    assert.equal(me.status, 200)
    assert.deepEqual(await me.json(), { id: '1', username: 'alice', name: 'Alice Liddell' })

    // The remember cookie alone logs the browser in again (the proxy restores the session).
    const restored = client.clone()
    restored.deleteCookie('session')
    const again = await restored.get('/')
    assert.equal(again.status, 200)
    assert.ok(restored.cookie('session'), 'the proxy wrote the restored session cookie')

    const logout = await client.post('/api/logout')
    assert.equal(logout.status, 303)
    assert.equal(logout.headers.get('location'), '/login')
    assert.equal(client.cookie('remember_token'), undefined)
    assert.equal((await client.get('/')).status, 302)
    assert.equal((await client.get('/api/me', { headers: { accept: 'application/json' } })).status, 401)
  })
})
