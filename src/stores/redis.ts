/**
 * Sessions and remember-me tokens in Redis, with native expiry.
 *
 * Give it the app's client: node-redis v4/v5 (`createClient`, `createCluster`, `createSentinel`) or
 * ioredis (`Redis`, also with `sentinels`, or `Cluster`); neither is a dependency. A session read
 * is one `GET`. Writes to an existing session use `SET … XX` or a one-key script that checks the
 * key still exists, so a request still running after a logout cannot bring the session back, and
 * every record carries a TTL (`PX`) no later than its `expiresAt`. Remember-me rotation is a
 * compare-and-swap in a script.
 *
 * Key layout (`<p>` is the prefix, `doorman:` by default):
 *
 * | key                      | type   | holds                                                    |
 * | ------------------------ | ------ | -------------------------------------------------------- |
 * | `<p>s:<id>`              | string | one session, JSON; TTL = its expiry                       |
 * | `<p>t:<selector>`        | hash   | one remember-me series; TTL = its absolute expiry         |
 * | `<p>{u:<userId>}:s`      | zset   | the user's session ids, scored by expiry (ms)             |
 * | `<p>{u:<userId>}:t`      | zset   | the user's remember selectors, scored by expiry (ms)      |
 * | `<p>r:<selector>`        | zset   | session ids linked to that remember series (same scoring) |
 *
 * Every script touches exactly one key, so the store works on Redis Cluster as is; a user's two
 * index keys share the `{u:<userId>}` hash tag (one slot) so a future script may touch both. Index
 * entries whose record is gone are dropped when the index is read, and an index key expires with
 * its last entry.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { redisStore } from 'doorman-login/stores/redis'
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true })
 * client.on('error', (e) => log.warn('redis', e.message))
 * await client.connect()
 * const manager = createLoginManager({ secret, userLoader, store: redisStore({ client }) })
 * ```
 *
 * @module doorman-login/stores/redis
 */
import type { RememberTokenRecord, RememberTokenStore, SessionRecord, SessionStore, StoredSession } from '../session/store.ts'
import { ConfigError } from '../errors.ts'
import { CREATE_TOKEN, INDEX, ROTATE_TOKEN, TAKE, TOKEN_FIELDS, TOUCH, decodeSession, encodeSession, sha1, type Script } from './redis-scripts.ts'

/** node-redis v4/v5 single-node client (`createClient`). */
export interface NodeRedisClientLike {
  sendCommand(args: string[], options?: unknown): Promise<unknown>
}
/** node-redis v4/v5 cluster (`createCluster`): commands are routed by their first key. */
export interface NodeRedisClusterLike {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[], options?: unknown): Promise<unknown>
  getSlotMaster(slot: number): unknown
}
/** node-redis v5 sentinel (`createSentinel`): commands go to the current master. */
export interface NodeRedisSentinelLike {
  sendCommand(isReadonly: boolean | undefined, args: string[], options?: unknown): Promise<unknown>
  getSentinelNode(): unknown
}
/** ioredis `Redis` (also in Sentinel mode) or `Cluster`. */
export interface IoRedisLike {
  call(command: string, args: (string | number)[]): Promise<unknown>
}
/** Any client {@link redisStore} accepts. */
export type RedisClientLike = NodeRedisClientLike | NodeRedisClusterLike | NodeRedisSentinelLike | IoRedisLike

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** A connected node-redis or ioredis client (or cluster). */
  client: RedisClientLike
  /** Prefix of every key. @default 'doorman:' */
  prefix?: string
  /** Clock in milliseconds, for tests. @default Date.now */
  now?: () => number
}

/** Sends one command; `key` routes it on a cluster. */
type Exec = (key: string, args: string[]) => Promise<unknown>

// The two client shims. Every command goes to a primary (node-redis `isReadonly: false`): a replica
// may still hold a session that a logout just destroyed.
function shim(client: any): Exec {
  if (client && typeof client.call === 'function') return (_key, args) => client.call(args[0], args.slice(1))
  if (client && typeof client.sendCommand === 'function') {
    if (typeof client.getSlotMaster === 'function') return (key, args) => client.sendCommand(key, false, args)
    if (typeof client.getSentinelNode === 'function') return (_key, args) => client.sendCommand(false, args)
    return (_key, args) => client.sendCommand(args)
  }
  throw new ConfigError('client', 'must be a node-redis or ioredis client (or cluster)')
}

/** A Redis-backed {@link SessionStore} and {@link RememberTokenStore}; create it with {@link redisStore}. */
export class RedisStore implements SessionStore, RememberTokenStore {
  readonly #exec: Exec
  readonly #prefix: string
  readonly #now: () => number

  constructor(options: RedisStoreOptions) {
    if (!options || typeof options !== 'object') throw new ConfigError('client', 'is required')
    this.#exec = shim(options.client)
    const prefix = options.prefix ?? 'doorman:'
    if (typeof prefix !== 'string') throw new ConfigError('prefix', 'must be a string')
    this.#prefix = prefix
    this.#now = options.now ?? Date.now
  }

  #sessionKey = (id: string) => `${this.#prefix}s:${id}`
  #tokenKey = (selector: string) => `${this.#prefix}t:${selector}`
  #userKey = (userId: string, kind: 's' | 't') => `${this.#prefix}{u:${userId}}:${kind}`
  #selectorKey = (selector: string) => `${this.#prefix}r:${selector}`

  // Milliseconds to keep a record: its TTL, but never past its own expiry (at least 1 ms, which
  // Redis requires; get() also checks expiresAt).
  #px(ttl: number, expiresAt: number, nowMs: number): number {
    return Math.max(1, Math.min(Math.ceil(ttl * 1000), expiresAt * 1000 - nowMs))
  }

  async #run(s: Script, key: string, args: string[]): Promise<unknown> {
    const sha = await (s.sha ??= sha1(s.src))
    try {
      return await this.#exec(key, ['EVALSHA', sha, '1', key, ...args])
    } catch (e) {
      // The script cache is empty after a restart or failover: send the source once.
      if (!/NOSCRIPT/.test(String((e as Error)?.message))) throw e
      return this.#exec(key, ['EVAL', s.src, '1', key, ...args])
    }
  }

  #index(indexKey: string, member: string, expiresMs: number, nowMs: number): Promise<unknown> {
    return this.#run(INDEX, indexKey, [member, String(expiresMs), String(nowMs)])
  }

  // The user's index, and the remember series' index when the session is linked to one.
  #indexSession(id: string, userId: string, selector: string | null | undefined, expiresMs: number, nowMs: number): Promise<unknown> {
    const user = this.#index(this.#userKey(userId, 's'), id, expiresMs, nowMs)
    return selector ? Promise.all([user, this.#index(this.#selectorKey(selector), id, expiresMs, nowMs)]) : user
  }

  async get(id: string): Promise<SessionRecord | null> {
    const key = this.#sessionKey(id)
    const v = await this.#exec(key, ['GET', key])
    if (typeof v !== 'string') return null
    const r = decodeSession(v)
    return r.expiresAt > this.#now() / 1000 ? r : null
  }

  async create(id: string, record: SessionRecord, ttl: number): Promise<void> {
    const nowMs = this.#now()
    const px = this.#px(ttl, record.expiresAt, nowMs)
    const key = this.#sessionKey(id)
    // Record first, then index: an index entry always points at a record that was written, so
    // readers that drop dangling entries never drop a session that is about to exist.
    await this.#exec(key, ['SET', key, encodeSession(record), 'PX', String(px)])
    await this.#indexSession(id, record.userId, record.rememberSelector, nowMs + px, nowMs)
  }

  async update(id: string, record: SessionRecord, ttl: number): Promise<boolean> {
    const nowMs = this.#now()
    const px = this.#px(ttl, record.expiresAt, nowMs)
    const key = this.#sessionKey(id)
    const [set] = await Promise.all([
      this.#exec(key, ['SET', key, encodeSession(record), 'XX', 'PX', String(px)]),
      this.#indexSession(id, record.userId, record.rememberSelector, nowMs + px, nowMs),
    ])
    return set != null
  }

  // The old and new keys live in different cluster slots, so no one script can hold both. Taking
  // the old key away (a one-key script) is the atomic decision instead. The new record (and its
  // index entries) is written first and deleted again when the take fails, so that at no moment
  // is the session in neither place: a revocation listing the user's sessions finds one or the other.
  async rotate(previousId: string, id: string, record: SessionRecord, ttl: number): Promise<boolean> {
    await this.create(id, record, ttl)
    const old = this.#sessionKey(previousId)
    if (Number(await this.#run(TAKE, old, [String(Math.floor(this.#now() / 1000))])) === 1) return true
    await this.destroy(id)
    return false
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number, ttl: number): Promise<boolean> {
    const nowMs = this.#now()
    const px = this.#px(ttl, expiresAt, nowMs)
    const key = this.#sessionKey(id)
    const head = `{"lastSeenAt":${JSON.stringify(lastSeenAt)},"expiresAt":${JSON.stringify(expiresAt)},`
    const old = await this.#run(TOUCH, key, [head, String(px)])
    if (typeof old !== 'string') return false
    // The indexes must live as long as the session they list, or "log out everywhere" misses it.
    const r = JSON.parse(old)
    await this.#indexSession(id, r.userId, r.rememberSelector, nowMs + px, nowMs)
    return true
  }

  async destroy(id: string): Promise<void> {
    const key = this.#sessionKey(id)
    await this.#exec(key, ['DEL', key])
  }

  // Twice: a rotation indexes its new record before it takes the old one, so a rotation that
  // took an old id this pass listed (and so found it gone) has its new id in the index by now.
  async destroyUserSessions(userId: string, exceptId?: string | null): Promise<number> {
    const index = this.#userKey(userId, 's')
    const n = await this.#deleteAll(index, this.#sessionKey, exceptId)
    return n + (await this.#deleteAll(index, this.#sessionKey, exceptId))
  }

  async listUserSessions(userId: string): Promise<StoredSession[]> {
    const userKey = this.#userKey(userId, 's')
    const ids = (await this.#exec(userKey, ['ZRANGE', userKey, '0', '-1'])) as string[]
    const records = await Promise.all(ids.map((id) => this.get(id)))
    const out: StoredSession[] = []
    const dead: string[] = []
    records.forEach((record, i) => (record ? record.userId === userId && out.push({ id: ids[i], record }) : dead.push(ids[i])))
    if (dead.length) await this.#exec(userKey, ['ZREM', userKey, ...dead])
    return out.sort((a, b) => a.record.createdAt - b.record.createdAt || (a.id < b.id ? -1 : 1))
  }

  async destroySessionsBySelector(selector: string): Promise<number> {
    const indexKey = this.#selectorKey(selector)
    const ids = (await this.#exec(indexKey, ['ZRANGE', indexKey, '0', '-1'])) as string[]
    if (!ids.length) return 0
    const records = await Promise.all(ids.map((id) => this.get(id)))
    // Only sessions still linked to this series (an update may have linked one elsewhere since).
    const linked = ids.filter((_, i) => records[i]?.rememberSelector === selector)
    const gone = await Promise.all(linked.map((id) => this.#exec(this.#sessionKey(id), ['DEL', this.#sessionKey(id)])))
    await this.#exec(indexKey, ['ZREM', indexKey, ...ids])
    return gone.reduce<number>((n, x) => n + Number(x), 0)
  }

  // Delete every indexed record but one, one key per command (the records live in many slots).
  async #deleteAll(userKey: string, keyOf: (m: string) => string, except?: string | null): Promise<number> {
    const members = ((await this.#exec(userKey, ['ZRANGE', userKey, '0', '-1'])) as string[]).filter((m) => m !== except)
    if (!members.length) return 0
    const gone = await Promise.all(members.map((m) => this.#exec(keyOf(m), ['DEL', keyOf(m)])))
    await this.#exec(userKey, ['ZREM', userKey, ...members])
    return gone.reduce<number>((n, x) => n + Number(x), 0)
  }

  async getToken(selector: string): Promise<RememberTokenRecord | null> {
    const key = this.#tokenKey(selector)
    const f = (await this.#exec(key, ['HMGET', key, ...TOKEN_FIELDS])) as (string | null)[]
    const [userId, validatorHash, previousHash, rotatedAt, createdAt, expiresAt, lastUsedAt, epoch] = f
    if (userId == null || validatorHash == null || !(Number(expiresAt) > this.#now() / 1000)) return null
    return {
      selector,
      validatorHash,
      previousHash: previousHash ?? null,
      rotatedAt: rotatedAt == null ? null : Number(rotatedAt),
      userId,
      createdAt: Number(createdAt),
      expiresAt: Number(expiresAt),
      lastUsedAt: Number(lastUsedAt),
      epoch: epoch ?? null,
    }
  }

  async createToken(t: RememberTokenRecord, ttl: number): Promise<void> {
    const nowMs = this.#now()
    const px = this.#px(ttl, t.expiresAt, nowMs)
    const key = this.#tokenKey(t.selector)
    const fields: string[] = []
    for (const f of TOKEN_FIELDS) if (t[f] != null) fields.push(f, String(t[f]))
    await this.#run(CREATE_TOKEN, key, [String(px), ...fields])
    await this.#index(this.#userKey(t.userId, 't'), t.selector, nowMs + px, nowMs)
  }

  async rotateToken(selector: string, expectedHash: string, newHash: string, now: number): Promise<boolean> {
    const args = [expectedHash, newHash, String(now), String(Math.floor(this.#now() / 1000))]
    return Number(await this.#run(ROTATE_TOKEN, this.#tokenKey(selector), args)) === 1
  }

  async deleteToken(selector: string): Promise<void> {
    const key = this.#tokenKey(selector)
    await this.#exec(key, ['DEL', key])
  }

  async deleteUserTokens(userId: string, exceptSelector?: string | null): Promise<number> {
    return this.#deleteAll(this.#userKey(userId, 't'), this.#tokenKey, exceptSelector)
  }
}

/**
 * Create a Redis store over the app's client.
 *
 * @param options - `client` (node-redis or ioredis, single node or cluster), optional `prefix`.
 * @returns a store for `createLoginManager({ store })`; it also keeps per-device remember-me tokens.
 * @example
 * ```ts
 * import Redis from 'ioredis'
 * import { redisStore } from 'doorman-login/stores/redis'
 * const store = redisStore({ client: new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) })
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options)
}
