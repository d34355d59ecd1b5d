/** @module doorman/next-url.test: open-redirect corpus for safeNextUrl, Flask-Login URL helper parity. */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ArgumentError } from '../src/errors.ts'
import { loginUrl, makeNextParam, safeNextUrl } from '../src/next-url.ts'

const REQ = 'http://app.test/login?next=x'

// Every payload must give null. Sources: Django's test_security_check / URLHasAllowedHostAndScheme
// bad_urls (CVE-2008-2302 … CVE-2018-14574), better-auth's origin-check tests, PyPI warehouse,
// Express CVE-2024-29041, and classic open-redirect cheat sheets.
const HOSTILE: unknown[] = [
  // protocol-relative and slash/backslash mixes
  '//evil.com', '///evil.com', '////evil.com', '//evil.com/path', '//evil.com:80', '//app.test',
  '/\\evil.com', '\\/evil.com', '/\\\\evil.com', '\\\\evil.com', '\\\\\\evil.com', '\\evil.com',
  '\\//evil.com', '/\\/evil.com', '/\\/\\/evil.com', '/\\//evil.com', '//\\evil.com', '\\/\\/evil.com',
  // percent-encoded slashes, backslashes and controls right after the leading slash
  '%2F%2Fevil.com', '%2f%2fevil.com', '/%2F%2Fevil.com', '/%2f/evil.com', '/%2F/evil.com', '/%5Cevil.com',
  '/%5cevil.com', '/%5C/evil.com', '/%5C%5Cevil.com', '/%09/evil.com', '/%0A/evil.com', '/%0d/evil.com',
  '/%00/evil.com', '/%20/evil.com', '/%252F/evil.com', '/%25%32%46/evil.com', '/%EF%BC%8Fevil.com',
  '/%e2%88%95evil.com',
  // dot segments that normalize to `//` (validate the emitted string)
  '/.//evil.com', '/..//evil.com', '/../..//evil.com', '/a/..//evil.com', '/%2e%2e//evil.com',
  '/%2E//evil.com', '/.%2e//evil.com', 'http://app.test/..//evil.com', 'http://app.test//evil.com',
  // schemes
  'https:evil.com', 'http:evil.com', 'http:/evil.com', 'https:/evil.com', 'http:\\\\evil.com',
  'http:\\evil.com', 'http:/\\/evil.com', 'http:\\/evil.com', 'http:/\\evil.com', 'http:///evil.com',
  'https://evil.com', 'http://evil.com', 'HTTP://EVIL.COM/', 'ftp://evil.com', 'ftp:9999999999',
  'javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'javascript://%0aalert(1)', 'javascript:/app.test/',
  'data:text/html,<script>alert(1)</script>', 'data:text/html;base64,PHNjcmlwdD4=', 'vbscript:msgbox(1)',
  'file://evil.com/x', 'blob:http://app.test/uuid', 'mailto:a@evil.com', 'http:999999999',
  'http://999999999', 'http://0x7f.1/', 'http://[::1]', 'http://[::1]/x', 'http://127.0.0.1/',
  'http://[2001:cdba:0000:0000:0000:0000:3257:9652/', 'http://2001:cdba:0000:0000:0000:0000:3257:9652]/',
  // userinfo and host confusion
  'http://user@evil.com', 'http://good.com@evil.com', 'http://app.test@evil.com', 'http://app.test:@evil.com',
  'http://user:pass@app.test/', 'http://app.test%40evil.com/', 'http://evil.com#@app.test', 'http://evil.com?@app.test',
  'http://evil.com\\@app.test', 'http://app.test\\@evil.com', 'http:\\\\app.test\\@evil.com',
  'http://app.test\\me:pass@evil.com', 'https://app.test/x', 'http://app.test:8080/x', 'http://app.test.evil.com/',
  'http://evil.com/app.test', 'http://app.testevil.com/',
  // whitespace, controls and CRLF injection
  ' /private', '/private ', ' //evil.com', '\t//evil.com', '/\t/evil.com', '/\n/evil.com', '/\r/evil.com',
  '/private\r\nSet-Cookie: a=b', '/private\r\nLocation: http://evil.com', '\njavascript:alert(1)',
  'java\nscript:alert(1)', '\x08//evil.com', '\x00/private', '/private\x00', '/\x00/evil.com', '/\x7f/evil.com',
  '\u0085/evil.com', '/\u00a0/evil.com', '/\u2000/evil.com', '\u3000//evil.com', '/\u200b/evil.com',
  '\ufeff/private', '/\u202e/evil.com',
  // Unicode look-alikes and ideographic full stops
  '\uff0f\uff0fevil.com', '/\uff0fevil.com', '/\uff3cevil.com', '/\u2215evil.com', '/\u2044evil.com',
  '//evil\u3002com', 'http://evil\u3002com/', 'http://evil\uff0ecom/', '\u3002/evil.com',
  // relative forms that do not start with `/`
  'evil.com', 'private', '.', '..', '?next=//evil.com', '#frag', './/evil.com', '../evil.com', '%2Fprivate',
  // length and type
  '/' + 'a'.repeat(2048), '/' + '\u4f50'.repeat(700), '', null, undefined, 42, 0, true, {}, [],
  ['/private'], ['/private', '//evil.com'], { toString: () => '/private' }, new URL('http://app.test/x'),
  new String('/private'), Symbol('x'), () => '/private',
]

describe('safeNextUrl', () => {
  test(`refuses ${HOSTILE.length} hostile payloads`, () => {
    assert.ok(HOSTILE.length >= 80)
    for (const value of HOSTILE) {
      const label = typeof value === 'symbol' ? 'symbol' : JSON.stringify(String(value))
      assert.equal(safeNextUrl(value, REQ), null, label)
      assert.equal(safeNextUrl(value, new URL('http://app.test/deep/path/?q=1')), null, label)
    }
  })

  test('accepts same-origin relative targets unchanged', () => {
    const good = [
      '/', '/private', '/a/b?x=1&y=2', '/search?q=%2F%2F', '/path#frag', '/%E4%BD%90%E8%97%A4',
      '/view/?param=http://evil.com', '/view?param=//evil.com', '/url%20with%20spaces/', '/a%2F%2Fb',
      '/path/http:2222222222', '/confirm?email=me@example.com', '/x#@evil.com', '/a/b/',
      '/' + 'a'.repeat(2047),
    ]
    for (const value of good) assert.equal(safeNextUrl(value, REQ), value, value)
  })

  test('canonicalises through WHATWG, and returns the canonical string', () => {
    assert.equal(safeNextUrl('/\u4f50\u85e4', REQ), '/%E4%BD%90%E8%97%A4')
    assert.equal(safeNextUrl('/a/../b', REQ), '/b')
    assert.equal(safeNextUrl('/a/./b', REQ), '/a/b')
    assert.equal(safeNextUrl('/?', REQ), '/')
    assert.equal(safeNextUrl('/#', REQ), '/')
    assert.equal(safeNextUrl("/x?a='b'", REQ), '/x?a=%27b%27')
    assert.equal(safeNextUrl('/x?q="<script>"', REQ), '/x?q=%22%3Cscript%3E%22')
  })

  test('same-origin absolute URLs reduce to path + query + hash', () => {
    assert.equal(safeNextUrl('http://app.test/private?x=1', REQ), '/private?x=1')
    assert.equal(safeNextUrl('http://app.test', REQ), '/')
    assert.equal(safeNextUrl('HTTP://APP.TEST:80/a#b', REQ), '/a#b')
    assert.equal(safeNextUrl('http://app.test#@evil.com', REQ), '/#@evil.com')
    assert.equal(safeNextUrl('https://app.test/x', 'https://app.test/login'), '/x')
    assert.equal(safeNextUrl('https://app.test:8443/x', 'https://app.test:8443/'), '/x')
  })

  test('a different scheme or port is a different origin', () => {
    assert.equal(safeNextUrl('https://app.test/x', 'http://app.test/'), null)
    assert.equal(safeNextUrl('http://app.test/x', 'https://app.test/'), null)
    assert.equal(safeNextUrl('https://app.test/x', 'https://app.test:8443/'), null)
  })

  test('an unusable request URL fails closed', () => {
    for (const req of ['not a url', '', '/relative', 'file://host/x', 'data:text/plain,x', 'blob:http://app.test/u']) {
      assert.equal(safeNextUrl('/private', req), null, req)
    }
  })

  test('every result is a single-slash same-origin path', () => {
    const values = [...HOSTILE, '/', '/a', 'http://app.test/b?c#d', '/\u3002/evil.com']
    for (const value of values) {
      const out = safeNextUrl(value, REQ)
      if (out === null) continue
      assert.ok(out.startsWith('/') && !out.startsWith('//'), out)
      assert.equal(new URL(out, 'http://app.test').origin, 'http://app.test', out)
      assert.doesNotMatch(out, /[\\\s\x00-\x1f\x7f]/, out)
    }
  })
})

describe('makeNextParam (Flask-Login make_next_param)', () => {
  test('relative login URL: path + query of the current URL, fragment dropped', () => {
    assert.equal(makeNextParam('/login', 'http://app.test/private?x=1#top'), '/private?x=1')
    assert.equal(makeNextParam('/login', 'http://app.test/private'), '/private')
    assert.equal(makeNextParam('/login', 'http://app.test'), '/')
    assert.equal(makeNextParam('/login', '/p?q=1'), '/p?q=1')
  })

  test('same scheme and host: relative; scheme-relative login URL compares the host only', () => {
    assert.equal(makeNextParam('http://app.test/login', 'http://app.test/p?a=b'), '/p?a=b')
    assert.equal(makeNextParam('//app.test/login', 'https://app.test/p'), '/p')
    assert.equal(makeNextParam('HTTP://APP.test/login', 'http://app.test/p'), '/p')
  })

  test('another scheme, host or port: the full current URL', () => {
    assert.equal(makeNextParam('https://app.test/login', 'http://app.test/p#f'), 'http://app.test/p#f')
    assert.equal(makeNextParam('http://auth.test/login', 'http://app.test/p'), 'http://app.test/p')
    assert.equal(makeNextParam('http://app.test:8080/login', 'http://app.test/p'), 'http://app.test/p')
    assert.equal(makeNextParam('//auth.test/login', 'http://app.test/p'), 'http://app.test/p')
  })
})

describe('loginUrl (Flask-Login login_url)', () => {
  test('adds next, URLSearchParams-encoded', () => {
    assert.equal(loginUrl('/login', 'http://app.test/private'), '/login?next=%2Fprivate')
    assert.equal(loginUrl('/login', 'http://app.test/a b?x=1&y=2'), '/login?next=%2Fa+b%3Fx%3D1%26y%3D2')
  })

  test('without a next URL the login view is returned as is', () => {
    assert.equal(loginUrl('/login'), '/login')
    assert.equal(loginUrl('/login?lang=fr', null), '/login?lang=fr')
  })

  test('keeps existing query parameters and the fragment; replaces an existing next', () => {
    assert.equal(loginUrl('/login?lang=fr', 'http://app.test/private'), '/login?lang=fr&next=%2Fprivate')
    assert.equal(loginUrl('/login?a=1&a=2&b=', '/x'), '/login?a=1&a=2&b=&next=%2Fx')
    assert.equal(loginUrl('/login?next=%2Fold&lang=fr&next=%2Fold2', '/new'), '/login?next=%2Fnew&lang=fr')
    assert.equal(loginUrl('/login#top', '/x'), '/login?next=%2Fx#top')
  })

  test('absolute login view on the same host gets a relative next, on another host the full URL', () => {
    assert.equal(loginUrl('http://app.test/login', 'http://app.test/p?x=1'), 'http://app.test/login?next=%2Fp%3Fx%3D1')
    assert.equal(
      loginUrl('https://auth.test/login', 'http://app.test/private'),
      'https://auth.test/login?next=http%3A%2F%2Fapp.test%2Fprivate',
    )
  })

  test('nextField renames the parameter', () => {
    assert.equal(loginUrl('/login', 'http://app.test/p', { nextField: 'redirect_to' }), '/login?redirect_to=%2Fp')
    assert.equal(loginUrl('/login?next=keep', '/p', { nextField: 'r' }), '/login?next=keep&r=%2Fp')
  })

  test('forceHost replaces the host and keeps the scheme (scheme-relative for a relative view)', () => {
    assert.equal(loginUrl('/login', 'http://app.test/p', { forceHost: 'auth.test' }), '//auth.test/login?next=%2Fp')
    assert.equal(
      loginUrl('https://evil.test/login?l=1', 'https://app.test/p', { forceHost: 'app.test:8443' }),
      'https://app.test:8443/login?l=1&next=https%3A%2F%2Fapp.test%2Fp',
    )
    assert.equal(loginUrl('https://x.test/login', null, { forceHost: '[::1]:8443' }), 'https://[::1]:8443/login')
    assert.equal(loginUrl('/login', undefined, { forceHost: 'auth.test' }), '//auth.test/login')
  })

  test('bad arguments throw ArgumentError', () => {
    const isArg = (e: unknown) => e instanceof ArgumentError && e.code === 'DOORMAN_ARGUMENT'
    assert.throws(() => loginUrl(''), isArg)
    assert.throws(() => loginUrl('/login', '/p', { nextField: '' }), isArg)
    for (const forceHost of ['evil.com/x', 'a@evil.com', 'a b', 'evil.com\r\n', 'evil.com#', 'http://evil.com', ':80']) {
      assert.throws(() => loginUrl('/login', '/p', { forceHost }), isArg, forceHost)
    }
  })

  test('the next it builds is accepted back by safeNextUrl', () => {
    const url = new URL(loginUrl('/login?lang=fr', 'http://app.test/a/b?x=1&y=%2F#h'), 'http://app.test')
    assert.equal(safeNextUrl(url.searchParams.get('next'), url), '/a/b?x=1&y=%2F')
  })
})
