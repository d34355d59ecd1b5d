/**
 * @module test/scenarios/hostile-next: open-redirect payloads through `POST /login?next=…`
 * and `nextUrl()`, on every adapter: each one lands on `/` (never elsewhere, never a 500), and
 * safe same-origin targets are kept.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Client } from '../helpers/client.ts'
import { eachAdapter, withApp } from '../helpers/scenario.ts'

// Sources: Django's url_has_allowed_host_and_scheme tests, PortSwigger/OWASP open-redirect cheat
// sheets, better-auth callbackURL reports, Express CVE-2024-29041.
const HOSTILE = [
  '//evil.com', '///evil.com', '////evil.com', '//evil.com/path', '//evil.com:80', '//localhost', '//127.0.0.1',
  '/\\evil.com', '\\/evil.com', '/\\\\evil.com', '\\\\evil.com', '\\evil.com', '\\//evil.com', '/\\/evil.com', '//\\evil.com',
  '%2F%2Fevil.com', '/%2F%2Fevil.com', '/%2f/evil.com', '/%5Cevil.com', '/%5c%5cevil.com', '/%09/evil.com', '/%0A/evil.com',
  '/%0d/evil.com', '/%00/evil.com', '/%20/evil.com', '/%252F/evil.com', '/%EF%BC%8Fevil.com', '/%e2%88%95evil.com',
  '/.//evil.com', '/..//evil.com', '/../..//evil.com', '/a/..//evil.com', '/%2e%2e//evil.com', '/.%2e//evil.com',
  'https:evil.com', 'http:evil.com', 'http:/evil.com', 'https:/evil.com', 'http:\\\\evil.com', 'http:/\\/evil.com', 'http:///evil.com',
  'https://evil.com', 'http://evil.com', 'HTTP://EVIL.COM/', 'ftp://evil.com', 'javascript:alert(1)', 'JaVaScRiPt:alert(1)',
  'javascript://%0aalert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', 'file:///etc/passwd',
  'http://user@evil.com', 'http://localhost@evil.com', 'http://127.0.0.1@evil.com', 'http://evil.com#@localhost',
  'http://evil.com?@localhost', 'http://evil.com\\@localhost', 'http://localhost.evil.com/', 'http://evil.com/localhost',
  ' /private', '/private ', ' //evil.com', '\t//evil.com', '/\t/evil.com', '/\n/evil.com', '/\r/evil.com',
  '/private\r\nSet-Cookie: a=b', '/private\r\nLocation: http://evil.com', 'java\nscript:alert(1)', '\x00/private',
  '/private\x00', '/\x7f/evil.com', '\u0085/evil.com', '/\u00a0/evil.com', '/\u2000/evil.com', '\u3000//evil.com',
  '/\u200b/evil.com', '\ufeff/private', '/\u202e/evil.com', '\uff0f\uff0fevil.com', '/\uff0fevil.com', '/\uff3cevil.com',
  '/\u2215evil.com', '//evil\u3002com', 'evil.com', 'private', './private', '../private', '?next=//evil.com', '#//evil.com',
  '.', '..', '', ' ', '/' + 'a'.repeat(3000),
]
const SAFE: [string, string][] = [
  ['/private', '/private'],
  ['/private?tab=2&x=%2F', '/private?tab=2&x=%2F'],
  ['/a/b#frag', '/a/b#frag'],
  ['/caf\u00e9', '/caf%C3%A9'],
  ['/', '/'],
]

async function loginWithNext(c: Client, query: string): Promise<Response> {
  return c.post(`/login?${query}`, { id: '1' })
}

eachAdapter('hostile next', (fw) => {
  test(`POST /login?next=… sends every one of ${HOSTILE.length} hostile targets to /`, () =>
    withApp(fw, {}, async (_t, c) => {
      for (const bad of HOSTILE) {
        const res = await loginWithNext(c, new URLSearchParams({ next: bad }).toString())
        assert.equal(res.status, 303, JSON.stringify(bad))
        assert.equal(res.headers.get('location'), '/', JSON.stringify(bad))
      }
    }))

  test('POST /login?next=… keeps safe same-origin targets', () =>
    withApp(fw, {}, async (_t, c) => {
      for (const [next, location] of SAFE) {
        const res = await loginWithNext(c, new URLSearchParams({ next }).toString())
        assert.equal(res.headers.get('location'), location, next)
      }
    }))

  test('a non-string next (?next=a&next=b, parameter pollution) falls back', () =>
    withApp(fw, {}, async (_t, c) => {
      const res = await loginWithNext(c, 'next=%2Fa&next=%2Fb')
      assert.equal(res.headers.get('location'), '/')
      assert.deepEqual(await (await c.get('/next?next=%2Fa&next=%2Fb')).json(), { next: '/fallback' })
      assert.deepEqual(await (await c.get('/next?next[]=%2Fa')).json(), { next: '/fallback' })
      assert.deepEqual(await (await c.get('/next?next')).json(), { next: '/fallback' })
    }))

  test('a hostile next kept in the session (useSessionForNext) falls back too', () =>
    withApp(fw, { useSessionForNext: true }, async (_t, c) => {
      for (const bad of ['//evil.com', 'https://evil.com', '/\\evil.com']) {
        await c.get(`/session/set?${new URLSearchParams({ k: 'next', v: bad })}`)
        assert.deepEqual(await (await c.get('/next')).json(), { next: '/fallback' }, bad)
      }
    }))
})
