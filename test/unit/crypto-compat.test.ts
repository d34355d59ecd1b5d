/**
 * @module test/unit/crypto-compat: keyring rotation and purpose separation, Flask-Login's
 * remember-cookie format (its own test vectors), and its URL helpers under their Flask-Login names.
 */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import { Keyring } from '../../src/crypto/keyring.ts'
import { CookieSessionBackend } from '../../src/session/backend.ts'
import { FlaskLoginRemember, SealedRemember } from '../../src/remember.ts'
import { loginUrl, makeNextParam } from '../../src/next-url.ts'

const NEW = 'new-secret-0123456789-abcdefghijklmnopq'
const OLD = 'old-secret-9876543210-zyxwvutsrqponmlkj'
const ring = async (secrets: string[], purpose = 'session') => (await Keyring.create(secrets, purpose)) as Keyring
const TIMEOUTS = { idleTimeout: 7200, absoluteTimeout: 43200, touchInterval: 300 }
const NOW = 1_700_000_000

test('keyring rotation: the old secret second in the list still opens, marked stale; removed, it does not', async () => {
  const sealed = await (await ring([OLD])).seal('hello')
  assert.deepEqual(await (await ring([NEW, OLD])).open(sealed), { text: 'hello', stale: true })
  assert.deepEqual(await (await ring([OLD, NEW])).open(sealed), { text: 'hello', stale: false })
  assert.equal(await (await ring([NEW])).open(sealed), null)
  const resealed = await (await ring([NEW, OLD])).seal('hello')
  assert.deepEqual(await (await ring([NEW])).open(resealed), { text: 'hello', stale: false })
})

test('keyring rotation: a session read under the old key is re-issued under the new one', async () => {
  const before = new CookieSessionBackend(await ring([OLD]), TIMEOUTS, 'session='.length)
  const s = await before.load([], { now: NOW })
  s.set('_user_id', '1')
  const first = (await before.save(s, { now: NOW })) as { value: string }
  const during = new CookieSessionBackend(await ring([NEW, OLD]), TIMEOUTS, 'session='.length)
  const read = await during.load([first.value], { now: NOW + 1 })
  assert.equal(read.get('_user_id'), '1')
  assert.equal(read.stale, true)
  const again = (await during.save(read, { now: NOW + 1 })) as { value: string }
  assert.ok(again && again.value !== first.value, 'not re-issued')
  const after = new CookieSessionBackend(await ring([NEW]), TIMEOUTS, 'session='.length)
  assert.equal((await after.load([again.value], { now: NOW + 2 })).get('_user_id'), '1')
  assert.equal((await after.load([first.value], { now: NOW + 2 })).get('_user_id'), undefined)
})

test('purpose separation: a value sealed for one purpose never opens as another', async () => {
  const session = await ring([NEW], 'session')
  const remember = await ring([NEW], 'remember')
  const sealed = await session.seal('{"u":"1","e":null,"x":9999999999}')
  assert.equal(await remember.open(sealed), null)
  assert.equal(await new SealedRemember(remember).verify(sealed, { now: NOW }), null)
  const token = (await new SealedRemember(remember).issue('1', null, 3600, { now: NOW })).value
  assert.equal(await session.open(token), null)
  assert.deepEqual(await new SealedRemember(remember).verify(token, { now: NOW }), { userId: '1', epoch: null })
  assert.equal(await new SealedRemember(remember).verify(token, { now: NOW + 3600 }), null, 'expired on the server')
})

test('tags: checked in constant time under any key of the ring; a tag from a removed key fails', async () => {
  const tag = await (await ring([OLD])).tag('epoch-1')
  assert.equal(await (await ring([NEW, OLD])).checkTag(tag, 'epoch-1'), true)
  assert.equal(await (await ring([NEW, OLD])).checkTag(tag, 'epoch-2'), false)
  assert.equal(await (await ring([NEW])).checkTag(tag, 'epoch-1'), false)
  assert.equal(await (await ring([NEW])).checkTag(42, 'epoch-1'), false)
})

test('test_cookie_encoding: Flask-Login\'s encode_cookie/decode_cookie vectors', async () => {
  const COOKIE = '1|0e9e6e9855fbe6df7906ec4737578a1d491b38d3fd5246c1561016e189d6516043286501ca43257c938e60aad77acec5ce916b94ca9d00c0bb6f9883ae4b82ae'
  const f = new FlaskLoginRemember('deterministic')
  assert.equal(await f.encode('1'), COOKIE)
  assert.deepEqual(await f.verify(COOKIE), { userId: '1', epoch: null })
  assert.equal(await f.verify('Foo|BAD_BASH'), null)
  assert.equal(await f.verify('no bar'), null)
  assert.equal(await f.verify(COOKIE.toUpperCase()), null)
  assert.equal(await f.verify('2' + COOKIE.slice(1)), null)
  assert.equal(await new FlaskLoginRemember('not-used').verify(COOKIE), null)
  // Werkzeug may send the bar percent-encoded.
  assert.deepEqual(await f.verify(COOKIE.replace('|', '%7C')), { userId: '1', epoch: null })
})

test('test_native / test_bytes: the secret text is read as Latin-1 bytes, as _secret_key() does', async () => {
  const secret = '\x9e\x8f\x14'
  const expected = createHmac('sha512', Buffer.from([0x9e, 0x8f, 0x14])).update('1').digest('hex')
  assert.equal(await new FlaskLoginRemember(secret).encode('1'), `1|${expected}`)
})

test('Flask-Login compat: non-ASCII ids travel percent-encoded and come back', async () => {
  const f = new FlaskLoginRemember('deterministic')
  const { value } = await f.issue('佐藤')
  assert.match(value, /^[\x21-\x7e]+$/)
  assert.deepEqual(await f.verify(value), { userId: '佐藤', epoch: null })
  const digest = createHmac('sha512', 'deterministic').update('佐藤').digest('hex')
  assert.equal(decodeURIComponent(value), `佐藤|${digest}`)
})

test('test_make_next_param', () => {
  assert.equal(makeNextParam('/login', 'http://localhost/profile'), '/profile')
  assert.equal(makeNextParam('https://localhost/login', 'http://localhost/profile'), 'http://localhost/profile')
  assert.equal(makeNextParam('http://accounts.localhost/login', 'http://localhost/profile'), 'http://localhost/profile')
})

test('test_login_url_generation', () => {
  const PROTECTED = 'http://localhost/protected'
  assert.equal(loginUrl('/login', PROTECTED, { nextField: 'n' }), '/login?n=%2Fprotected')
  assert.equal(loginUrl('/login', PROTECTED), '/login?next=%2Fprotected')
  assert.equal(loginUrl('https://auth.localhost/login', PROTECTED), 'https://auth.localhost/login?next=http%3A%2F%2Flocalhost%2Fprotected')
  assert.equal(loginUrl('/login?affil=cgnu', PROTECTED), '/login?affil=cgnu&next=%2Fprotected')
})

test('test_login_url_no_next_url', () => {
  assert.equal(loginUrl('/foo'), '/foo')
})
