/**
 * @module internal/stores/redis-scripts: the Lua scripts of the Redis store. Internal: not a
 * public subpath. Every script touches exactly one key (`KEYS[1]`), so it runs on Redis Cluster.
 */

import type { SessionRecord } from '../session/store.ts'

/** A Lua script and, once computed, its SHA-1 for EVALSHA. */
export interface Script {
  src: string
  sha?: Promise<string>
}

const script = (src: string): Script => ({ src })

// The record's fields in stored order: lastSeenAt and expiresAt first, for TOUCH and TAKE.
function fields(r: SessionRecord): SessionRecord {
  return {
    lastSeenAt: r.lastSeenAt,
    expiresAt: r.expiresAt,
    userId: r.userId,
    createdAt: r.createdAt,
    data: r.data,
    ip: r.ip ?? null,
    userAgent: r.userAgent ?? null,
    rememberSelector: r.rememberSelector ?? null,
  }
}

/** A session record as stored: JSON with `lastSeenAt` and `expiresAt` first, for {@link TOUCH}. */
export function encodeSession(r: SessionRecord): string {
  return JSON.stringify(fields(r))
}

/** A stored session back into a record (a fresh object each time). */
export function decodeSession(json: string): SessionRecord {
  return fields(JSON.parse(json))
}

// Refresh activity without a JSON codec (Lua's cjson turns [] into {} and rounds big numbers):
// records are written with lastSeenAt and expiresAt first, so the script swaps that prefix.
// GET-then-SET inside one script cannot revive a deleted key. It returns the old value, whose
// userId and rememberSelector name the index entries to move along.
export const TOUCH = script(`local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local _, e = string.find(v, '^{"lastSeenAt":[^,]*,"expiresAt":[^,]*,')
if not e then return redis.error_reply('doorman: unexpected session record format') end
redis.call('SET', KEYS[1], ARGV[1] .. string.sub(v, e + 1), 'PX', ARGV[2])
return v`)

// Take a session away for a rotation: only a live record (present, and its expiresAt, second in
// the JSON, still ahead of ARGV[1]) is deleted with a 1; an expired one goes with a 0. Of a rotation
// and a logout racing for the key, exactly one deletes it.
export const TAKE = script(`local v = redis.call('GET', KEYS[1])
if not v then return 0 end
redis.call('DEL', KEYS[1])
local e = string.match(v, '^{"lastSeenAt":[^,]*,"expiresAt":([^,]*),')
if not e or tonumber(e) <= tonumber(ARGV[1]) then return 0 end
return 1`)

// Add or refresh one index entry, drop expired entries, and let the index key expire with its
// last entry. Always a plain ZADD: an entry left behind by a racing write is harmless (readers
// drop entries whose record is gone), a live record missing from its index is not.
export const INDEX = script(`redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if top[2] then redis.call('PEXPIREAT', KEYS[1], top[2]) end
return 1`)

export const CREATE_TOKEN = script(`redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`)

// Compare-and-swap: only the request holding the current validator rotates it.
export const ROTATE_TOKEN = script(`local f = redis.call('HMGET', KEYS[1], 'validatorHash', 'expiresAt')
if not f[1] or f[1] ~= ARGV[1] then return 0 end
if tonumber(f[2]) <= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], 'validatorHash', ARGV[2], 'previousHash', ARGV[1], 'rotatedAt', ARGV[3], 'lastUsedAt', ARGV[3])
return 1`)

export const TOKEN_FIELDS = ['userId', 'validatorHash', 'previousHash', 'rotatedAt', 'createdAt', 'expiresAt', 'lastUsedAt', 'epoch'] as const

/** Hex SHA-1, the name Redis gives a script. */
export async function sha1(text: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text))
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
