/**
 * The side-by-side example (examples/flask-side-by-side, `npm run example:flask`) as a user meets
 * it: through its proxy, with a browser-like client. It also proves the switch-off day described
 * in docs/migrating/flask-side-by-side.md: with Flask gone (`FLASK_OFF=1`), Flask's cookies become
 * doorman sealed sessions without a new sign-in.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startExample, type RunningExample } from '../examples/flask-side-by-side/start.ts'
import type { Target, TargetInit } from './helpers/adapters.ts'
import { Client } from './helpers/client.ts'
import { flaskSkip } from './helpers/flask.ts'
import { closeBrowser } from './helpers/scenario.ts'

const UA = 'Mozilla/5.0 (X11; Linux x86_64) flask-example/1'

function over(url: string): Target {
  return {
    name: 'hono',
    request: (p: string, init: TargetInit = {}) =>
      fetch(url + p, { method: init.method ?? 'GET', headers: init.headers, body: init.body, redirect: 'manual' }),
    async close() {},
  }
}

describe('examples/flask-side-by-side', { skip: flaskSkip() }, () => {
  let dir: string
  let env: Record<string, string>
  let running: RunningExample | undefined
  const browser = (ex: RunningExample) => new Client(over(ex.url), { headers: { 'user-agent': UA } })
  const who = async (c: Client, p: string) => {
    const res = await c.get(p)
    return `${res.status} ${res.status === 200 ? (/Signed in as: ([^.<]*)/.exec(await res.text())?.[1] ?? '?') : ''}`.trim()
  }

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'doorman-flask-example-'))
    env = {
      PORT: '0',
      DATA_DIR: dir,
      FLASK_SECRET_KEY: randomBytes(24).toString('base64url'),
      SECRET_KEY: randomBytes(32).toString('base64url'),
    }
  })
  after(async () => {
    await running?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('sign in on Flask, be the same user on doorman, then sign out on doorman', async () => {
    running = await startExample(env, { quiet: true })
    const c = browser(running)
    assert.equal((await c.get('/dashboard')).headers.get('location'), '/login?next=%2Fdashboard', "doorman sends anonymous users to Flask's login page")
    const res = await c.post('/login?next=%2Fdashboard', { username: 'alice', password: 'wonderland', remember: 'on' })
    assert.equal(res.status, 303)
    assert.equal(res.headers.get('location'), '/dashboard')
    assert.ok(c.cookie('session') && c.cookie('remember_token'))
    const dash = await c.get('/dashboard')
    const page = await dash.text()
    assert.match(page, /Served by <b>doorman<\/b>\. Signed in as: alice\./)
    assert.match(page, /Welcome back, alice \(signed in by Flask\)\./, "Flask's flash, shown by doorman")
    assert.equal(await who(c, '/account'), '200 alice')
    assert.deepEqual(await c.json('/api/me'), { id: '1', username: 'alice', fresh: true, theme: null, servedBy: 'doorman' })
    // App data crosses too: Flask stores a theme (and a datetime) that doorman reads.
    await c.post('/flask/theme', { theme: 'dark' })
    assert.equal((await c.json('/api/me')).theme, 'dark')
    // A browser restart: the remember cookie brings alice back, on either side, not fresh.
    closeBrowser(c)
    assert.deepEqual(await c.json('/api/me'), { id: '1', username: 'alice', fresh: false, theme: null, servedBy: 'doorman' })
    assert.equal((await c.get('/settings')).headers.get('location'), '/login?next=%2Fsettings')
    assert.deepEqual(await c.json('/flask/whoami'), { user: 'alice', id: '1', fresh: false, theme: null, theme_set_at: null, served_by: 'flask' })
    await c.post('/flask/theme', { theme: 'dark' })
    // doorman rewrites the session (a flash); Flask still finds its datetime.
    await c.get('/settings')
    const flaskSide = await c.json('/flask/whoami')
    assert.equal(flaskSide.theme, 'dark')
    assert.match(flaskSide.theme_set_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/)
    // Signing out on doorman signs out of Flask.
    assert.equal((await c.post('/signout')).status, 303)
    assert.equal(c.cookie('remember_token'), undefined)
    assert.deepEqual(await c.json('/flask/whoami'), { user: null, served_by: 'flask' })
    assert.equal((await c.get('/account')).headers.get('location')?.startsWith('/login?next='), true)
  })

  it("sign in on doorman with the Werkzeug hash Flask stored; Flask's pages see the user", async () => {
    const c = browser(running!)
    assert.equal((await c.post('/signin', { username: 'alice', password: 'wrong' })).status, 401)
    assert.equal((await c.post('/signin', { username: 'bob', password: 'builder' })).status, 403, 'bob is inactive')
    assert.equal((await c.post('/signin', { username: 'alice', password: 'wonderland' })).status, 303)
    assert.equal(await who(c, '/account'), '200 alice')
    assert.deepEqual(await c.json('/flask/whoami'), { user: 'alice', id: '1', fresh: true, theme: null, theme_set_at: null, served_by: 'flask' })
    // Flask's login form still works: the hash was not upgraded to one Werkzeug cannot read.
    const other = browser(running!)
    assert.equal((await other.post('/login', { username: 'alice', password: 'wonderland' })).status, 303)
  })

  it('switch-off day: Flask cookies become sealed doorman sessions without a new sign-in', async () => {
    // Before: signed in on Flask, one browser with remember me, one without.
    let remembered = browser(running!)
    await remembered.post('/login', { username: 'alice', password: 'wonderland', remember: 'on' })
    let plain = browser(running!)
    await plain.post('/login', { username: 'alice', password: 'wonderland' })
    await plain.get('/account') // consume the welcome flash
    await plain.post('/flask/theme', { theme: 'dark' })
    await running!.close()
    running = undefined

    // After: Flask is gone, the same origin is doorman alone.
    running = await startExample({ ...env, FLASK_OFF: '1' }, { quiet: true })
    const base = over(running.url)
    const moved = (c: Client) => {
      const n = new Client(base, { headers: { 'user-agent': UA } })
      for (const [k, v] of c.jar) n.jar.set(k, v)
      return n
    }
    plain = moved(plain)
    remembered = moved(remembered)

    const dash = await plain.get('/dashboard')
    assert.equal(dash.status, 200)
    assert.match(await dash.text(), /Signed in as: alice\./)
    assert.equal(plain.cookie('session'), undefined, "Flask's cookie is expired")
    assert.ok(plain.cookie('doorman_session'), 'a sealed doorman session instead')
    assert.doesNotMatch(plain.cookie('doorman_session')!, /^\.?eyJ|^\.eJ/, 'not a readable Flask cookie')
    assert.deepEqual(await plain.json('/api/me'), { id: '1', username: 'alice', fresh: true, theme: 'dark', servedBy: 'doorman' }, 'the theme came along')
    assert.deepEqual(plain.lastSetCookie, [], 'the next request needs no more conversion')

    // The remembered browser, after a restart: its Flask remember cookie becomes doorman's own.
    closeBrowser(remembered)
    assert.ok(remembered.cookie('remember_token'))
    assert.deepEqual(await remembered.json('/api/me'), { id: '1', username: 'alice', fresh: false, theme: null, servedBy: 'doorman' })
    assert.equal(remembered.cookie('remember_token'), undefined)
    assert.ok(remembered.cookie('doorman_remember'), "doorman's own remember cookie")
    closeBrowser(remembered)
    assert.deepEqual(await remembered.json('/api/me'), { id: '1', username: 'alice', fresh: false, theme: null, servedBy: 'doorman' })

    // A Flask cookie that Flask itself would refuse is refused here too.
    const forged = browser(running)
    forged.setCookie('session', '.eJyrVopPLC1RsoopKUpMTMsvyknJLC5RqgUAb9cJUg.ZmZmZg.AAAAAAAAAAAAAAAAAAAAAAAAAAA')
    assert.match((await forged.get('/dashboard')).headers.get('location') ?? '', /^\/login\?next=/)
    assert.equal(forged.cookie('session'), undefined)
  })
})
