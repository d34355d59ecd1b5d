/**
 * Throw-away redis-server processes for the topology tests (Cluster, Sentinel): each on free ports
 * of 127.0.0.1 with its own temp dir, owned by the test process and stopped by it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from 'redis'
// @ts-expect-error plain JS helper without types
import { findRedisServer, freePorts } from '../../scripts/services.mjs'

export { freePorts }

/** Whether redis-server is installed (the topology tests need the binary, not just a URL). */
export function redisServerInstalled(): boolean {
  return !!findRedisServer()
}

/** A running redis-server. */
export interface RedisProcess {
  port: number
  dir: string
  /** Send one command (a fresh connection each time). */
  command(...args: string[]): Promise<unknown>
  stop(): Promise<void>
}

/** Poll `check` every 100 ms until it is true; throw after `ms`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      if (await check()) return
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Start redis-server on `port` with extra arguments (or a config file's text, written to the temp
 * dir and passed first, for Sentinel, which rewrites its config).
 */
export async function startRedisProcess(port: number, args: string[], config?: string): Promise<RedisProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-redis-topology-'))
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', ...args]
  if (config !== undefined) {
    writeFileSync(join(dir, 'redis.conf'), config)
    argv.unshift(join(dir, 'redis.conf'))
  }
  const child: ChildProcess = spawn(findRedisServer(), argv, { stdio: 'ignore' })
  const command = async (...cmd: string[]) => {
    const c = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false, connectTimeout: 1000 } })
    c.on('error', () => {})
    await c.connect()
    try {
      return await c.sendCommand(cmd)
    } finally {
      await c.close().catch(() => {})
    }
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor(`redis-server on ${port}`, async () => String(await command('PING')) === 'PONG')
  } catch (e) {
    await stop()
    throw e
  }
  return { port, dir, command, stop }
}
