/**
 * @module test/scenarios/contract-env: the minimal examples' environment (PORT, SECRET_KEY,
 * SESSION_PROTECTION, TRUST_PROXY, SESSION_STORE) and cookie attributes, on every framework;
 * plus each example started as a real process.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { MemoryStore } from '../../src/stores/memory.ts'
import { storeFromEnv } from '../../examples/minimal/store.ts'
import { closeBrowser } from '../helpers/scenario.ts'
import { eachExample, exampleTarget, login, withExample } from '../helpers/examples.ts'
import { Client } from '../helpers/client.ts'

eachExample('contract: environment and cookies', (fw) => {
  test('the session cookie is HttpOnly, SameSite=Lax, Path=/, with no expiry', () =>
    withExample(fw, {}, async (c) => {
      await login(c, 'alice', 'wonderland')
      const s = c.cookieEntry('session')!
      assert.equal(s.httpOnly, true)
      assert.equal(s.sameSite, 'Lax')
      assert.equal(s.path, '/')
      assert.equal(s.maxAge, undefined)
      assert.equal(s.expires, undefined)
      assert.equal(s.secure, false)
      assert.equal(s.domain, undefined)
    }))

  test('remember_token is HttpOnly, SameSite=Lax, Path=/, 365 days', () =>
    withExample(fw, {}, async (c) => {
      await login(c, 'alice', 'wonderland', { remember: true })
      const r = c.cookieEntry('remember_token')!
      assert.equal(r.httpOnly, true)
      assert.equal(r.sameSite, 'Lax')
      assert.equal(r.path, '/')
      assert.equal(r.maxAge, 365 * 24 * 3600)
      assert.equal(r.secure, false)
    }))

  test('TRUST_PROXY=1: behind an HTTPS proxy both cookies are Secure', () =>
    withExample(fw, { TRUST_PROXY: '1' }, async (c) => {
      await login(c, 'alice', 'wonderland', { remember: true })
      assert.equal(c.cookieEntry('session')!.secure, true)
      assert.equal(c.cookieEntry('remember_token')!.secure, true)
      assert.equal(await (await c.get('/')).text(), 'Hello, alice')
    }, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' }, https: true }))

  test('TRUST_PROXY=0 (default): X-Forwarded-Proto and X-Forwarded-For are ignored', () =>
    withExample(fw, { SESSION_PROTECTION: 'strong' }, async (c) => {
      c.headers = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' }
      await login(c, 'alice', 'wonderland')
      assert.equal(c.cookieEntry('session')!.secure, false)
      // A spoofed address does not change the client identifier, so strong mode keeps the user.
      c.headers = { 'x-forwarded-for': '198.51.100.7' }
      assert.equal(await (await c.get('/')).text(), 'Hello, alice')
    }))

  test('TRUST_PROXY=1: the forwarded address is the client (strong mode notices a new one)', () =>
    withExample(fw, { TRUST_PROXY: '1', SESSION_PROTECTION: 'strong' }, async (c) => {
      c.headers = { 'x-forwarded-for': '203.0.113.9' }
      await login(c, 'alice', 'wonderland')
      assert.equal(await (await c.get('/')).text(), 'Hello, alice')
      c.headers = { 'x-forwarded-for': '198.51.100.7' }
      assert.equal(await (await c.get('/')).text(), 'Hello, anonymous')
    }))

  test('SESSION_PROTECTION=basic (default): a new client keeps the user but loses freshness', () =>
    withExample(fw, {}, async (c) => {
      await login(c, 'alice', 'wonderland')
      c.headers = { 'user-agent': 'another browser' }
      assert.equal(await (await c.get('/')).text(), 'Hello, alice')
      assert.equal((await c.get('/fresh')).headers.get('location'), '/reauth?next=%2Ffresh')
    }))

  test('SESSION_PROTECTION=strong: a new client is logged out; the remember cookie goes too', () =>
    withExample(fw, { SESSION_PROTECTION: 'strong' }, async (c) => {
      await login(c, 'alice', 'wonderland', { remember: true })
      c.headers = { 'user-agent': 'another browser' }
      assert.equal(await (await c.get('/')).text(), 'Hello, anonymous')
      assert.equal(c.cookie('remember_token'), undefined)
      assert.equal(await (await c.get('/')).text(), 'Hello, anonymous')
    }))

  test('SESSION_PROTECTION=strong: a remember-me restore works (#685)', () =>
    withExample(fw, { SESSION_PROTECTION: 'strong' }, async (c) => {
      await login(c, 'alice', 'wonderland', { remember: true })
      closeBrowser(c)
      assert.equal(await (await c.get('/')).text(), 'Hello, alice')
      assert.equal(await (await c.get('/private')).text(), 'Private page for alice')
    }))

  test('SESSION_PROTECTION=off: a new client stays fresh', () =>
    withExample(fw, { SESSION_PROTECTION: 'off' }, async (c) => {
      await login(c, 'alice', 'wonderland')
      c.headers = { 'user-agent': 'another browser' }
      assert.equal(await (await c.get('/fresh')).text(), 'Fresh page for alice')
    }))

  test('SECRET_KEY: cookies survive a restart with the same key, not with a random one', async () => {
    const key = 'restart-secret-0123456789-abcdefghijklmnop'
    let cookies: Client['jar'] | undefined
    await withExample(fw, { SECRET_KEY: key }, async (c) => {
      await login(c, 'alice', 'wonderland', { remember: true })
      cookies = c.jar
    })
    await withExample(fw, { SECRET_KEY: key }, async (c) => {
      for (const [k, v] of cookies!) c.jar.set(k, v)
      assert.equal(await (await c.get('/')).text(), 'Hello, alice')
      c.deleteCookie('session')
      assert.equal(await (await c.get('/')).text(), 'Hello, alice')
    })
    // SECRET_KEY unset: a random key, so the old cookies are strangers.
    await withExample(fw, { SECRET_KEY: undefined }, async (c) => {
      for (const [k, v] of cookies!) c.jar.set(k, v)
      assert.equal(await (await c.get('/')).text(), 'Hello, anonymous')
      assert.equal(c.cookie('remember_token'), undefined)
    })
  })

  test('SESSION_STORE=memory: the cookie is an opaque token and a logged-out cookie cannot be replayed', () =>
    withExample(fw, { SESSION_STORE: 'memory' }, async (c) => {
      await login(c, 'alice', 'wonderland')
      const token = c.cookie('session')!
      assert.match(token, /^[A-Za-z0-9_-]{43}$/)
      const thief = c.clone()
      await c.post('/logout')
      assert.equal(await (await thief.get('/')).text(), 'Hello, anonymous')
    }))

  test('an unknown SESSION_STORE or SESSION_PROTECTION fails at start-up', async () => {
    await assert.rejects(exampleTarget(fw, { SESSION_STORE: 'floppy' }), /SESSION_STORE/)
    await assert.rejects(exampleTarget(fw, { SESSION_PROTECTION: 'paranoid' }), /SESSION_PROTECTION/)
    await assert.rejects(exampleTarget(fw, { TRUST_PROXY: 'yes' }), /TRUST_PROXY/)
  })

  test(`npm run example:${fw} prints "listening on http://127.0.0.1:<port>" and serves`, async () => {
    const script = fileURLToPath(new URL(`../../examples/minimal/${fw}.ts`, import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, PORT: '0', SECRET_KEY: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout!.on('data', (d) => {
          out += d
          const nl = out.indexOf('\n')
          if (nl >= 0) resolve(out.slice(0, nl))
        })
        child.on('exit', (code) => reject(new Error(`exited with ${code} before listening`)))
      })
      const m = /^listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(line)
      assert.ok(m, line)
      const res = await fetch(`http://127.0.0.1:${m[1]}/`)
      assert.equal(await res.text(), 'Hello, anonymous')
    } finally {
      child.kill()
    }
  })
})

test('storeFromEnv: cookie (default) is no store, memory is a MemoryStore', async () => {
  assert.equal((await storeFromEnv({})).store, undefined)
  assert.equal((await storeFromEnv({ SESSION_STORE: 'cookie' })).store, undefined)
  assert.ok((await storeFromEnv({ SESSION_STORE: 'memory' })).store instanceof MemoryStore)
  await assert.rejects(storeFromEnv({ SESSION_STORE: 'redis-ish' }))
})
