/**
 * @module test/unit/flask-options: `session.format: 'flask'` and the Flask keys are checked at
 * start-up, each bad option named; and the whole format runs on the Web Crypto path.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { ConfigError } from '../../src/errors.ts'
import { createLoginManager, type LoginManagerOptions } from '../../src/manager.ts'
import { memoryStore } from '../../src/stores/memory.ts'

const base = { secret: 'unit-secret-0123456789-abcdefghijklmnop', userLoader: () => null }
const KEY = 'flask-unit-secret-key-0123456789abcdef'
const flask = (session: Record<string, unknown>, more: Record<string, unknown> = {}) => ({ ...base, session: { format: 'flask', flaskSecretKey: KEY, ...session }, ...more })

function rejects(options: unknown, option: string, message?: RegExp): void {
  assert.throws(() => createLoginManager(options as LoginManagerOptions<object>), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`)
    assert.equal(e.option, option)
    if (message) assert.match(e.message, message)
    return true
  }, option)
}

test('session.flaskSecretKey: required, 16 bytes or more, not a placeholder, not low-entropy; text, bytes or a list', () => {
  rejects({ ...base, session: { format: 'flask' } }, 'session.flaskSecretKey', /SECRET_KEY/)
  rejects(flask({ flaskSecretKey: [] }), 'session.flaskSecretKey')
  rejects(flask({ flaskSecretKey: 'short' }), 'session.flaskSecretKey', /16 bytes/)
  rejects(flask({ flaskSecretKey: new Uint8Array(15).map((_, i) => i) }), 'session.flaskSecretKey', /16 bytes/)
  rejects(flask({ flaskSecretKey: 'super secret key' }), 'session.flaskSecretKey', /well-known/)
  rejects(flask({ flaskSecretKey: 'a'.repeat(40) }), 'session.flaskSecretKey', /low-entropy/)
  rejects(flask({ flaskSecretKey: [KEY, 'weak'] }), 'session.flaskSecretKey', /16 bytes/)
  rejects(flask({ flaskSecretKey: 42 }), 'session.flaskSecretKey', /string or a Uint8Array/)
  for (const ok of [KEY, new Uint8Array(24).map((_, i) => i * 7), [KEY, 'old-flask-key-0123456789-abcdefgh'], 'clé-ünïcode-🔑-0123456789']) {
    assert.ok(createLoginManager(flask({ flaskSecretKey: ok }) as LoginManagerOptions<object>).flaskSession)
  }
})

test('Flask format options: checked, defaulted to Flask’s, refused with the sealed format', () => {
  const m = createLoginManager(flask({}) as LoginManagerOptions<object>)
  assert.deepEqual({ ...m.flaskSession, keys: undefined }, { keys: undefined, lifetime: 31 * 86400, refreshEachRequest: true, identifier: '0.6' })
  rejects(flask({ format: 'cbor' }), 'session.format')
  rejects(flask({ flaskLoginIdentifier: '0.7' }), 'session.flaskLoginIdentifier')
  rejects(flask({ permanentSessionLifetime: 'forever' }), 'session.permanentSessionLifetime')
  rejects(flask({ refreshEachRequest: 'yes' }), 'session.refreshEachRequest')
  for (const k of ['idleTimeout', 'absoluteTimeout', 'touchInterval']) rejects(flask({ [k]: 60 }), `session.${k}`, /permanentSessionLifetime/)
  rejects({ ...base, session: { flaskSecretKey: KEY } }, 'session.flaskSecretKey', /only applies/)
  rejects({ ...base, session: { permanentSessionLifetime: 60 } }, 'session.permanentSessionLifetime', /only applies/)
  rejects(flask({}, { store: memoryStore() }), 'store')
  rejects(flask({}, { authEpoch: () => 1 }), 'authEpoch')
  rejects(flask({ partitioned: true, secure: false }), 'session.partitioned', /Secure/)
  assert.equal(createLoginManager(flask({ permanentSessionLifetime: '1h' }) as LoginManagerOptions<object>).flaskSession!.lifetime, 3600)
})

test('remember.flaskSecretKey: text (Latin-1) or bytes', () => {
  const r = (flaskSecretKey: unknown) => ({ ...base, remember: { format: 'flask-login', flaskSecretKey } })
  rejects(r(''), 'remember.flaskSecretKey')
  rejects(r('key-with-€-sign'), 'remember.flaskSecretKey', /Latin-1/)
  rejects(r(7), 'remember.flaskSecretKey')
  for (const ok of ['deterministic', 'clé-ÿ', new Uint8Array([1, 2, 3])]) assert.ok(createLoginManager(r(ok) as LoginManagerOptions<object>))
})

test('partitioned session cookie (SESSION_COOKIE_PARTITIONED) is sent Partitioned and Secure', () => {
  const m = createLoginManager(flask({ partitioned: true }) as LoginManagerOptions<object>)
  assert.deepEqual([m.cookieAttributes('session', false).partitioned, m.cookieAttributes('session', false).secure], [true, true])
})

test('the Flask format on the Web Crypto path: vectors, the inflate cap, a login', () => {
  const probe = fileURLToPath(new URL('../fixtures/flask/webcrypto-probe.ts', import.meta.url))
  const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', probe], { encoding: 'utf8' }))
  assert.deepEqual(out, { vectors: 'all', bomb: null, readyIsPromise: true, userId: '7', after: '7' })
})
