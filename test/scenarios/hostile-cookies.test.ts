/**
 * @module test/scenarios/hostile-cookies: malformed, forged, foreign, oversized, duplicated and
 * misdirected cookies on every adapter. Each must read as anonymous (or be refused with a 4xx by
 * the server itself): never a 500, never authenticated.
 *
 * Duplicated session cookies: doorman reads the *first valid* value in header order. So a garbage
 * value never hides a valid session (in either position), and a second valid session later in the
 * header never overrides the first. A tossed cookie that comes *first* does win, as it would in
 * any cookie-based system; the defence is the `__Host-` name prefix (no Domain, Path=/, Secure),
 * which a sibling subdomain or a deeper path cannot set, and its attributes are checked here too.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { memoryStore } from '../../src/stores/memory.ts'
import { OTHER_SECRET } from '../apps/common.ts'
import { Client } from '../helpers/client.ts'
import { eachAdapter, loginAs, withApp } from '../helpers/scenario.ts'

/** GET /state with exactly this Cookie header; assert it is not a 500 and not logged in. */
async function assertAnonymous(c: Client, cookie: string, what: string, extra: Record<string, string> = {}): Promise<void> {
  const res = await c.target.request('/state', { headers: { cookie, ...extra } })
  assert.ok(res.status < 500, `${what}: ${res.status}`)
  if (res.status === 200) {
    const s = await res.json()
    assert.equal(s.user, null, `${what}: authenticated as ${s.user}`)
  } else {
    assert.ok([400, 431].includes(res.status), `${what}: ${res.status}`)
  }
}

const flip = (v: string, at: number) => v.slice(0, at) + (v[at] === 'A' ? 'B' : 'A') + v.slice(at + 1)

eachAdapter('hostile session cookies', (fw) => {
  for (const mode of ['cookie', 'store'] as const) {
    test(`tampered, truncated, oversized and malformed session cookies read as anonymous (${mode})`, () =>
      withApp(fw, mode === 'store' ? { store: memoryStore() } : {}, async (_t, c) => {
        await loginAs(c, '1', {})
        const good = c.cookie('session')!
        assert.equal((await c.json('/state')).user, '1')
        const bad: Record<string, string> = {
          'flipped byte (middle)': flip(good, Math.floor(good.length / 2)),
          'flipped byte (last)': flip(good, good.length - 1),
          'flipped byte (kid)': flip(good, 4),
          'truncated by 5': good.slice(0, -5),
          'truncated by half': good.slice(0, Math.floor(good.length / 2)),
          'one char added': good + 'A',
          '5 KB value': 'A'.repeat(5000),
          '5 KB seal-looking value': `${good.slice(0, 12)}${'A'.repeat(5000)}`,
          empty: '',
          'quoted empty': '""',
          'bare prefix': 'v1.',
          'empty parts': 'v1..',
          'non-base64': `${good.slice(0, 12)}!!!!%%%%`,
          json: '{"_user_id":"1"}',
          'user id': '1',
          'percent-encoded NUL': '%00',
          proto: '__proto__',
        }
        for (const [what, value] of Object.entries(bad)) await assertAnonymous(c, `session=${value}`, what)
        await assertAnonymous(c, 'session=é', 'non-ASCII value')
        await assertAnonymous(c, `session=${good}; ${'x'.repeat(20_000)}=1`, '20 KB Cookie header (nothing is read)')
        await assertAnonymous(c, `=${good}`, 'nameless pair')
        await assertAnonymous(c, `Session=${good}`, 'wrong case name')
        // Raw UTF-8 bytes on the wire, as an attacker sends them (U+2000 before the name).
        await assertAnonymous(c, `${Buffer.from('\u2000', 'utf8').toString('latin1')}session=${good}`, 'unicode-space before the name')
      }))
  }

  test('a session sealed by another secret reads as anonymous', async () => {
    let foreign = ''
    await withApp(fw, { secret: OTHER_SECRET }, async (_t, c) => {
      await loginAs(c, '1')
      foreign = c.cookie('session')!
    })
    await withApp(fw, {}, async (_t, c) => assertAnonymous(c, `session=${foreign}`, 'foreign secret'))
  })

  test('store mode ignores a sealed session that claims a user (only pre-login data may be sealed)', async () => {
    let sealed = ''
    await withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1')
      sealed = c.cookie('session')!
    })
    await withApp(fw, { store: memoryStore() }, async (_t, c) => {
      await assertAnonymous(c, `session=${sealed}`, 'sealed logged-in cookie in store mode')
      await assertAnonymous(c, `session=${'A'.repeat(43)}`, 'random store token')
    })
  })

  test('purpose separation: a session value is no remember cookie, and a remember value is no session', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      const session = c.cookie('session')!
      const remember = c.cookie('remember_token')!
      await assertAnonymous(c, `remember_token=${session}`, 'session as remember')
      await assertAnonymous(c, `session=${remember}`, 'remember as session')
      await assertAnonymous(c, `session=${remember}; remember_token=${session}`, 'swapped')
    }))

  test('duplicates: a garbage value never hides the valid session, in either order', () =>
    withApp(fw, {}, async (_t, c) => {
      await loginAs(c, '1')
      const good = c.cookie('session')!
      for (const cookie of [`session=${good}; session=garbage`, `session=garbage; session=${good}`, `session=${flip(good, 30)}; session=${good}`]) {
        const res = await c.target.request('/state', { headers: { cookie } })
        assert.equal((await res.json()).user, '1', cookie.slice(0, 40))
      }
    }))

  test('duplicates: the first valid session wins; a later valid one never overrides it', () =>
    withApp(fw, {}, async (_t, victim) => {
      await loginAs(victim, '1')
      const attacker = new Client(victim.target)
      await loginAs(attacker, '3')
      const mine = victim.cookie('session')!
      const theirs = attacker.cookie('session')!
      const first = await victim.target.request('/state', { headers: { cookie: `session=${mine}; session=${theirs}` } })
      assert.equal((await first.json()).user, '1')
      const tossed = await victim.target.request('/state', { headers: { cookie: `session=${theirs}; session=${mine}` } })
      assert.equal((await tossed.json()).user, '3', 'documented: header order decides; __Host- names stop the tossing')
    }))

  test('__Host- session and remember names: Secure, Path=/, no Domain (what stops cookie tossing)', () =>
    withApp(fw, { session: { name: '__Host-session', secure: true }, remember: { name: '__Host-remember', secure: true } }, async (_t, c) => {
      await loginAs(c, '1', { remember: '1' })
      for (const name of ['__Host-session', '__Host-remember']) {
        const e = c.cookieEntry(name)!
        assert.ok(e, name)
        assert.deepEqual([e.secure, e.path, e.domain], [true, '/', undefined], name)
      }
      assert.equal((await c.json('/state')).user, '1')
    }, { https: true }))

  test('invalid remember cookies are dropped and never block the request loader (#901)', () =>
    withApp(fw, {}, async (_t, c) => {
      for (const bad of ['garbage', 'v1.AAAAAAAA.' + 'A'.repeat(60), '1|' + 'f'.repeat(128)]) {
        const res = await c.target.request('/state', { headers: { cookie: `remember_token=${bad}`, authorization: 'Bearer alice-token' } })
        const s = await res.json()
        assert.equal(s.user, '1', bad)
        assert.equal(s.viaRequestLoader, true)
        assert.ok(res.headers.getSetCookie().some((l) => /^remember_token=;/.test(l)), `${bad} not dropped`)
      }
    }))

  test('hostile Authorization headers are anonymous, never a 500', () =>
    withApp(fw, {}, async (_t, c) => {
      for (const authorization of ['Bearer', 'Bearer ', 'Bearer ' + 'x'.repeat(8000), 'Basic !!!', 'bearer alice-token ', 'Bearer alice-token\u0000']) {
        const res = await c.target.request('/state', { headers: { authorization } }).catch((e) => e as Error)
        if (res instanceof Error) continue // the HTTP client refused to send it
        assert.ok(res.status < 500, authorization.slice(0, 20))
        if (res.status === 200) assert.equal((await res.json()).user, authorization === 'Bearer alice-token' ? '1' : null)
      }
    }))
})
