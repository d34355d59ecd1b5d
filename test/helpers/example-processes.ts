/**
 * @module test/helpers/example-processes: a minimal example (examples/minimal/*) as a real
 * process on a free port, the way `npm run example:<fw>` starts it, and a {@link Target} that
 * sends each request to whichever of several such processes the test picks.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Framework, Target, TargetInit } from './adapters.ts'
import { EXAMPLE_SECRET } from './examples.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** A running example process. */
export interface ExampleProcess {
  readonly framework: Framework
  /** `http://127.0.0.1:<port>` */
  readonly base: string
  readonly child: ChildProcess
  /** What the process wrote to stderr so far (for failure messages). */
  stderr(): string
  stop(): Promise<void>
}

/**
 * Start `examples/minimal/<fw>.ts` on a free port with `env` (SECRET_KEY defaults to
 * {@link EXAMPLE_SECRET}, so processes of one test share cookies). Resolves once it listens.
 */
export function startExample(fw: Framework, env: Record<string, string>): Promise<ExampleProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/minimal/${fw}.ts`], {
    cwd: ROOT,
    env: { ...process.env, SECRET_KEY: EXAMPLE_SECRET, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  return new Promise((resolve, reject) => {
    // Generous: two cores shared by several test runs, and tsx compiles on first start.
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`examples/minimal/${fw}.ts did not listen within 60 s\n${err}`))
    }, 60_000)
    child.stdout!.on('data', (d) => {
      out += d
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ framework: fw, base: m[1], child, stderr: () => err, stop })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`examples/minimal/${fw}.ts exited (${code}) before listening\n${err}`))
    })
  })
}

/** A {@link Target} over HTTP whose requests go to `via`, which the test may change between requests. */
export class ProcessDoor implements Target {
  constructor(public via: ExampleProcess) {}

  get name(): Framework {
    return this.via.framework
  }

  request(path: string, init: TargetInit = {}): Promise<Response> {
    return fetch(this.via.base + path, { method: init.method ?? 'GET', headers: init.headers, body: init.body, redirect: 'manual' })
  }

  async close(): Promise<void> {}
}
