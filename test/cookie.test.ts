/** @module doorman/cookie.test: RFC 6265 parser and serializer, including the cookie CVE corpus. */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  MAX_COOKIE_HEADER,
  expireCookie,
  getCookie,
  getCookies,
  getCookiesUnchecked,
  parseCookieHeader,
  serializeCookie,
} from '../src/cookie.ts'
import { CookieError } from '../src/errors.ts'

const isCookieError = (e: unknown) => e instanceof CookieError && e.code === 'DOORMAN_COOKIE'

describe('getCookie / getCookies / parseCookieHeader', () => {
  test('reads simple pairs', () => {
    const h = 'a=1; b=2;c=3'
    assert.equal(getCookie(h, 'a'), '1')
    assert.equal(getCookie(h, 'b'), '2')
    assert.equal(getCookie(h, 'c'), '3')
    assert.equal(getCookie(h, 'd'), undefined)
    assert.deepEqual({ ...parseCookieHeader(h) }, { a: '1', b: '2', c: '3' })
  })

  test('absent or empty header reads as no cookies', () => {
    for (const h of [null, undefined, '', ';', ' ; ; ']) {
      assert.equal(getCookie(h, 'a'), undefined)
      assert.deepEqual(getCookies(h, 'a'), [])
      assert.deepEqual(Object.keys(parseCookieHeader(h)), [])
    }
    assert.equal(getCookie('a=1', ''), undefined)
  })

  test('duplicated cookies are all returned, in header order; first wins elsewhere', () => {
    const h = '__Host-sid=planted; other=x; __Host-sid=real; __Host-sid=third'
    assert.deepEqual(getCookies(h, '__Host-sid'), ['planted', 'real', 'third'])
    assert.equal(getCookie(h, '__Host-sid'), 'planted')
    assert.equal(parseCookieHeader(h)['__Host-sid'], 'planted')
  })

  test('a header over MAX_COOKIE_HEADER reads as no cookies; one at the limit is read', () => {
    const head = 'sid=abc; pad='
    const atLimit = head + 'x'.repeat(MAX_COOKIE_HEADER - head.length)
    assert.equal(atLimit.length, MAX_COOKIE_HEADER)
    assert.equal(getCookie(atLimit, 'sid'), 'abc')
    const over = atLimit + 'x'
    assert.equal(getCookie(over, 'sid'), undefined)
    assert.deepEqual(getCookies(over, 'sid'), [])
    assert.deepEqual(Object.keys(parseCookieHeader(over)), [])
  })

  test('nameless pairs are skipped and never become a name (Werkzeug CVE-2023-23934)', () => {
    const h = '=__Host-x=bad; =bad2; __Host-y; noequals; __Host-x=good'
    assert.deepEqual(getCookies(h, '__Host-x'), ['good'])
    assert.equal(getCookie('=__Host-x=bad', '__Host-x'), undefined)
    assert.equal(getCookie('__Host-y', '__Host-y'), undefined)
    assert.equal(getCookie(' = v', ''), undefined)
    assert.deepEqual({ ...parseCookieHeader(h) }, { '__Host-x': 'good' })
  })

  test('trims only SP and HTAB around names and values', () => {
    assert.equal(getCookie(' \t a \t=\t 1 \t; b=2', 'a'), '1')
    assert.equal(getCookie('a=1 ;  b = 2  ', 'b'), '2')
    // Values keep inner spaces; only the edges are trimmed.
    assert.equal(getCookie('a= x y ', 'a'), 'x y')
  })

  test('Unicode whitespace is not trimmed: a prefixed name cannot pose as __Host- (PortSwigger)', () => {
    const spaces = ['\u2000', '\u00a0', '\u3000', '\ufeff', '\u2028', '\u0085', '\u180e', '\u200b']
    for (const sp of spaces) {
      const h = `${sp}__Host-sid=evil; __Secure-a${sp}=evil2`
      assert.equal(getCookie(h, '__Host-sid'), undefined, JSON.stringify(sp))
      assert.equal(getCookie(h, '__Secure-a'), undefined, JSON.stringify(sp))
      assert.deepEqual(Object.keys(parseCookieHeader(h)), [])
      assert.equal(getCookie(`${h}; __Host-sid=good`, '__Host-sid'), 'good')
    }
    // U+2000 as it reaches Node: UTF-8 bytes read as latin1.
    assert.equal(getCookie('\xe2\x80\x80__Host-sid=evil', '__Host-sid'), undefined)
    // Vertical tab and form feed are controls, not WSP.
    assert.equal(getCookie('\v__Host-sid=evil', '__Host-sid'), undefined)
    assert.equal(getCookie('\f__Host-sid=evil', '__Host-sid'), undefined)
  })

  test('names are compared exactly (case-sensitive, no prefix matching)', () => {
    const h = 'SID=upper; sid=lower; sid2=two; xsid=x'
    assert.equal(getCookie(h, 'sid'), 'lower')
    assert.equal(getCookie(h, 'SID'), 'upper')
    assert.equal(getCookie(h, 'Sid'), undefined)
    assert.equal(getCookie('__host-sid=lower', '__Host-sid'), undefined)
    assert.equal(getCookie('sid2=two', 'sid'), undefined)
  })

  test('values are raw: no URI decoding, `=` kept, one pair of double quotes stripped', () => {
    assert.equal(getCookie('a=%41%20b', 'a'), '%41%20b')
    assert.equal(getCookie('a=b=c==', 'a'), 'b=c==')
    assert.equal(getCookie('a=eyJhIjoxfQ-_', 'a'), 'eyJhIjoxfQ-_')
    assert.equal(getCookie('a="quoted"', 'a'), 'quoted')
    assert.equal(getCookie('a=""', 'a'), '')
    assert.equal(getCookie('a=', 'a'), '')
    assert.equal(getCookie('a = "x y" ', 'a'), 'x y')
    // Only one pair; inner or unbalanced quotes are not cookie-octets, so the pair is skipped.
    assert.equal(getCookie('a=""x""', 'a'), undefined)
    assert.equal(getCookie('a="x', 'a'), undefined)
    assert.equal(getCookie('a=x"', 'a'), undefined)
    assert.equal(getCookie('a="', 'a'), undefined)
    assert.equal(getCookie('a=x\\y', 'a'), undefined)
  })

  test('bad pairs are skipped without affecting the others (Django CVE-2016-7401)', () => {
    const bad = [
      'bad=\x00x', 'bad=x\x01', 'bad=\x7f', 'bad=x\ry', 'bad=x\ny', 'bad=caf\xe9', 'bad=\u4f50',
      'b\x00d=x', 'b\u00e9d=x', '\u4f50=x', 'b d=x', 'b"d=x', 'b,d=x', 'b(d)=x', 'b/d=x', 'b[]=x',
    ]
    for (const pair of bad) {
      const h = `a=1; ${pair}; c=3`
      assert.equal(getCookie(h, 'a'), '1', JSON.stringify(pair))
      assert.equal(getCookie(h, 'c'), '3', JSON.stringify(pair))
      assert.deepEqual({ ...parseCookieHeader(h) }, { a: '1', c: '3' }, JSON.stringify(pair))
    }
  })

  test('a cookie cannot inject another: `,` and spaces never split pairs', () => {
    const h = '__utmz=x,csrftoken=evil; tracker=a csrftoken=evil2; csrftoken=good'
    assert.deepEqual(getCookies(h, 'csrftoken'), ['good'])
    assert.equal(getCookie(h, '__utmz'), 'x,csrftoken=evil')
    assert.equal(getCookie(h, 'tracker'), 'a csrftoken=evil2')
  })

  test('__proto__, constructor and friends do not pollute', () => {
    const h = '__proto__=p; constructor=c; toString=t; hasOwnProperty=h; polluted=1'
    const rec = parseCookieHeader(h)
    assert.equal(Object.getPrototypeOf(rec), null)
    assert.equal(rec['__proto__'], 'p')
    assert.equal(rec['constructor'], 'c')
    assert.equal(rec['toString'], 't')
    assert.deepEqual(Object.keys(rec), ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'polluted'])
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
    assert.equal(typeof ({}).toString, 'function')
    assert.equal(getCookie(h, '__proto__'), 'p')
    // Absent names that exist on Object.prototype read as absent.
    assert.equal(parseCookieHeader('a=1')['constructor'], undefined)
    assert.equal(getCookie('a=1', 'constructor'), undefined)
  })

  test('a pathological header with no `=` is read in linear time', () => {
    const h = ';a'.repeat(MAX_COOKIE_HEADER / 2 - 2) + ';b=1'
    assert.ok(h.length <= MAX_COOKIE_HEADER)
    const t = performance.now()
    for (let i = 0; i < 50; i++) assert.equal(getCookie(h, 'b'), '1')
    assert.ok(performance.now() - t < 2000)
  })
})

describe('getCookiesUnchecked (for a caller that checks the values itself)', () => {
  const headers = [
    'session=abc; other=1',
    'session=abc; session=def',
    'session="abc"; x=y',
    'session=bad\\value; session=good',
    'session=a"b; session=ok',
    ' session = v1 ;session=v2',
    '=session=x; session=y',
    'sessionx=1; session=2; xsession=3',
    'session=\u00e9; session=fine',
    'session=\u2000x; session=tab\there',
    'session=; session=x',
    'session=a,b c; session=v1.k.AAAA',
    '',
  ]
  // What getCookies checks per value: cookie-octets, plus SP and `,` as browsers send them.
  const octets = (v: string) => /^[\x20\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]*$/.test(v)
  test('the values getCookies keeps are exactly the unchecked ones whose characters pass', () => {
    for (const h of headers) assert.deepEqual(getCookiesUnchecked(h, 'session').filter(octets), getCookies(h, 'session'), h)
  })
  test('the values it adds are the ones with bad characters, nothing else', () => {
    assert.deepEqual(getCookiesUnchecked('session=bad\\value; session=good', 'session'), ['bad\\value', 'good'])
    assert.deepEqual(getCookiesUnchecked('session="a\\b"; other=x', 'session'), ['a\\b'])
    assert.deepEqual(getCookiesUnchecked('sessionx=1; =session=2', 'session'), [])
  })
  test('an oversized header is still no cookies', () => {
    assert.deepEqual(getCookiesUnchecked('session=' + 'a'.repeat(MAX_COOKIE_HEADER), 'session'), [])
  })
})

describe('serializeCookie', () => {
  test('writes attributes in the documented order', () => {
    const s = serializeCookie('__Secure-sid', 'abc', {
      partitioned: true,
      sameSite: 'None',
      secure: true,
      httpOnly: true,
      expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
      path: '/app',
      domain: 'example.com',
      maxAge: 3600,
    })
    assert.equal(
      s,
      '__Secure-sid=abc; Max-Age=3600; Domain=example.com; Path=/app; ' +
        'Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; Secure; SameSite=None; Partitioned',
    )
    assert.equal(serializeCookie('a', 'b'), 'a=b')
    assert.equal(serializeCookie('a', ''), 'a=')
    assert.equal(serializeCookie('a', 'b', { httpOnly: false, secure: false }), 'a=b')
  })

  test('__Host- cookie with the secure defaults', () => {
    const s = serializeCookie('__Host-sid', 'v', { path: '/', secure: true, httpOnly: true, sameSite: 'Lax' })
    assert.equal(s, '__Host-sid=v; Path=/; HttpOnly; Secure; SameSite=Lax')
  })

  test('round-trips through the parser', () => {
    const value = 'eyJhbGciOiJIUzI1NiJ9.e30-_=!#$%&\'()*+./:<=>?@[]^`{|}~'
    const set = serializeCookie('sid', value, { path: '/' })
    const pair = set.split('; ')[0]
    assert.equal(getCookie(`x=1; ${pair}`, 'sid'), value)
  })

  test('Max-Age: integers only, capped at 400 days', () => {
    assert.match(serializeCookie('a', 'b', { maxAge: 0 }), /; Max-Age=0$/)
    assert.match(serializeCookie('a', 'b', { maxAge: 34560000 }), /; Max-Age=34560000$/)
    assert.match(serializeCookie('a', 'b', { maxAge: 34560001 }), /; Max-Age=34560000$/)
    assert.match(serializeCookie('a', 'b', { maxAge: 10 * 365 * 86400 }), /; Max-Age=34560000$/)
    for (const maxAge of [1.5, -1, NaN, Infinity, -Infinity, Number.MAX_VALUE, '60' as unknown as number]) {
      assert.throws(() => serializeCookie('a', 'b', { maxAge }), isCookieError, String(maxAge))
    }
  })

  test('invalid names throw', () => {
    const names = ['', 'a b', 'a;b', 'a=b', 'a,b', 'a"b', 'a\tb', 'a\x00', 'caf\u00e9', '\u2000x', 'a(b)', 'a/b', 'a:b', 'a\r\nb']
    for (const name of names) assert.throws(() => serializeCookie(name, 'v'), isCookieError, JSON.stringify(name))
    assert.throws(() => serializeCookie(42 as unknown as string, 'v'), isCookieError)
  })

  test('value injection attempts throw (cookie CVE-2024-47764)', () => {
    const values = [
      'x; Domain=evil.com', 'x;Path=/', 'x\r\nSet-Cookie: a=b', 'x\ny', 'a,b', 'a b', '"quoted"', 'a\\b',
      '\x00', '\x7f', 'caf\u00e9', '\u4f50', 'x; HttpOnly',
    ]
    for (const v of values) assert.throws(() => serializeCookie('a', v), isCookieError, JSON.stringify(v))
    assert.throws(() => serializeCookie('a', undefined as unknown as string), isCookieError)
  })

  test('path injection attempts throw', () => {
    const paths = ['', 'relative', '/; Domain=evil.com', '/a;b', '/\r\nX: y', '/\x00', '/\x7f', '/caf\u00e9', ' /']
    for (const path of paths) assert.throws(() => serializeCookie('a', 'b', { path }), isCookieError, JSON.stringify(path))
    assert.match(serializeCookie('a', 'b', { path: '/a b/c,d' }), /; Path=\/a b\/c,d$/)
  })

  test('domain injection attempts throw', () => {
    const domains = ['', 'evil.com; Secure', 'a b.com', 'ex\u00e4mple.com', 'a/b', 'a:80', 'a\r\nb', 'x'.repeat(256), 'a_b.com']
    for (const domain of domains) assert.throws(() => serializeCookie('a', 'b', { domain }), isCookieError, JSON.stringify(domain))
    assert.match(serializeCookie('a', 'b', { domain: '.Sub-1.example.com' }), /; Domain=\.Sub-1\.example\.com$/)
  })

  test('expires must be a valid Date', () => {
    assert.throws(() => serializeCookie('a', 'b', { expires: new Date('nope') }), isCookieError)
    assert.throws(() => serializeCookie('a', 'b', { expires: 0 as unknown as Date }), isCookieError)
  })

  test('SameSite must be exact, and None requires Secure', () => {
    assert.throws(() => serializeCookie('a', 'b', { sameSite: 'None' }), isCookieError)
    assert.match(serializeCookie('a', 'b', { sameSite: 'None', secure: true }), /; Secure; SameSite=None$/)
    for (const sameSite of ['lax', 'strict', 'none', 'Lax; Domain=evil', '']) {
      assert.throws(() => serializeCookie('a', 'b', { sameSite: sameSite as 'Lax', secure: true }), isCookieError, sameSite)
    }
  })

  test('__Host- requires Secure, Path=/ and no Domain (case-insensitive prefix)', () => {
    const ok = { secure: true, path: '/' }
    assert.doesNotThrow(() => serializeCookie('__Host-a', 'b', ok))
    for (const name of ['__Host-a', '__host-a', '__HOST-a']) {
      assert.throws(() => serializeCookie(name, 'b', { path: '/' }), isCookieError)
      assert.throws(() => serializeCookie(name, 'b', { secure: true }), isCookieError)
      assert.throws(() => serializeCookie(name, 'b', { secure: true, path: '/app' }), isCookieError)
      assert.throws(() => serializeCookie(name, 'b', { ...ok, domain: 'example.com' }), isCookieError)
    }
  })

  test('__Secure- requires Secure', () => {
    assert.throws(() => serializeCookie('__Secure-a', 'b'), isCookieError)
    assert.throws(() => serializeCookie('__secure-a', 'b', { path: '/' }), isCookieError)
    assert.equal(serializeCookie('__Secure-a', 'b', { secure: true }), '__Secure-a=b; Secure')
  })

  test('Partitioned requires Secure', () => {
    assert.throws(() => serializeCookie('a', 'b', { partitioned: true }), isCookieError)
    assert.equal(serializeCookie('a', 'b', { partitioned: true, secure: true }), 'a=b; Secure; Partitioned')
  })
})

describe('expireCookie', () => {
  test('empty value, Max-Age=0 and a 1970 Expires, with the same scope attributes', () => {
    assert.equal(
      expireCookie('__Host-sid', { path: '/', secure: true, httpOnly: true, sameSite: 'Lax', maxAge: 3600 }),
      '__Host-sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    )
    assert.equal(
      expireCookie('remember', { domain: 'example.com', path: '/app', expires: new Date(Date.UTC(2040, 0, 1)) }),
      'remember=; Max-Age=0; Domain=example.com; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    )
    assert.equal(expireCookie('a'), 'a=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT')
  })

  test('validates like serializeCookie', () => {
    assert.throws(() => expireCookie('a;b'), isCookieError)
    assert.throws(() => expireCookie('__Host-a', { path: '/' }), isCookieError)
    assert.throws(() => expireCookie('a', { path: '/; Domain=evil' }), isCookieError)
  })
})
