/**
 * @module test/unit/protection-cache: the client identifier and the normalised address are
 * remembered for the last client and a bounded map of recent ones; whichever cache answers, and
 * in whatever order clients come, the answer is what computing it afresh gives.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { cachedClientIdentifier, normalizeIp } from '../../src/protection.ts'

const sha512 = (s: string) => createHash('sha512').update(s).digest('hex')

test('interleaved clients each get their own identifier, first time and every time after', () => {
  const clients: Array<[string | undefined, string | null | undefined]> = [
    ['10.0.0.1', 'Firefox'],
    ['10.0.0.1', 'Chrome'],
    ['10.0.0.2', 'Firefox'],
    [undefined, 'Firefox'],
    ['10.0.0.1', null],
    ['10.0.0.1', undefined],
    ['10.0.0.3', 'x'.repeat(2000)],
  ]
  for (let round = 0; round < 3; round++) {
    for (const [ip, ua] of [...clients, ...clients.slice().reverse()]) {
      assert.equal(cachedClientIdentifier(ip, ua), sha512(`${ip ?? ''}|${ua ?? ''}`))
      // The same client twice in a row (the last-client shortcut).
      assert.equal(cachedClientIdentifier(ip, ua), sha512(`${ip ?? ''}|${ua ?? ''}`))
    }
  }
})

test('normalizeIp answers the same whether or not the address was the last one seen', () => {
  const cases: Array<[string, string]> = [
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
    [' 10.0.0.1 ', '10.0.0.1'],
    ['[2001:DB8::1]', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'],
  ]
  for (let round = 0; round < 2; round++) {
    for (const [raw, want] of cases) {
      assert.equal(normalizeIp(raw), want)
      assert.equal(normalizeIp(raw), want)
    }
  }
  assert.equal(normalizeIp(''), undefined)
  assert.equal(normalizeIp(null), undefined)
})
