/**
 * @module test/unit/user: Flask-Login parity A (UserMixin, AnonymousUser, sameUser) and the
 * default ways doorman reads plain-object users.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AnonymousUser, UserMixin, defaultGetId, defaultIsActive, sameUser } from '../../src/user.ts'
import { ArgumentError } from '../../src/errors.ts'
import { createLoginManager } from '../../src/manager.ts'

class ImplicitIdUser extends UserMixin {
  constructor(public override id: unknown) {
    super()
  }
}
class ExplicitIdUser extends UserMixin {
  constructor(public name: string) {
    super()
  }
}
class InactiveUser extends UserMixin {
  constructor(public override id: unknown) {
    super()
  }
  override get isActive(): boolean {
    return false
  }
}

test('test_default_values: active, authenticated, not anonymous', () => {
  const user = new ImplicitIdUser(1)
  assert.equal(user.isActive, true)
  assert.equal(user.isAuthenticated, true)
  assert.equal(user.isAnonymous, false)
})

test('authenticated follows active (Flask-Login 0.6)', () => {
  const user = new InactiveUser(1)
  assert.equal(user.isActive, false)
  assert.equal(user.isAuthenticated, false)
})

test('test_get_id_from_id_attribute: the id as a string', () => {
  assert.equal(new ImplicitIdUser(1).getId(), '1')
  assert.equal(new ImplicitIdUser('佐藤').getId(), '佐藤')
  assert.equal(new ImplicitIdUser(0).getId(), '0')
})

test('test_get_id_not_implemented: no id is an error', () => {
  assert.throws(() => new ExplicitIdUser('Notch').getId(), ArgumentError)
  assert.throws(() => new ImplicitIdUser(null).getId(), ArgumentError)
})

test('test_equality: users compare equal by id through sameUser', () => {
  const first = new ImplicitIdUser(1)
  const same = new ImplicitIdUser(1)
  const sameAsString = new ImplicitIdUser('1')
  const different = new ImplicitIdUser(2)
  assert.equal(sameUser(first, same), true)
  assert.equal(sameUser(first, sameAsString), true)
  assert.equal(sameUser(first, different), false)
  assert.equal(sameUser(first, '1'), false)
  assert.equal(sameUser(first, null), false)
  assert.equal(sameUser(new ExplicitIdUser('a'), new ExplicitIdUser('a')), false, 'no id, never equal')
  assert.equal(sameUser({ id: 7 }, { id: '7' }), true)
  assert.equal(sameUser({ uuid: 'x' }, { uuid: 'x' }, (u) => u.uuid), true)
})

test('AnonymousUser (test_values): not active, not authenticated, anonymous, no id', () => {
  const user = new AnonymousUser()
  assert.equal(user.isActive, false)
  assert.equal(user.isAuthenticated, false)
  assert.equal(user.isAnonymous, true)
  assert.equal(user.getId(), null)
})

test('plain objects: the id from getId() or id, active unless isActive says otherwise', () => {
  assert.equal(defaultGetId({ id: 5 }), '5')
  assert.equal(defaultGetId({ getId: () => 'g', id: 'ignored' }), 'g')
  assert.throws(() => defaultGetId({ name: 'x' }), ArgumentError)
  assert.throws(() => defaultGetId({ getId: () => null }), ArgumentError)
  assert.equal(defaultIsActive({}), true)
  assert.equal(defaultIsActive({ isActive: false }), false)
  assert.equal(defaultIsActive({ isActive: () => false }), false)
  assert.equal(defaultIsActive({ isActive: true }), true)
  assert.equal(defaultIsActive(new InactiveUser(1)), false)
})

test('the manager reads users through its getId/isActive options, with the defaults otherwise', () => {
  const m = createLoginManager<{ uuid: string; disabled?: boolean }>({
    secret: 'unit-secret-0123456789-abcdefghijklmnop',
    userLoader: () => null,
    getId: (u) => u.uuid,
    isActive: (u) => !u.disabled,
  })
  assert.equal(m.getId({ uuid: 'abc' }), 'abc')
  assert.equal(m.isActive({ uuid: 'abc', disabled: true }), false)
  const d = createLoginManager<object>({ secret: 'unit-secret-0123456789-abcdefghijklmnop', userLoader: () => null })
  assert.equal(d.getId(new ImplicitIdUser(3)), '3')
  assert.equal(d.isActive(new InactiveUser(3)), false)
  assert.ok(d.anonymousUser() instanceof AnonymousUser)
  const custom = createLoginManager({ secret: 'unit-secret-0123456789-abcdefghijklmnop', userLoader: () => null, anonymousUser: () => ({ guest: true }) as never })
  assert.deepEqual(custom.anonymousUser(), { guest: true })
})
