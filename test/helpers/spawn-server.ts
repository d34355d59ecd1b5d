/**
 * @module test/helpers/spawn-server: run a server process that picks its own free port and says
 * which (a line on stdout, or on file descriptor 3 for workerd's --control-fd), and stop it again.
 * No port is guessed, so parallel test runs cannot collide.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import type { Target } from './adapters.ts'

/** What to run and how to read its port. */
export interface SpawnServerOptions {
  command: string
  args: string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Read the port from file descriptor 3 instead of stdout. */
  portOnFd3?: boolean
  /** The port announced by one output line, or undefined when the line is not the announcement. */
  port: (line: string) => number | undefined
  /** Give up after this long (the process is then killed). @default 30000 */
  timeoutMs?: number
  /** Used in error messages. */
  name: string
}

/** A running server process. */
export interface SpawnedServer {
  readonly port: number
  readonly child: ChildProcess
  /** Everything it printed so far (stdout and stderr). */
  output(): string
  /** SIGTERM, then SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void>
}

/** Start the process and resolve once it announced its port; reject with its output when it fails. */
export async function spawnServer(o: SpawnServerOptions): Promise<SpawnedServer> {
  const timeoutMs = o.timeoutMs ?? 30_000
  const child = spawn(o.command, o.args, {
    env: o.env ?? process.env,
    cwd: o.cwd,
    stdio: o.portOnFd3 ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const stream = (o.portOnFd3 ? child.stdio[3] : child.stdout) as NodeJS.ReadableStream
      let buf = ''
      const timer = setTimeout(() => reject(new Error(`${o.name} did not announce its port within ${timeoutMs} ms`)), timeoutMs)
      stream.on('data', (d) => {
        buf += d
        const lines = buf.split('\n')
        buf = lines.pop()!
        for (const line of lines) {
          const port = o.port(line)
          if (port !== undefined) {
            clearTimeout(timer)
            resolve(port)
          }
        }
      })
      child.once('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`${o.name} exited (${code ?? signal}) before listening`))
      })
    })
    return { port, child, output: () => output, stop }
  } catch (e) {
    await stop()
    throw new Error(`${(e as Error).message}\n--- ${o.name} output ---\n${output}`)
  }
}

/** A {@link Target} for a server at `origin` (redirects are not followed, as in a browser test). */
export function httpTarget(origin: string): Target {
  return {
    name: 'hono', // Target's name labels in-process apps; Client never reads it
    request: (path, init = {}) => fetch(origin + path, { method: init.method, headers: init.headers, body: init.body, redirect: 'manual' }),
    close: async () => {},
  }
}
