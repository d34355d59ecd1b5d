/**
 * @module test/unit/flask-format: Flask's session cookie codec against vectors made by the real
 * Flask 2.2 / itsdangerous 2.1 / Flask-Login 0.6 (test/fixtures/flask/make-vectors.py), every tag,
 * compression, key rotation, expiry, the `_id` formulas, the remember cookie and hostile cookies.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { deflateSync, inflateSync } from 'node:zlib'
import { test } from 'node:test'
import { FlaskSessionCodec } from '../../src/flask/session-format.ts'
import { dumpsTagged, loadsTagged } from '../../src/flask/tagged-json.ts'
import { deriveKey, dumpPayload, signTimed, MAX_INFLATED, type FlaskSecretKey } from '../../src/flask/itsdangerous.ts'
import { flaskLoginIdentifier, identifierBase, pythonBytesRepr } from '../../src/flask/session-id.ts'
import { pythonNumber } from '../../src/flask/python-json.ts'
import { FlaskMarkup, FlaskTuple, FlaskUUID } from '../../src/flask/types.ts'
import { FlaskLoginRemember } from '../../src/remember.ts'
import { toBase64Url, utf8 } from '../../src/crypto/encoding.ts'

const V = JSON.parse(readFileSync(new URL('../fixtures/flask/vectors.json', import.meta.url), 'utf8'))
const key = (k: { text?: string; hex?: string }): FlaskSecretKey => (k.text !== undefined ? k.text : Uint8Array.from(Buffer.from(k.hex!, 'hex')))
const codecFor = async (keys: { text?: string; hex?: string }[]) => FlaskSessionCodec.create(keys.map(key))
const byName = (n: string) => V.sessions.find((s: { name: string }) => s.name === n)
const LIFETIME = 31 * 24 * 3600
const inflatePayload = (cookie: string) => {
  const payload = cookie.slice(0, cookie.lastIndexOf('.', cookie.lastIndexOf('.') - 1))
  const bytes = Buffer.from(payload.replace(/^\./, ''), 'base64url')
  return (payload.startsWith('.') ? inflateSync(bytes) : bytes).toString('utf8')
}

test('vectors were made by the real Flask stack', () => {
  assert.equal(V.versions.flask, '2.2.2')
  assert.equal(V.versions.flask_login, '0.6.2')
  assert.ok(V.sessions.length >= 15 && V.identifiers.length >= 8 && V.remember.length >= 9)
})

for (const v of V.sessions) {
  test(`Flask vector "${v.name}": decoded, re-encoded to Flask's exact JSON, signed byte for byte`, async () => {
    const codec = await codecFor(v.keys)
    const d = await codec.decode(v.cookie, v.timestamp, LIFETIME)
    assert.ok(d, 'Flask cookie did not decode')
    assert.equal(d.timestamp, v.timestamp)
    assert.equal(d.stale, v.name === 'rotated-old')
    // Every value back through doorman's types writes Flask's JSON again, tags included (Flask's own
    // parse_date reads the year 0007 it wrote as 2007, and so does doorman).
    const json = v.name === 'datetime' ? v.json.replace(' 0007 ', ' 2007 ') : v.json
    assert.equal(dumpsTagged(d.data), json)
    const mine = await codec.encode(d.data, v.timestamp)
    assert.equal(inflatePayload(mine), json)
    // Uncompressed, byte for byte Flask's cookie. Compressed, the same JSON inside: Node's zlib
    // (Chromium's fork) deflates differently from CPython's, so small payloads near the break-even
    // point may be compressed by one side only.
    if (!mine.startsWith('.') && !v.compressed && !v.signedWith) assert.equal(mine, v.cookie)
    if (v.json.length > 300) assert.equal(mine.startsWith('.'), v.compressed, 'compression decision')
    assert.equal(dumpsTagged((await codec.decode(mine, v.timestamp, LIFETIME))!.data), json)
  })
}

for (const v of V.live) {
  test(`a real Flask + Flask-Login response (${v.path}) decodes, flashes as tuples`, async () => {
    const codec = await codecFor(v.keys)
    const ts = Buffer.from(v.cookie.split('.').at(-2), 'base64url').readUIntBE(0, 4)
    const d = (await codec.decode(v.cookie, ts, LIFETIME))!
    assert.equal(dumpsTagged(d.data), v.json)
    const flashes = d.data._flashes as unknown[]
    assert.ok(flashes[0] instanceof FlaskTuple)
    assert.deepEqual([...(flashes[0] as FlaskTuple)], ['success', 'Welcome back'])
    if (v.path === '/login') assert.deepEqual([d.data._user_id, d.data._fresh], ['42', true])
    else assert.equal(d.data._user_id, undefined)
  })
}

test('every tag reads as its documented JavaScript type', async () => {
  const read = async (n: string) => (await (await codecFor(byName(n).keys)).decode(byName(n).cookie, 1700000000, LIFETIME))!.data
  const t = await read('tuple')
  assert.ok(t.t instanceof FlaskTuple && Array.isArray(t.t))
  assert.deepEqual([...(t.t as unknown[])], [1, 'two', 3.5])
  assert.ok((t.nested as unknown[])[0] instanceof FlaskTuple)
  assert.ok(Array.isArray(t.nested) && !((t.nested as unknown[])[1] instanceof FlaskTuple))
  const b = await read('bytes')
  assert.ok(b.b instanceof Uint8Array)
  assert.deepEqual([...(b.b as Uint8Array).slice(0, 4)], [0, 1, 0xfe, 0xff])
  assert.equal((b.empty as Uint8Array).length, 0)
  const m = await read('markup')
  assert.ok(m.m instanceof FlaskMarkup)
  assert.equal(String(m.m), '<b>bold</b> &amp; safe')
  assert.equal(m.plain, '<b>not markup</b>')
  const u = (await read('uuid')).u as FlaskUUID
  assert.ok(u instanceof FlaskUUID)
  assert.equal(String(u), '12345678-1234-5678-1234-567812345678')
  const d = await read('datetime')
  assert.equal((d.aware as Date).toISOString(), '2015-10-21T07:28:00.000Z')
  assert.equal((d.naive as Date).toISOString(), '1999-12-31T23:59:59.000Z')
  assert.equal((d.early as Date).getUTCFullYear(), 2007, "werkzeug's parse_date reads year 0007 as 2007; so does doorman")
  const k = await read('tagged-dict-key')
  assert.deepEqual(k.d, { ' t': [1, 2] })
  assert.deepEqual(k.u, { ' x': 1 }, 'an unknown tag stays a plain object, as in Flask')
  assert.deepEqual(k.two, { ' t': 1, ' b': 2 })
  assert.deepEqual(k.deep, { ' di': { ' m': 'x' } })
  const n = await read('numbers')
  assert.equal(n.big, 2n ** 70n)
  assert.equal(n.neg, -(2n ** 64n))
  assert.equal(n.edge, 2n ** 53n)
  assert.equal(n.safe, 2 ** 53 - 1)
  assert.ok(Number.isNaN(n.nan) && n.inf === Infinity && n.ninf === -Infinity && Object.is(n.negz, -0))
  const s = await read('text')
  assert.equal(s.s, 'é☃😀\x7f\x00\t\n"\\/ end')
})

test('values made in JavaScript write the same tags Flask reads', () => {
  const json = dumpsTagged({
    t: FlaskTuple.of<unknown>(1, FlaskTuple.of('a')), b: new Uint8Array([1, 2, 3]), buf: Buffer.from('hi'), m: new FlaskMarkup('<i>x</i>'),
    u: new FlaskUUID('{12345678-1234-5678-1234-567812345678}'), d: new Date(Date.UTC(2015, 9, 21, 7, 28, 0, 999)), one: { ' t': 1 },
    skip: undefined, fn: () => 1, arr: [undefined], bad: new Date(NaN), big: 10n ** 30n,
  })
  assert.equal(json, '{"arr":[null],"b":{" b":"AQID"},"bad":null,"big":1000000000000000000000000000000,"buf":{" b":"aGk="},'
    + '"d":{" d":"Wed, 21 Oct 2015 07:28:00 GMT"},"m":{" m":"<i>x</i>"},"one":{" di":{" t__":1}},"t":{" t":[1,{" t":["a"]}]},'
    + '"u":{" u":"12345678123456781234567812345678"}}')
  assert.deepEqual(loadsTagged(json), loadsTagged(dumpsTagged(loadsTagged(json))))
  assert.throws(() => new FlaskUUID('nope'), TypeError)
})

test("Python's repr of floats, as json.dumps writes them", () => {
  const cases: [number, string][] = [[1.5, '1.5'], [1e16, '1e+16'], [1.5e16, '1.5e+16'], [1e15 + 0.5, '1000000000000000.5'], [1e-5, '1e-05'],
    [0.0001, '0.0001'], [1 / 3, '0.3333333333333333'], [1e300, '1e+300'], [-2.5e-7, '-2.5e-07'], [-0, '-0.0'], [2 ** 53, '9007199254740992.0'],
    [123, '123'], [NaN, 'NaN'], [-Infinity, '-Infinity'], [5e-324, '5e-324']]
  for (const [x, s] of cases) assert.equal(pythonNumber(x), s, String(x))
})

test('compression: only when it saves more than one byte (itsdangerous rule), on our zlib', async () => {
  let seen = 0
  for (let n = 1; n < 400 && seen < 2; n++) {
    const json = JSON.stringify({ k: 'ab'.repeat(n % 7) + 'x'.repeat(n) })
    const saved = utf8(json).length - deflateSync(utf8(json)).length
    const p = await dumpPayload(json)
    assert.equal(p.startsWith('.'), saved > 1, `n=${n} saved=${saved}`)
    if (saved === 1 || saved === 2) seen++
  }
  assert.equal(await dumpPayload('{"a":"b"}'), toBase64Url(utf8('{"a":"b"}')))
})

test('key rotation: the current key signs, fallbacks verify and mark the session stale', async () => {
  const cur = byName('rotated-current')
  const old = byName('rotated-old')
  const codec = await codecFor(cur.keys)
  assert.equal(await codec.encode({ _user_id: '1' }, 1700000000), cur.cookie)
  assert.equal((await codec.decode(old.cookie, 1700000000, LIFETIME))!.stale, true)
  assert.equal(await (await codecFor([cur.keys[0]])).decode(old.cookie, 1700000000, LIFETIME), null, 'a removed fallback no longer verifies')
})

test('bytes and non-ASCII keys sign as Flask does (UTF-8 for itsdangerous)', async () => {
  for (const n of ['bytes-key', 'unicode-key']) {
    const v = byName(n)
    assert.equal(await (await codecFor(v.keys)).encode({ _user_id: '1' }, v.timestamp), v.cookie, n)
  }
})

test('expiry: max_age is PERMANENT_SESSION_LIFETIME from the signing time; a future timestamp is refused', async () => {
  const v = byName('login')
  const codec = await codecFor(v.keys)
  assert.ok(await codec.decode(v.cookie, v.timestamp + 100, 100))
  assert.equal(await codec.decode(v.cookie, v.timestamp + 101, 100), null)
  assert.equal(await codec.decode(v.cookie, v.timestamp - 1, 100), null)
})

test('hostile cookies read as no session, never an exception', async () => {
  const k = 'doorman-flask-vectors-key-0123456789'
  const codec = await FlaskSessionCodec.create([k])
  const dk = await deriveKey(k)
  const signRaw = async (payload: string) => signTimed(payload, 1700000000, dk)
  const b64 = (s: string | Uint8Array) => toBase64Url(typeof s === 'string' ? utf8(s) : s)
  const good = byName('not-compressed').cookie as string
  const sig = good.slice(good.lastIndexOf('.') + 1)
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
  const bomb = deflateSync(Buffer.alloc(MAX_INFLATED + 1, 0x20))
  const deep = '['.repeat(1000) + ']'.repeat(1000)
  const hostile: [string, string][] = [
    ['empty', ''], ['dots', '...'], ['no signature', good.slice(0, good.lastIndexOf('.'))],
    ['tampered payload', flip(good, 3)], ['tampered signature', flip(good, good.length - 3)], ['truncated', good.slice(0, -1)],
    ['short signature', good.slice(0, -sig.length) + sig.slice(0, 20)], ['padded signature', good + '='],
    ['foreign key', (await (await FlaskSessionCodec.create(['another-flask-key-0123456789-abcdef'])).encode({ _user_id: '1' }, 1700000000))],
    ['oversized', await signRaw(b64(JSON.stringify({ x: 'y'.repeat(5000) })))],
    ['decompression bomb', await signRaw('.' + b64(new Uint8Array(bomb)))],
    ['bad zlib', await signRaw('.' + b64('not zlib'))], ['bad base64', await signRaw('a+b/')],
    ['not JSON', await signRaw(b64('{"a":'))], ['not a dict', await signRaw(b64('[1,2]'))], ['a string root', await signRaw(b64('"x"'))],
    ['invalid UTF-8', await signRaw(b64(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])))],
    ['too deep', await signRaw(b64(`{"a":${deep}}`))], ['control char', await signRaw(b64('{"a":"\x01"}'))],
    ['bad tuple', await signRaw(b64('{"a":{" t":5}}'))], ['bad bytes', await signRaw(b64('{"a":{" b":"!!"}}'))],
    ['bad uuid', await signRaw(b64('{"a":{" u":"zz"}}'))], ['bad markup', await signRaw(b64('{"a":{" m":[1]}}'))],
    ['bad di', await signRaw(b64('{"a":{" di":5}}'))], ['empty di', await signRaw(b64('{"a":{" di":{}}}'))],
    ['timestamp too long', good.replace(/\.[^.]+\./, '.AAAAAAAAAAAA.')],
  ]
  for (const [name, value] of hostile) assert.equal(await codec.decode(value, 1700000000, LIFETIME), null, name)
  // Tags Flask reads leniently read the same way: an unreadable date is None, a prototype key stays data.
  const lenient = await codec.decode(await signRaw(b64('{"d":{" d":"not a date"},"__proto__":{"x":1}}')), 1700000000, LIFETIME)
  assert.equal(lenient!.data.d, null)
  assert.equal(({} as Record<string, unknown>).x, undefined)
  assert.equal(Object.getPrototypeOf(lenient!.data), Object.prototype)
})

test("Flask-Login 0.6's _id (bytes reprs, X-Forwarded-For) and main's, from real requests", () => {
  for (const v of V.identifiers) {
    const r = { remoteAddress: v.remoteAddress, forwardedFor: v.forwardedFor, userAgent: v.userAgent, trustedIp: v.remoteAddress }
    assert.equal(flaskLoginIdentifier('0.6', r), v.v06, identifierBase('0.6', r))
    assert.equal(flaskLoginIdentifier('main', r), v.main, identifierBase('main', r))
  }
  assert.equal(pythonBytesRepr(utf8("it's")), `b"it's"`)
  assert.equal(pythonBytesRepr(utf8(`'"`)), `b'\\'"'`)
  assert.equal(identifierBase('0.6', { remoteAddress: '::ffff:127.0.0.1', userAgent: null }), "b'127.0.0.1'|None")
})

test("Flask-Login's remember cookie with text, Latin-1 and bytes keys", async () => {
  for (const v of V.remember) assert.equal(await new FlaskLoginRemember(key(v.key)).encode(v.userId), v.cookie, `${JSON.stringify(v.key)} ${v.userId}`)
})

test('the verified-cookie cache still checks the age and gives each request its own data', async () => {
  const { createFlaskSessionBackend } = await import('../../src/flask/session-backend.ts')
  const cfg = { keys: ['doorman-flask-vectors-key-0123456789'], lifetime: 100, refreshEachRequest: true, identifier: '0.6' as const }
  const backend = await createFlaskSessionBackend(cfg, 100, 10)
  const cookie = byName('tuple').cookie as string
  const a = await backend.load([cookie], { now: 1700000000 })
  ;(a.get('t') as unknown[]).push('mutated')
  const b = await backend.load([cookie], { now: 1700000050 })
  assert.equal(b.isNew, false)
  assert.deepEqual([...(b.get('t') as unknown[])], [1, 'two', 3.5])
  assert.equal((await backend.load([cookie], { now: 1700000101 })).isNew, true, 'expired although cached')
  assert.equal((await backend.load([cookie.slice(0, -1) + (cookie.endsWith('A') ? 'B' : 'A')], { now: 1700000000 })).isNew, true)
})

test('documented limits: an integral float comes back as an int; prototype keys never reach a prototype', async () => {
  assert.equal(dumpsTagged(loadsTagged('{"f":1.0,"g":2.5}') as Record<string, unknown>), '{"f":1,"g":2.5}')
  const { createFlaskSessionBackend } = await import('../../src/flask/session-backend.ts')
  const cfg = { keys: ['doorman-flask-vectors-key-0123456789'], lifetime: 100, refreshEachRequest: true, identifier: '0.6' as const }
  const backend = await createFlaskSessionBackend(cfg, 100)
  const dk = await deriveKey(cfg.keys[0])
  const cookie = await signTimed(toBase64Url(utf8('{"__proto__":{"polluted":1},"constructor":1,"a":1}')), 1700000000, dk)
  const s = await backend.load([cookie], { now: 1700000000 })
  assert.deepEqual(s.keys(), ['a'])
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})
