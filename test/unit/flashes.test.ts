/**
 * @module test/unit/flashes: the bounded flash list (issue #10 item 2) and the cookie budget as
 * RFC 6265 §6.1 counts it: doorman's own data is dropped to fit, the app's own oversized data is a
 * `SessionTooLargeError` where it is written.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RequestAuth } from '../../src/auth.ts'
import { SessionTooLargeError } from '../../src/errors.ts'
import { MAX_COOKIE_SIZE, MAX_FLASHES, MAX_FLASH_SIZE } from '../../src/defaults.ts'
import { addFlash, boundedFlashes } from '../../src/flashes.ts'
import { createLoginManager, type LoginManagerOptions } from '../../src/manager.ts'
import { memoryStore } from '../../src/stores/memory.ts'

const SECRET = 'unit-secret-0123456789-abcdefghijklmnop'
type U = { id: string }

function requestOn(options: Partial<LoginManagerOptions<U>> = {}) {
  const manager = createLoginManager<U>({ secret: SECRET, userLoader: (id) => ({ id }), ...options })
  return (url = 'https://app.test/', cookie?: string) =>
    new RequestAuth(manager, { method: 'GET', url, header: (n) => (n === 'cookie' ? (cookie ?? null) : null), remoteAddress: '127.0.0.1' })
}

test('the same flash is kept once, at its newest place; at most MAX_FLASHES, the oldest dropped', () => {
  let list = addFlash(undefined, ['message', 'a'])
  list = addFlash(list, ['info', 'b'])
  list = addFlash(list, ['message', 'a'])
  assert.deepEqual(list, [['info', 'b'], ['message', 'a']])
  // Same text, another category: a different flash.
  assert.deepEqual(addFlash(list, ['error', 'a']), [['info', 'b'], ['message', 'a'], ['error', 'a']])
  for (let i = 0; i < 25; i++) list = addFlash(list, ['message', `m${i}`])
  assert.equal(list.length, MAX_FLASHES)
  assert.deepEqual(list.at(0), ['message', `m${25 - MAX_FLASHES}`])
  assert.deepEqual(list.at(-1), ['message', 'm24'])
})

test('a stored list from elsewhere (tampered, an old version) reads bounded and well-formed', () => {
  assert.deepEqual(boundedFlashes('nope'), [])
  assert.deepEqual(boundedFlashes([['a', 'b'], ['a'], [1, 2], null, ['a', 'b'], ['c', 'd', 'e'], ['c', 'd']]), [['a', 'b'], ['c', 'd']])
  assert.equal(boundedFlashes(Array.from({ length: 500 }, (_, i) => ['m', String(i)])).length, MAX_FLASHES)
})

test('an app flashing a message over MAX_FLASH_SIZE gets SessionTooLargeError from flash(), with a stable code', async () => {
  const auth = requestOn()()
  await auth.flash('ok'.repeat(MAX_FLASH_SIZE / 4))
  await assert.rejects(auth.flash('é'.repeat(MAX_FLASH_SIZE / 2)), (e: unknown) => {
    assert.ok(e instanceof SessionTooLargeError)
    assert.equal(e.code, 'DOORMAN_SESSION_TOO_LARGE')
    assert.equal(e.limit, MAX_FLASH_SIZE)
    assert.equal(e.size, 'message'.length + MAX_FLASH_SIZE)
    assert.match(e.message, /flashed message of 1031 bytes .* over the 1024-byte limit/)
    return true
  })
  // What was flashed before still commits.
  assert.equal((await auth.commit()).length, 1)
})

for (const mode of ['cookie', 'store'] as const) {
  const store = () => (mode === 'store' ? { store: memoryStore() } : {})

  test(`[${mode}] the budget counts the attributes: app data that fits name+value but not the whole line is refused`, async () => {
    const open = requestOn({ ...store(), session: { domain: 'app.test', path: '/some/long/path/for/the/cookie' } })
    // Find the largest app value whose cookie still fits, then one that passes only with attributes.
    let fit = 0
    for (let n = 2000; n < 4000; n += 10) {
      const auth = open()
      ;(await auth.session()).set('big', 'x'.repeat(n))
      try {
        const [line] = await auth.commit()
        assert.ok(line.length <= MAX_COOKIE_SIZE, `${line.length} bytes`)
        fit = n
      } catch (e) {
        assert.ok(e instanceof SessionTooLargeError)
        assert.ok(e.size > MAX_COOKIE_SIZE && e.size - MAX_COOKIE_SIZE < 100, `${e.size}`)
        assert.match(e.message, /name, value and attributes/)
        break
      }
    }
    assert.ok(fit > 2000, `fit ${fit}`)
  })

  test(`[${mode}] doorman's own data is dropped to fit beside large app data: flashes, oldest first`, async () => {
    const open = requestOn(store())
    const auth = open()
    const s = await auth.session()
    s.set('big', 'x'.repeat(2400))
    for (let i = 0; i < MAX_FLASHES; i++) await auth.flash(`flash ${i} ${'-'.repeat(80)}`)
    const [line] = await auth.commit()
    assert.ok(line.length <= MAX_COOKIE_SIZE)
    const value = line.slice(line.indexOf('=') + 1, line.indexOf(';'))
    const next = open('https://app.test/', `session=${value}`)
    assert.equal((await next.session()).get('big'), 'x'.repeat(2400))
    const kept = await next.getFlashedMessages()
    assert.ok(kept.length > 0 && kept.length < MAX_FLASHES, `${kept.length} kept`)
    assert.match(kept.at(-1)!, /^flash 9 /)
  })

  test(`[${mode}] with useSessionForNext, a very long protected URL does not fail the redirect (next is dropped, not the request)`, async () => {
    const open = requestOn({ ...store(), useSessionForNext: true, loginView: '/login' })
    const auth = open(`https://app.test/private?q=${'a'.repeat(3800)}`)
    const res = await (await import('../../src/unauthorized.ts')).unauthorized(auth as never)
    assert.equal(res.status, 302)
    const [line] = await auth.commit()
    assert.ok(line.length <= MAX_COOKIE_SIZE)
  })
}
