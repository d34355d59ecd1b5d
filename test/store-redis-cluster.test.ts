// The Redis store against Redis Cluster rules: a one-node cluster (all 16384 slots on one server)
// still refuses multi-key commands across slots (CROSSSLOT), and the cluster clients route every
// command by key. Both suites run through node-redis `createCluster` and ioredis `Cluster`.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createCluster } from 'redis'
import { Cluster } from 'ioredis'
import { testRememberTokenStore, testStore } from '../src/testing/index.ts'
import { redisStore } from '../src/stores/redis.ts'
import { randomToken } from '../src/crypto/primitives.ts'
import { serviceSkip, testNamespace } from './helpers/services.ts'
import { freePorts, redisServerInstalled, startRedisProcess, waitFor, type RedisProcess } from './helpers/redis-servers.ts'

const ns = testNamespace(import.meta.url)
const skip = serviceSkip('redis') || (redisServerInstalled() ? false : 'redis-server is not installed')

let node: RedisProcess | undefined
const clients: Record<string, Promise<any> | undefined> = {}

function clusterClient(flavour: 'node-redis' | 'ioredis'): Promise<any> {
  const port = node!.port
  return (clients[flavour] ??= (async () => {
    if (flavour === 'node-redis') {
      const c = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${port}` }], defaults: { disableOfflineQueue: true } })
      c.on('error', () => {})
      await c.connect()
      return c
    }
    const c = new Cluster([{ host: '127.0.0.1', port }], { redisOptions: { maxRetriesPerRequest: 1 } })
    c.on('error', () => {})
    await waitFor('ioredis Cluster ready', () => c.status === 'ready')
    return c
  })())
}

describe('redis store on Redis Cluster', { skip, timeout: 120_000 }, () => {
  before(async () => {
    const [port, bus] = await freePorts(2)
    node = await startRedisProcess(port, [
      '--cluster-enabled', 'yes', '--cluster-port', String(bus), '--cluster-config-file', 'nodes.conf',
      // A lone node announces an empty address, which ioredis's Cluster cannot route to.
      '--cluster-announce-ip', '127.0.0.1',
    ])
    await node.command('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
    await waitFor('the one-node cluster', async () => String(await node!.command('CLUSTER', 'INFO')).includes('cluster_state:ok'))
  })
  after(async () => {
    for (const p of Object.values(clients)) {
      const c = await p?.catch(() => null)
      if (!c) continue
      if (typeof c.close === 'function') await c.close().catch(() => {})
      else c.disconnect()
    }
    await node?.stop()
  })

  it('refuses cross-slot multi-key commands (the rule the store must follow)', async () => {
    const c = await clusterClient('ioredis')
    await assert.rejects(c.call('EVAL', ["return redis.call('MGET', KEYS[1], KEYS[2])", '2', 'a', 'b']), /CROSSSLOT|different slot/i)
  })

  for (const flavour of ['node-redis', 'ioredis'] as const) {
    const make = async () => redisStore({ client: await clusterClient(flavour), prefix: `${ns}:${flavour}:${randomToken(6)}:` })
    testStore(`redis store on a cluster (${flavour})`, make)
    testRememberTokenStore(`redis store on a cluster (${flavour})`, make)
  }
})
