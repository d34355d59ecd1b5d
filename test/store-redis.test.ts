import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { testRememberTokenStore, testStore } from '../src/testing/index.ts'
import { redisStore, type RedisStore } from '../src/stores/redis.ts'
import { randomToken } from '../src/crypto/primitives.ts'
import type { SessionRecord } from '../src/session/store.ts'
import { redisUrl, serviceSkip, testNamespace } from './helpers/services.ts'
import { connectRedis, deletePrefix, type RedisFlavour, type TestRedisClient } from './helpers/redis-clients.ts'

const skip = serviceSkip('redis')
const ns = testNamespace(import.meta.url)

for (const flavour of ['node-redis', 'ioredis'] as const) {
  let conn: Promise<TestRedisClient> | undefined
  const client = () => (conn ??= connectRedis(flavour, redisUrl()!))
  // Each test gets its own prefix: a fresh, empty store.
  const make = async () => redisStore({ client: (await client()).client, prefix: `${ns}:${flavour}:${randomToken(6)}:` })
  const teardown = async () => {
    if (!conn) return
    const c = await conn
    await deletePrefix(flavour, c.client, `${ns}:${flavour}:`)
    await c.close()
    conn = undefined
  }
  testStore(`redis store (${flavour})`, make, { skip })
  testRememberTokenStore(`redis store (${flavour})`, make, { skip, teardown })
}

function rec(userId: string, over: Partial<SessionRecord> = {}): SessionRecord {
  const now = Math.floor(Date.now() / 1000)
  return { userId, data: { _user_id: userId, list: [], empty: {} }, createdAt: now, lastSeenAt: now, expiresAt: now + 3600, ip: null, userAgent: null, rememberSelector: null, ...over }
}

for (const flavour of ['node-redis', 'ioredis'] as const) {
  describe(`redis store (${flavour}): TTLs, key layout, scripts, errors`, { skip }, () => {
    let c: TestRedisClient
    const prefix = `${ns}:x:${flavour}:`
    const cmd = (...args: string[]): Promise<any> =>
      flavour === 'node-redis' ? c.client.sendCommand(args) : c.client.call(args[0], args.slice(1))
    let store: RedisStore
    before(async () => {
      c = await connectRedis(flavour as RedisFlavour, redisUrl()!)
      store = redisStore({ client: c.client, prefix })
    })
    after(async () => {
      await deletePrefix(flavour, c.client, prefix)
      await c.close()
    })

    it('keeps records under the documented keys, with TTLs no later than their expiry', async () => {
      const id = randomToken(32)
      const r = rec('alice', { expiresAt: Math.floor(Date.now() / 1000) + 600 })
      await store.create(id, r, 3600)
      const pttl = Number(await cmd('PTTL', `${prefix}s:${id}`))
      assert.ok(pttl > 590_000 && pttl <= 600_000, `session TTL ${pttl}`)
      assert.equal(await cmd('TYPE', `${prefix}{u:alice}:s`), 'zset')
      assert.deepEqual(await cmd('ZRANGE', `${prefix}{u:alice}:s`, '0', '-1'), [id])
      const ittl = Number(await cmd('PTTL', `${prefix}{u:alice}:s`))
      assert.ok(ittl > 590_000 && ittl <= 600_000, `index TTL ${ittl}`)
      // The stored value is plain JSON, activity fields first (the touch script relies on it).
      assert.match(await cmd('GET', `${prefix}s:${id}`), /^\{"lastSeenAt":\d+,"expiresAt":\d+,"userId":"alice"/)
    })

    it('update (SET XX) and touch (script) move the TTL with the record, and never revive it', async () => {
      const id = randomToken(32)
      const now = Math.floor(Date.now() / 1000)
      await store.create(id, rec('bob', { expiresAt: now + 100 }), 100)
      assert.equal(await store.update(id, rec('bob', { expiresAt: now + 2000, data: { x: 1 } }), 2000), true)
      assert.ok(Number(await cmd('PTTL', `${prefix}s:${id}`)) > 1_900_000)
      assert.ok(Number(await cmd('PTTL', `${prefix}{u:bob}:s`)) > 1_900_000, 'index TTL follows')
      assert.equal(await store.touch(id, now + 1, now + 50, 50), true)
      const pttl = Number(await cmd('PTTL', `${prefix}s:${id}`))
      assert.ok(pttl > 40_000 && pttl <= 50_000, `touched TTL ${pttl}`)
      assert.deepEqual((await store.get(id))!.data, { x: 1 })
      await store.destroy(id)
      assert.equal(await store.touch(id, now + 2, now + 60, 60), false)
      assert.equal(await store.update(id, rec('bob'), 60), false)
      assert.equal(await cmd('EXISTS', `${prefix}s:${id}`), 0)
    })

    it('keeps data that a Lua JSON codec would mangle (empty arrays, big numbers, escapes)', async () => {
      const id = randomToken(32)
      const data = { list: [], obj: {}, big: 2 ** 53 - 1, s: 'a,"b"}\\\u0000 ✓', nested: [[], {}] }
      const r = rec('carol', { data })
      await store.create(id, r, 3600)
      await store.touch(id, r.lastSeenAt + 1, r.expiresAt + 1, 3601)
      assert.deepEqual((await store.get(id))!.data, data)
    })

    it('drops index entries whose session is gone when the list is read', async () => {
      const ids = [randomToken(32), randomToken(32), randomToken(32)]
      for (const id of ids) await store.create(id, rec('dave'), 3600)
      await store.destroy(ids[1])
      assert.deepEqual((await store.listUserSessions('dave')).map((s) => s.id).sort(), [ids[0], ids[2]].sort())
      assert.deepEqual((await cmd('ZRANGE', `${prefix}{u:dave}:s`, '0', '-1')).sort(), [ids[0], ids[2]].sort())
    })

    it('index keys of one user share a hash tag (one Redis Cluster slot)', async () => {
      const t = { selector: randomToken(16), validatorHash: 'h', previousHash: null, rotatedAt: null, userId: 'erin', createdAt: 1, expiresAt: Math.floor(Date.now() / 1000) + 60, lastUsedAt: 1 }
      await store.createToken(t, 60)
      await store.create(randomToken(32), rec('erin'), 60)
      assert.equal(await cmd('TYPE', `${prefix}t:${t.selector}`), 'hash')
      assert.equal(await cmd('EXISTS', `${prefix}{u:erin}:t`), 1)
      assert.equal(await cmd('EXISTS', `${prefix}{u:erin}:s`), 1)
    })

    it('reloads its scripts after SCRIPT FLUSH (a restart or failover)', async () => {
      const id = randomToken(32)
      const r = rec('frank')
      await store.create(id, r, 3600)
      await cmd('SCRIPT', 'FLUSH')
      assert.equal(await store.touch(id, r.lastSeenAt + 5, r.expiresAt, 3600), true)
      assert.equal((await store.get(id))!.lastSeenAt, r.lastSeenAt + 5)
    })

    it('lets client errors through (the backend turns them into a 503)', async () => {
      const dead = await connectRedis(flavour as RedisFlavour, redisUrl()!)
      const s = redisStore({ client: dead.client, prefix })
      await dead.close()
      await assert.rejects(s.get(randomToken(32)))
      await assert.rejects(s.touch(randomToken(32), 1, 2, 3))
    })
  })
}
