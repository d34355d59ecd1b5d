// The Redis store against Redis Cluster rules: a one-node cluster (all 16384 slots on one server)
// still refuses multi-key commands across slots (CROSSSLOT), and the cluster clients route every
// command by key. Both suites run through node-redis `createCluster` and ioredis `Cluster`.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCluster } from 'redis'
import { Cluster } from 'ioredis'
import { testRememberTokenStore, testStore } from '../src/testing/index.ts'
import { redisStore } from '../src/stores/redis.ts'
import { randomToken } from '../src/crypto/primitives.ts'
import { serviceSkip, testNamespace } from './helpers/services.ts'
// @ts-expect-error plain JS helper without types
import { findRedisServer, freePorts } from '../scripts/services.mjs'

const ns = testNamespace(import.meta.url)
const skip = serviceSkip('redis') || (findRedisServer() ? false : 'redis-server is not installed')

let server: ChildProcess | undefined
let dir: string | undefined
let port = 0

async function startCluster(): Promise<void> {
  const [p, bus] = await freePorts(2)
  port = p
  dir = mkdtempSync(join(tmpdir(), 'doorman-redis-cluster-'))
  server = spawn(findRedisServer(), [
    '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(bus),
    '--cluster-config-file', join(dir, 'nodes.conf'), '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no',
    // A lone node announces an empty address, which ioredis's Cluster cannot route to.
    '--cluster-announce-ip', '127.0.0.1',
  ], { stdio: 'ignore' })
  const { createClient } = await import('redis')
  const admin = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: 100 } })
  admin.on('error', () => {})
  const deadline = Date.now() + 20_000
  for (;;) {
    try {
      if (!admin.isOpen) await admin.connect()
      break
    } catch (e) {
      if (Date.now() > deadline) throw e
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  await admin.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383'])
  while (!String(await admin.sendCommand(['CLUSTER', 'INFO'])).includes('cluster_state:ok')) {
    if (Date.now() > deadline) throw new Error('the one-node Redis Cluster did not become ready')
    await new Promise((r) => setTimeout(r, 100))
  }
  await admin.close()
}

const clients: Record<string, Promise<any> | undefined> = {}
function clusterClient(flavour: 'node-redis' | 'ioredis'): Promise<any> {
  return (clients[flavour] ??= (async () => {
    if (flavour === 'node-redis') {
      const c = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${port}` }], defaults: { disableOfflineQueue: true } })
      c.on('error', () => {})
      await c.connect()
      return c
    }
    const c = new Cluster([{ host: '127.0.0.1', port }], { redisOptions: { maxRetriesPerRequest: 1 } })
    c.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('ioredis Cluster did not become ready in 20 s')), 20_000)
      c.once('ready', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    return c
  })())
}

describe('redis store on Redis Cluster', { skip, timeout: 120_000 }, () => {
  before(startCluster)
  after(async () => {
    for (const p of Object.values(clients)) {
      const c = await p?.catch(() => null)
      if (!c) continue
      if (typeof c.close === 'function') await c.close().catch(() => {})
      else c.disconnect()
    }
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r))
      server.kill('SIGTERM')
      await exited
    }
    if (dir) rmSync(dir, { recursive: true, force: true })
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
