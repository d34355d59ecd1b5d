// doorman/throttle: the policy on a fake clock, address normalisation, and every engine through
// the ThrottleStore conformance suite (Redis and PostgreSQL skip locally when absent, run in CI).
import { describe, it, after, before } from 'node:test'
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import pg from 'pg'
import { createClient } from 'redis'
import { Redis as IoRedis } from 'ioredis'
import {
  clientNetwork, createLoginThrottle, memoryThrottleStore, normalizeUsername, postgresThrottleStore, redisThrottleStore,
  sqliteThrottleStore, throttledResponse, DEFAULT_THROTTLE_POLICY, type LoginThrottleOptions, type ThrottleStore,
} from '../src/throttle/index.ts'
import { testThrottleStore } from '../src/testing/index.ts'
import { ConfigError, StoreError, ThrottledError } from '../src/errors.ts'
import { databaseUrl, redisUrl, serviceSkip, testNamespace } from './helpers/services.ts'

const SECRET = 'throttle-test-secret-Hq2Wv8Xk4Lp0Zr6Tm3Nb9Jd1Fc'
const NS = testNamespace(import.meta.url)

/** A throttle on a memory store and a fake clock (seconds, advanced by hand). */
function setup(options: Partial<LoginThrottleOptions> = {}, store: ThrottleStore = memoryThrottleStore()) {
  const clock = { t: 1_900_000_000 }
  const throttle = createLoginThrottle({ store, secret: SECRET, now: () => clock.t * 1000, ...options })
  return { throttle, clock, store }
}

/** Try to log in with a wrong password: check, and record the failure when let through. */
async function wrong(t: ReturnType<typeof setup>['throttle'], username: string, ip: string) {
  const v = await t.check({ username, ip })
  if (v.allowed) await t.failure({ username, ip })
  return v
}

describe('throttle: usernames and addresses', () => {
  it('usernames are counted case-folded and NFKC-normalised', () => {
    for (const same of ['Alice', 'ALICE', ' alice ', 'ａｌｉｃｅ', 'ALİCE'.normalize('NFKC').replace('İ', 'I')]) assert.equal(normalizeUsername(same), 'alice', same)
    assert.equal(normalizeUsername('Straße'), normalizeUsername('STRASSE'))
    assert.equal(normalizeUsername('ﬁnn'), 'finn')
    assert.equal(normalizeUsername(['alice']), '')
    assert.equal(normalizeUsername('x'.repeat(100_000)).length, 256)
  })

  it('IPv6 counts by /64, every spelling of an address alike; IPv4-mapped counts as IPv4', () => {
    const net = clientNetwork('2001:db8:1:2::1')
    for (const same of ['2001:DB8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0db8:0001:0002:0:0:0:9', '[2001:db8:1:2::7]:443', '2001:db8:1:2::1%eth0']) {
      assert.equal(clientNetwork(same), net, same)
    }
    for (const other of ['2001:db8:1:3::1', '2001:db8:2:2::1', '2001:db9:1:2::1']) assert.notEqual(clientNetwork(other), net, other)
    assert.equal(clientNetwork('::ffff:203.0.113.9'), '4:203.0.113.9')
    assert.equal(clientNetwork('::ffff:cb00:7109'), '4:203.0.113.9')
    assert.equal(clientNetwork('203.0.113.9'), '4:203.0.113.9')
    assert.equal(clientNetwork('203.0.113.9:5678'), '4:203.0.113.9')
    assert.notEqual(clientNetwork('203.0.113.9'), clientNetwork('203.0.113.10'))
    assert.equal(clientNetwork('2001:db8::1', 48), clientNetwork('2001:db8:0:ffff::1', 48))
    assert.equal(clientNetwork(undefined), 'unknown')
    for (const junk of ['junk', '1.2.3.256', '01.2.3.4', '1::2::3', '12345::', ':::', '1.2.3.4.5']) assert.equal(clientNetwork(junk), 'invalid', junk)
  })
})

describe('throttle policy (memory store, fake clock)', () => {
  it('100 failures on one account in a minute from one client: 5 get through, the rest wait', async () => {
    const { throttle, clock } = setup()
    let through = 0
    let maxWait = 0
    for (let i = 0; i < 100; i++) {
      // The client also rotates through its IPv6 /64: one bucket all the same.
      const v = await wrong(throttle, 'alice', `2001:db8:aa:bb::${(i + 1).toString(16)}`)
      if (v.allowed) through++
      else maxWait = Math.max(maxWait, v.retryAfter)
      clock.t += 0.6
    }
    assert.equal(through, 5)
    assert.ok(maxWait > 0 && maxWait <= 900, `retryAfter ${maxWait}`)
    clock.t += 900
    assert.equal((await throttle.check({ username: 'alice', ip: '2001:db8:aa:bb::1' })).allowed, true)
  })

  it('100 failures on one account in a minute from 100 clients: each client is paced after its first failure', async () => {
    const { throttle, clock } = setup()
    let through = 0
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 100; i++) {
        if ((await wrong(throttle, 'alice', `198.51.100.${i}`)).allowed) through++
        clock.t += 0.3
      }
    }
    // The first try of each client, then the account's backoff (it grows with the account's
    // failures, up to 15 minutes) holds every second try made within the minute.
    assert.equal(through, 100)
  })

  it("an attacker elsewhere cannot lock the victim out: a trusted network is not slowed, a new one waits at most 15 minutes per try", async () => {
    const { throttle, clock } = setup()
    const home = '192.0.2.10'
    const cafe = '2001:db8:cafe:1::10'
    await throttle.check({ username: 'alice', ip: home })
    await throttle.success({ username: 'alice', ip: home })
    let victimAtHome = 0
    let victimAtCafe = 0
    let cafeWaits: number[] = []
    let next = clock.t
    // Three hours of an attack from a /24 (256 addresses) and a /48 of IPv6 (many /64s), a try
    // every three seconds (the victim's side is checked every second).
    for (let s = 0; s < 3 * 3600; s++) {
      const ip = s % 2 ? `203.0.113.${s % 256}` : `2001:db8:bad:${(s % 5000).toString(16)}::1`
      if (s % 3 === 0) await wrong(throttle, 'alice', ip)
      if (s % 600 === 0) {
        // At home, every ten minutes: always let through, typos included.
        const v = await throttle.check({ username: 'alice', ip: home })
        assert.equal(v.allowed, true, `home at ${s}s: ${JSON.stringify(v)}`)
        await throttle.failure({ username: 'alice', ip: home })
        victimAtHome++
        if (victimAtHome % 2 === 0) await throttle.success({ username: 'alice', ip: home })
      }
      if (clock.t >= next) {
        const v = await throttle.check({ username: 'alice', ip: cafe })
        if (v.allowed) {
          victimAtCafe++
          await throttle.failure({ username: 'alice', ip: cafe })
        } else {
          // The account's backoff, or the victim's own five quick typos (the pair limit).
          assert.ok(v.reason === 'account' || v.reason === 'account-address', v.reason)
          cafeWaits.push(v.retryAfter)
          next = clock.t + v.retryAfter
        }
      }
      clock.t += 1
    }
    assert.ok(Math.max(...cafeWaits) <= DEFAULT_THROTTLE_POLICY.perAccount.maxDelay, `waits ${Math.max(...cafeWaits)}`)
    assert.ok(victimAtCafe >= 3 * 4, `the new network got ${victimAtCafe} tries in 3 hours`)
    assert.ok(victimAtHome >= 18)
  })

  it('IPv6 addresses in one /64 share a bucket; different /64s do not', async () => {
    const { throttle } = setup({ perAddress: { limit: 10 } })
    for (let i = 0; i < 10; i++) assert.equal((await wrong(throttle, `user${i}`, `2001:db8:1:2::${i + 1}`)).allowed, true)
    const v = await throttle.check({ username: 'someone-else', ip: '2001:db8:1:2:dead:beef:0:1' })
    assert.deepEqual([v.allowed, v.reason], [false, 'address'])
    assert.equal((await throttle.check({ username: 'someone-else', ip: '2001:db8:1:3::1' })).allowed, true)
    // IPv4 and its IPv4-mapped form are one client.
    const t2 = setup({ perAddress: { limit: 3 } }).throttle
    for (const ip of ['203.0.113.5', '::ffff:203.0.113.5', '::FFFF:CB00:7105']) await wrong(t2, `u-${ip}`, ip)
    assert.equal((await t2.check({ username: 'x', ip: '203.0.113.5' })).reason, 'address')
  })

  it('the per-address limit stops credential stuffing across accounts', async () => {
    const { throttle, clock } = setup()
    let through = 0
    for (let i = 0; i < 500; i++) {
      if ((await wrong(throttle, `victim${i}`, '203.0.113.77')).allowed) through++
      clock.t += 1
    }
    assert.equal(through, 100)
  })

  it('a success resets (account, address), not the address or the account', async () => {
    const { throttle } = setup({ perAddress: { limit: 8 } })
    const ip = '198.51.100.1'
    for (let i = 0; i < 4; i++) await wrong(throttle, 'bob', ip)
    await throttle.check({ username: 'bob', ip })
    await throttle.success({ username: 'bob', ip })
    let through = 0
    for (let i = 0; i < 10; i++) if ((await wrong(throttle, 'bob', ip)).allowed) through++
    // The pair starts again at 0, but the address had 4 failures of its 8.
    assert.equal(through, 4)
    assert.equal((await throttle.check({ username: 'bob', ip })).reason, 'address')
  })

  it('parallel attempts cannot slip past a limit: a burst of 50 gets exactly 5 through', async () => {
    const { throttle } = setup()
    const verdicts = await Promise.all(Array.from({ length: 50 }, () => throttle.check({ username: 'carol', ip: '192.0.2.99' })))
    assert.equal(verdicts.filter((v) => v.allowed).length, 5)
    // The refused ones gave their reservation back; the five allowed settle as failures.
    for (let i = 0; i < 5; i++) await throttle.failure({ username: 'carol', ip: '192.0.2.99' })
    const v = await throttle.check({ username: 'carol', ip: '192.0.2.99' })
    assert.deepEqual([v.allowed, v.reason], [false, 'account-address'])
  })

  it('account backoff grows exponentially and is capped', async () => {
    const { throttle, clock } = setup({ perAccountAddress: { limit: 1000 } })
    const waits: number[] = []
    for (let i = 0; i < 20; i++) {
      let v = await throttle.check({ username: 'dave', ip: '192.0.2.1' })
      if (!v.allowed) {
        waits.push(v.retryAfter)
        clock.t += v.retryAfter
        v = await throttle.check({ username: 'dave', ip: '192.0.2.1' })
      }
      assert.equal(v.allowed, true)
      await throttle.failure({ username: 'dave', ip: '192.0.2.1' })
    }
    assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900])
    // The account's window (a day) ends: its count starts again.
    clock.t += 86400
    assert.equal((await throttle.check({ username: 'dave', ip: '192.0.2.1' })).allowed, true)
  })

  it('trust: a success makes the network trusted (no account backoff); `trusted: true` does the same; it expires', async () => {
    const { throttle, clock } = setup({ perAccountAddress: { limit: 100 }, trustDuration: '1d' })
    for (let i = 0; i < 10; i++) await wrong(throttle, 'erin', `203.0.113.${i}`)
    await throttle.failure({ username: 'erin', ip: '192.0.2.5' })
    assert.equal((await throttle.check({ username: 'erin', ip: '192.0.2.5' })).reason, 'account')
    assert.equal((await throttle.check({ username: 'erin', ip: '192.0.2.5', trusted: true })).allowed, true)
    await throttle.success({ username: 'erin', ip: '192.0.2.5' })
    for (let i = 10; i < 20; i++) await wrong(throttle, 'erin', `203.0.113.${i}`)
    for (let i = 0; i < 5; i++) {
      assert.equal((await throttle.check({ username: 'erin', ip: '192.0.2.5' })).allowed, true)
      await throttle.failure({ username: 'erin', ip: '192.0.2.5' })
    }
    clock.t += 86400
    for (let i = 20; i < 30; i++) await wrong(throttle, 'erin', `203.0.113.${i}`)
    await throttle.failure({ username: 'erin', ip: '192.0.2.5' })
    assert.equal((await throttle.check({ username: 'erin', ip: '192.0.2.5' })).reason, 'account')
  })

  it('untrustedLimit refuses untrusted clients past a hard account limit, never trusted ones', async () => {
    const { throttle } = setup({ perAccount: { untrustedLimit: 20 } })
    await throttle.check({ username: 'fay', ip: '192.0.2.8' })
    await throttle.success({ username: 'fay', ip: '192.0.2.8' })
    for (let i = 0; i < 20; i++) await wrong(throttle, 'fay', `203.0.113.${i}`)
    assert.equal((await throttle.check({ username: 'fay', ip: '198.51.100.1' })).reason, 'account')
    assert.equal((await throttle.check({ username: 'fay', ip: '192.0.2.8' })).allowed, true)
  })

  it('enforce throws ThrottledError (429, retryAfter); throttledResponse sends Retry-After', async () => {
    const { throttle } = setup()
    for (let i = 0; i < 5; i++) await wrong(throttle, 'gus', '192.0.2.3')
    const err = await throttle.enforce({ username: 'gus', ip: '192.0.2.3' }).then(() => null, (e) => e)
    assert.ok(err instanceof ThrottledError)
    assert.equal(err.status, 429)
    assert.ok(err.retryAfter > 0 && err.retryAfter <= 900)
    const res = throttledResponse(err)
    assert.equal(res.status, 429)
    assert.equal(res.headers.get('retry-after'), String(err.retryAfter))
    const json = throttledResponse(12.2, { json: true })
    assert.equal(json.headers.get('retry-after'), '13')
    assert.equal((await json.json()).code, 'DOORMAN_THROTTLED')
  })

  it('onLoginFailure fires on every failure, onThrottled on every refusal; no password anywhere', async () => {
    const failures: unknown[] = []
    const refused: unknown[] = []
    const { throttle } = setup({ onLoginFailure: (e) => failures.push(e), onThrottled: (e) => refused.push(e) })
    for (let i = 0; i < 7; i++) await wrong(throttle, 'Hank', '2001:db8:5::1')
    assert.equal(failures.length, 5)
    assert.deepEqual(failures[4], { username: 'Hank', ip: '2001:db8:5::1', network: '6:2001:db8:5:0:0:0:0:0/64', failures: { account: 5, accountAddress: 5, address: 5 } })
    assert.equal(refused.length, 2)
    assert.equal((refused[0] as any).verdict.reason, 'account-address')
  })

  it('store keys hold no username and no address', async () => {
    const keys = new Set<string>()
    const inner = memoryThrottleStore()
    const spy: ThrottleStore = {
      hit: (k, w, n, d) => (keys.add(k), inner.hit(k, w, n, d)),
      peek: (k, n) => (keys.add(k), inner.peek(k, n)),
      reset: (k) => (keys.add(k), inner.reset(k)),
    }
    const { throttle } = setup({}, spy)
    await wrong(throttle, 'ivan@example.com', '203.0.113.200')
    await throttle.success({ username: 'ivan@example.com', ip: '203.0.113.200' })
    assert.equal(keys.size, 5)
    for (const k of keys) {
      assert.match(k, /^[anptc]:[A-Za-z0-9_-]{43}$/)
      assert.doesNotMatch(k, /ivan|203/)
    }
  })

  it('a store failure fails closed with a StoreError (503)', async () => {
    const broken: ThrottleStore = { hit: async () => { throw new Error('down') }, peek: async () => { throw new Error('down') }, reset: async () => {} }
    const { throttle } = setup({}, broken)
    await assert.rejects(throttle.check({ username: 'a', ip: '192.0.2.1' }), (e: unknown) => e instanceof StoreError && e.status === 503)
    await assert.rejects(throttle.failure({ username: 'a', ip: '192.0.2.1' }), StoreError)
  })

  it('positional arguments and hostile input work; bad options fail at construction', async () => {
    const { throttle } = setup()
    assert.equal((await throttle.check('judy', '192.0.2.4')).allowed, true)
    await throttle.failure('judy', '192.0.2.4')
    await throttle.success('judy', '192.0.2.4')
    for (const junk of [{ username: ['x'] as any, ip: 'junk' }, { username: 'x'.repeat(1e6), ip: undefined }, { username: '\u0000', ip: '::' }]) {
      await throttle.check(junk)
      await throttle.failure(junk)
    }
    const store = memoryThrottleStore()
    for (const bad of [{ store, secret: 'short' }, { store: {} as any, secret: SECRET }, { store, secret: SECRET, perAddress: { limit: 0 } },
      { store, secret: SECRET, perAccount: { maxDelay: 1, baseDelay: 10 } }, { store, secret: SECRET, trustDuration: true as any }, { store, secret: SECRET, onLoginFailure: 1 as any }]) {
      assert.throws(() => createLoginThrottle(bad as LoginThrottleOptions), ConfigError, JSON.stringify(Object.keys(bad)))
    }
  })
})

// ------------------------------------------------------------------ engines

testThrottleStore('memory throttle store', () => memoryThrottleStore())

testThrottleStore('sqlite throttle store (better-sqlite3)', () => sqliteThrottleStore({ db: new Database(':memory:') }))

describe('sqlite throttle store: table and sweep', () => {
  it('keeps its own table beside the session store, and sweeps expired rows', async () => {
    const db = new Database(':memory:')
    const store = sqliteThrottleStore({ db, tablePrefix: 'app_', sweepInterval: 60 })
    await store.hit('a:1', 10, 1000)
    await store.hit('a:2', 1000, 1000)
    assert.equal((db.prepare('SELECT count(*) AS n FROM app_throttle').get() as any).n, 2)
    await store.hit('a:3', 10, 1100)
    assert.deepEqual(db.prepare('SELECT key FROM app_throttle ORDER BY key').all().map((r: any) => r.key), ['a:2', 'a:3'])
    assert.throws(() => sqliteThrottleStore({ db, tablePrefix: 'x; DROP' }), ConfigError)
  })

  it('the policy holds across two throttles on one database (two instances)', async () => {
    const db = new Database(':memory:')
    const a = setup({}, sqliteThrottleStore({ db })).throttle
    const b = setup({}, sqliteThrottleStore({ db })).throttle
    for (let i = 0; i < 3; i++) await wrong(a, 'kim', '192.0.2.50')
    for (let i = 0; i < 2; i++) await wrong(b, 'kim', '192.0.2.50')
    assert.equal((await a.check({ username: 'kim', ip: '192.0.2.50' })).reason, 'account-address')
  })
})

const redisSkip = serviceSkip('redis')
const redisPrefix = `${NS}:throttle:`

describe('redis throttle stores', { skip: redisSkip }, () => {
  const nodeRedis = redisSkip ? null : createClient({ url: redisUrl() })
  const ioredis = redisSkip ? null : new IoRedis(redisUrl()!, { lazyConnect: true, maxRetriesPerRequest: 1 })
  // Connect when this suite starts, not when the file loads: the policy tests above keep the
  // event loop busy long enough for a connect timeout to fire first.
  let ready: Promise<unknown> | null = null
  before(() => {
    ready = Promise.all([nodeRedis!.connect(), ioredis!.connect()])
  })
  after(async () => {
    if (!nodeRedis) return
    await ready
    for await (const keys of nodeRedis.scanIterator({ MATCH: `${NS}:*`, COUNT: 500 })) if (keys.length) await nodeRedis.del(keys)
    await nodeRedis.quit()
    ioredis!.disconnect()
  })

  testThrottleStore('redis throttle store (node-redis)', async () => (await ready, redisThrottleStore({ client: nodeRedis!, prefix: `${redisPrefix}nr:` })))
  testThrottleStore('redis throttle store (ioredis)', async () => (await ready, redisThrottleStore({ client: ioredis!, prefix: `${redisPrefix}io:` })))

  it('node-redis and ioredis see the same counters; Redis forgets the key once the window is over', async () => {
    await ready
    const a = setup({}, redisThrottleStore({ client: nodeRedis!, prefix: redisPrefix })).throttle
    const b = setup({}, redisThrottleStore({ client: ioredis!, prefix: redisPrefix })).throttle
    for (let i = 0; i < 3; i++) await wrong(a, 'lee', '192.0.2.60')
    for (let i = 0; i < 2; i++) await wrong(b, 'lee', '192.0.2.60')
    assert.equal((await b.check({ username: 'lee', ip: '192.0.2.60' })).reason, 'account-address')
    const s = redisThrottleStore({ client: nodeRedis!, prefix: redisPrefix })
    await s.hit('ttl', 60, 1_900_000_000)
    const ttl = await nodeRedis!.ttl(`${redisPrefix}ttl`)
    assert.ok(ttl > 55 && ttl <= 62, `ttl ${ttl}`)
  })
})

const pgSkip = serviceSkip('postgres')

describe('postgres throttle store', { skip: pgSkip }, () => {
  const pool = pgSkip ? null : new pg.Pool({ connectionString: databaseUrl(), max: 8 })
  let ready: Promise<unknown> | null = null
  before(() => {
    ready = pool!.query(`CREATE SCHEMA IF NOT EXISTS ${NS}`)
  })
  after(async () => {
    if (!pool) return
    await pool.query(`DROP SCHEMA IF EXISTS ${NS} CASCADE`)
    await pool.end()
  })
  const make = async () => (await ready, postgresThrottleStore({ query: pool!.query.bind(pool!), schema: NS }))

  testThrottleStore('postgres throttle store (pg)', make)

  it('the policy holds across two throttles on one database (two instances), under parallel load', async () => {
    const a = setup({}, await make()).throttle
    const b = setup({}, await make()).throttle
    const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).check({ username: 'mia', ip: '192.0.2.70' })))
    assert.equal(verdicts.filter((v) => v.allowed).length, 5)
    const { rows } = await pool!.query(`SELECT count(*)::int AS n FROM ${NS}.doorman_throttle`)
    assert.ok(rows[0].n >= 2)
  })

  it('a bad schema or prefix is a ConfigError, not SQL', () => {
    assert.throws(() => postgresThrottleStore({ query: pool!.query.bind(pool!), schema: 'x"; DROP' }), ConfigError)
    assert.throws(() => postgresThrottleStore({ query: pool!.query.bind(pool!), tablePrefix: 'a b' }), ConfigError)
  })
})
