/**
 * Redis clients for the store tests, configured the way docs/stores/redis.md recommends: a server
 * that is down makes commands fail at once (no offline queue) while the client keeps reconnecting
 * in the background.
 */
import { createClient } from 'redis'
import { Redis } from 'ioredis'

/** The two client libraries the Redis store supports. */
export type RedisFlavour = 'node-redis' | 'ioredis'

/** A connected client and how to close it. */
export interface TestRedisClient {
  client: any
  close(): Promise<void>
}

/** Connect a client of the given library to `url`. */
export async function connectRedis(flavour: RedisFlavour, url: string): Promise<TestRedisClient> {
  if (flavour === 'node-redis') {
    const client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) },
    })
    client.on('error', () => {}) // surfaced through the failing commands
    await client.connect()
    return { client, close: async () => void (await client.close().catch(() => client.destroy())) }
  }
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** times, 500),
    lazyConnect: true,
  })
  client.on('error', () => {})
  await client.connect()
  return { client, close: async () => void client.disconnect() }
}

/** Delete every key under `prefix` (SCAN, never KEYS). */
export async function deletePrefix(flavour: RedisFlavour, client: any, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const reply: any =
      flavour === 'node-redis'
        ? await client.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])
        : await client.call('SCAN', [cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])
    cursor = String(reply[0])
    const keys: string[] = reply[1]
    for (const k of keys) flavour === 'node-redis' ? await client.sendCommand(['DEL', k]) : await client.call('DEL', [k])
  } while (cursor !== '0')
}
