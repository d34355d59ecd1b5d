/**
 * @module internal/throttle/redis: throttle counters in Redis, shared by every instance.
 *
 * Give it the app's client: node-redis v4/v5 (`createClient`, `createCluster`) or ioredis (`Redis`,
 * `Cluster`); neither is a dependency. Each bucket is one hash, `<prefix><key>`, updated by a
 * one-key Lua script (read, reset if the window is over, add, write, set the TTL), so a hit is
 * atomic and works on Redis Cluster. The window is judged by the throttle's clock (stored in the
 * hash); the Redis TTL only lets Redis forget the key once the window is over.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { createLoginThrottle, redisThrottleStore } from 'doorman-login/throttle'
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const throttle = createLoginThrottle({ store: redisThrottleStore({ client }), secret })
 * ```
 */
import { ConfigError } from '../errors.ts'
import type { ThrottleBucket, ThrottleDelta, ThrottleStore } from './types.ts'

/** node-redis (`sendCommand(args)`; a cluster's `sendCommand(key, readonly, args)`) or ioredis (`call`). */
export type RedisThrottleClient =
  | { sendCommand(args: string[]): Promise<unknown> }
  | { sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>; getSlotMaster(slot: number): unknown }
  | { call(command: string, ...args: (string | number)[]): Promise<unknown> }

/** Options of {@link redisThrottleStore}. */
export interface RedisThrottleOptions {
  /** A connected node-redis or ioredis client (or cluster). */
  client: RedisThrottleClient
  /** Prefix of every key, apart from the session store's. @default 'doorman:throttle:' */
  prefix?: string
}

type Exec = (key: string, args: string[]) => Promise<unknown>

function shim(client: any): Exec {
  if (client && typeof client.call === 'function') return (_key, args) => client.call(...args)
  if (client && typeof client.sendCommand === 'function') {
    if (typeof client.getSlotMaster === 'function') return (key, args) => client.sendCommand(key, false, args)
    return (_key, args) => client.sendCommand(args)
  }
  throw new ConfigError('client', 'must be a node-redis or ioredis client (or cluster)')
}

// KEYS[1] bucket; ARGV: now, window, count delta, pending delta. Returns count, pending, first, last, expires.
const HIT = `local b = redis.call('HMGET', KEYS[1], 'c', 'p', 'f', 'l', 'e')
local now, win, dc, dp = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local c, p, f, l, e = tonumber(b[1]), tonumber(b[2]), tonumber(b[3]), tonumber(b[4]), tonumber(b[5])
local fresh = (not e) or e <= now
if fresh then c, p, f, l, e = 0, 0, now, now, now + win end
c = math.max(c + dc, 0)
p = math.max(p + dp, 0)
if dc > 0 then l = now end
redis.call('HSET', KEYS[1], 'c', c, 'p', p, 'f', f, 'l', l, 'e', e)
if fresh then redis.call('EXPIRE', KEYS[1], math.max(e - now, 1) + 1) end
return {c, p, f, l, e}`

async function sha1(text: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text))
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * A throttle store on Redis.
 *
 * @param options - the client and the key prefix.
 */
export function redisThrottleStore(options: RedisThrottleOptions): ThrottleStore {
  const exec = shim(options?.client)
  const prefix = options.prefix ?? 'doorman:throttle:'
  if (typeof prefix !== 'string') throw new ConfigError('prefix', 'must be a string')
  let sha: Promise<string> | undefined
  const k = (key: string) => prefix + key
  return {
    async hit(key, windowSeconds, now, delta: ThrottleDelta = { count: 1 }) {
      const args = ['1', k(key), String(now), String(windowSeconds), String(Math.trunc(delta.count ?? 0)), String(Math.trunc(delta.pending ?? 0))]
      let r: unknown
      try {
        r = await exec(k(key), ['EVALSHA', await (sha ??= sha1(HIT)), ...args])
      } catch (e) {
        // The script cache is empty after a restart or failover: send the source once.
        if (!/NOSCRIPT/.test(String((e as Error)?.message))) throw e
        r = await exec(k(key), ['EVAL', HIT, ...args])
      }
      const [count, pending, first, last, expiresAt] = (r as unknown[]).map(Number)
      return { count, pending, first, last, expiresAt }
    },
    async peek(key, now) {
      const v = (await exec(k(key), ['HMGET', k(key), 'c', 'p', 'f', 'l', 'e'])) as (string | null)[]
      const [count, pending, first, last, expiresAt] = v.map(Number)
      if (v[4] == null || !(expiresAt > now)) return null
      return { count, pending, first, last, expiresAt } satisfies ThrottleBucket
    },
    async reset(key) {
      await exec(k(key), ['DEL', k(key)])
    },
  }
}
