/**
 * @module test/unit/options: every bad option fails when the manager is created, with a
 * ConfigError that names it (durations and secrets included); bad call arguments throw an
 * ArgumentError that names the argument.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RequestAuth } from '../../src/auth.ts'
import { ArgumentError, ConfigError } from '../../src/errors.ts'
import { createLoginManager, type LoginManagerOptions } from '../../src/manager.ts'
import { memoryStore } from '../../src/stores/memory.ts'

const SECRET = 'unit-secret-0123456789-abcdefghijklmnop'
const base = { secret: SECRET, userLoader: () => null }

function rejects(options: unknown, option: string, message?: RegExp): void {
  assert.throws(
    () => createLoginManager(options as LoginManagerOptions<object>),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`)
      assert.equal(e.option, option)
      assert.equal(e.code, 'DOORMAN_CONFIG')
      assert.ok(e.message.includes(`\`${option}\``), e.message)
      if (message) assert.match(e.message, message)
      return true
    },
    option,
  )
}

test('secret: required, a string or a list, at least 32 characters, not a known placeholder', () => {
  rejects({ userLoader: () => null }, 'secret', /required/)
  rejects({ ...base, secret: '' }, 'secret')
  rejects({ ...base, secret: [] }, 'secret')
  rejects({ ...base, secret: 'short' }, 'secret', /at least 32 characters \(got 5\)/)
  rejects({ ...base, secret: 'a'.repeat(31) + 'b' }, 'secret', /low-entropy/)
  rejects({ ...base, secret: 'change-me-to-a-long-random-secret-value' }, 'secret', /well-known/)
  rejects({ ...base, secret: [SECRET, 'too-short'] }, 'secret', /at least 32/)
  rejects({ ...base, secret: [SECRET, 42] }, 'secret')
  rejects({ ...base, secret: 12345 }, 'secret')
  assert.doesNotThrow(() => createLoginManager({ ...base, secret: [SECRET, 'older-secret-0123456789-abcdefghijk'] }))
})

test('unknown options (top level, session.*, remember.*) are named', () => {
  rejects({ ...base, loginview: '/login' }, 'loginview', /not a doorman option/)
  rejects({ ...base, session: { maxAge: 3 } }, 'session.maxAge')
  rejects({ ...base, remember: { expires: 3 } }, 'remember.expires')
  rejects({ ...base, session: 'yes' }, 'session')
})

test('durations: a bad one names its option (REMEMBER_COOKIE_DURATION "123" included)', () => {
  for (const bad of ['123', '', '-5d', '5 years', 0, -1, NaN, Infinity, {}, { weeks: 1 }, { days: -1 }, { days: '1' }, [], true]) {
    rejects({ ...base, remember: { duration: bad } }, 'remember.duration', /positive duration/)
  }
  rejects({ ...base, session: { idleTimeout: 'soon' } }, 'session.idleTimeout')
  rejects({ ...base, session: { absoluteTimeout: -3 } }, 'session.absoluteTimeout')
  rejects({ ...base, session: { touchInterval: 'x' } }, 'session.touchInterval')
  rejects({ ...base, session: { idleTimeout: '2h', absoluteTimeout: '1h' } }, 'session.absoluteTimeout', /shorter/)
  for (const good of [172800, '2d', '48h', '2880m', { days: 2 }, { hours: 47, minutes: 60 }]) {
    assert.equal(createLoginManager({ ...base, remember: { duration: good } }).rememberCookie.duration, 172800, JSON.stringify(good))
  }
})

test('test_set_cookie_with_invalid_custom_duration_raises_exception: loginUser names `duration`', async () => {
  const m = createLoginManager({ ...base })
  const auth = new RequestAuth(m, { method: 'POST', url: 'http://localhost/', header: () => null })
  for (const bad of ['123', -1, 0, {}, 'forever']) {
    await assert.rejects(auth.loginUser({ id: 1 }, { remember: true, duration: bad as never }), (e: unknown) => e instanceof ArgumentError && /`duration`/.test(e.message))
  }
  await assert.rejects(auth.isFresh('nope'), (e: unknown) => e instanceof ArgumentError && /`within`/.test(e.message))
  await assert.rejects(auth.loginUser(null as never), ArgumentError)
})

test('enumerations and types', () => {
  rejects({ ...base, sessionProtection: 'paranoid' }, 'sessionProtection')
  rejects({ ...base, exemptMethods: 'OPTIONS' }, 'exemptMethods')
  rejects({ ...base, exemptMethods: [1] }, 'exemptMethods')
  rejects({ ...base, trustProxy: 'yes' }, 'trustProxy')
  rejects({ ...base, trustProxy: -1 }, 'trustProxy')
  rejects({ ...base, ambient: 'true' }, 'ambient')
  rejects({ ...base, useSessionForNext: 1 }, 'useSessionForNext')
  rejects({ ...base, nextField: '' }, 'nextField')
  rejects({ ...base, remember: { refreshEachRequest: 'yes' } }, 'remember.refreshEachRequest')
  for (const k of ['userLoader', 'requestLoader', 'getId', 'isActive', 'anonymousUser', 'authEpoch', 'localize', 'unauthorizedHandler', 'needsRefreshHandler', 'now']) {
    rejects({ ...base, [k]: 'not a function' }, k, /function/)
  }
  for (const k of ['loginView', 'refreshView', 'forceHostForRedirects', 'loginMessage', 'needsRefreshMessage', 'loginMessageCategory', 'needsRefreshMessageCategory', 'wwwAuthenticate']) {
    rejects({ ...base, [k]: 42 }, k, /string/)
  }
  rejects({ ...base, loginViews: { admin: '/admin/login' } }, 'loginViews', /prefixes/)
  rejects({ ...base, refreshViews: { '/admin': 3 } }, 'refreshViews')
})

test('cookie settings', () => {
  rejects({ ...base, session: { name: 'bad name' } }, 'session.name', /token/)
  rejects({ ...base, remember: { name: 'a;b' } }, 'remember.name')
  rejects({ ...base, session: { path: 'relative' } }, 'session.path')
  rejects({ ...base, remember: { path: '/a;b' } }, 'remember.path')
  rejects({ ...base, remember: { domain: 'evil.com; Secure' } }, 'remember.domain')
  rejects({ ...base, session: { secure: 'maybe' } }, 'session.secure')
  rejects({ ...base, session: { httpOnly: 'no' } }, 'session.httpOnly')
  rejects({ ...base, session: { sameSite: 'lax' } }, 'session.sameSite')
  rejects({ ...base, remember: { sameSite: 'None', secure: false } }, 'remember.sameSite', /Secure/)
  rejects({ ...base, session: { name: '__Host-s', domain: 'example.com' } }, 'session.name', /__Host-/)
  rejects({ ...base, session: { name: '__Host-s', path: '/app' } }, 'session.name')
  rejects({ ...base, session: { name: '__Host-s', secure: false } }, 'session.name')
})

test('store and remember format', () => {
  rejects({ ...base, store: {} }, 'store', /get\(\)/)
  const store = memoryStore()
  const partial = { get: store.get, create: store.create, update: store.update, rotate: store.rotate, touch: store.touch, destroy: store.destroy, destroyUserSessions: store.destroyUserSessions }
  rejects({ ...base, store: partial }, 'store', /listUserSessions/)
  // A store written before rotate() joined the contract is refused at start-up, naming it.
  const { rotate: _rotate, ...unrotated } = { ...partial, listUserSessions: store.listUserSessions }
  rejects({ ...base, store: unrotated }, 'store', /rotate\(\)/)
  rejects({ ...base, remember: { format: 'jwt' } }, 'remember.format')
  rejects({ ...base, remember: { format: 'flask-login' } }, 'remember.flaskSecretKey', /SECRET_KEY/)
  assert.doesNotThrow(() => createLoginManager({ ...base, store: memoryStore() }))
})

test('the resolved defaults are Flask-Login\'s', () => {
  const m = createLoginManager({ ...base })
  assert.equal(m.rememberCookie.name, 'remember_token')
  assert.equal(m.rememberCookie.duration, 365 * 86400)
  assert.equal(m.rememberCookie.refreshEachRequest, false)
  assert.deepEqual([m.rememberCookie.path, m.rememberCookie.httpOnly, m.rememberCookie.sameSite, m.rememberCookie.secure], ['/', true, 'Lax', 'auto'])
  assert.deepEqual([m.sessionCookie.path, m.sessionCookie.httpOnly, m.sessionCookie.sameSite], ['/', true, 'Lax'])
  assert.equal(m.sessionProtection, 'basic')
  assert.equal(m.nextField, 'next')
  assert.deepEqual([...m.exemptMethods], ['OPTIONS'])
  assert.deepEqual(m.timeouts, { idleTimeout: 7200, absoluteTimeout: 43200, touchInterval: 300 })
})
