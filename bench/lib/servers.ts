/**
 * Starting and stopping the benchmark servers: one process each, pinned to core 0 when `taskset`
 * exists, run either straight from TypeScript through tsx or from an esbuild bundle (see
 * bench/README.md for why and what was measured).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
export const ROOT = path.dirname(BENCH_DIR)
export const BUILD_DIR = path.join(BENCH_DIR, '.build')

export type Runner = 'tsx' | 'build'

/** Bundle the servers (our code only; packages stay external) so no loader hook sits in the process. */
export async function buildServers(frameworks: readonly string[]): Promise<void> {
  const esbuild: any = await import('esbuild')
  mkdirSync(BUILD_DIR, { recursive: true })
  await esbuild.build({
    entryPoints: frameworks.map((f) => path.join(BENCH_DIR, 'servers', `${f}.ts`)),
    outdir: BUILD_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: false,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    logLevel: 'warning',
    // No keepNames: it wraps every closure in a __name() call, a per-request cost tsx has (tsx
    // turns it on). The source map lets the profile name src/ files and lines again.
    keepNames: false,
    minify: false,
    sourcemap: 'linked',
  })
}

/** A started server. */
export interface Running {
  port: number
  pid: number
  child: ChildProcess
  stop(): Promise<void>
}

/** How a server is started. */
export interface StartOptions {
  framework: string
  env: Record<string, string | undefined>
  runner: Runner
  pin: boolean
  nodeArgs?: string[]
  timeoutMs?: number
}

/** Start a server; resolves with its port, or with `{ skip }` when the variant cannot run here. */
export function startServer(o: StartOptions): Promise<Running | { skip: string }> {
  const entry =
    o.runner === 'build'
      ? [path.join(BUILD_DIR, `${o.framework}.mjs`)]
      : ['--import', 'tsx', path.join(BENCH_DIR, 'servers', `${o.framework}.ts`)]
  const node = [process.execPath, ...(o.nodeArgs ?? []), ...entry]
  const [cmd, ...args] = o.pin ? ['taskset', '-c', '0', ...node] : node
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server ${o.framework} ${JSON.stringify(o.env)} did not start in time:\n${err}`))
    }, o.timeoutMs ?? 90_000)
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    child.stderr!.on('data', (d) => (err += d))
    child.stdout!.on('data', (d) => {
      out += d
      const skip = /^SKIP (.*)$/m.exec(out)
      if (skip) {
        clearTimeout(timer)
        resolve({ skip: skip[1].trim() })
        return
      }
      const m = /^LISTENING (\d+)$/m.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({
          port: Number(m[1]),
          pid: child.pid!,
          child,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
            const t = setTimeout(() => child.kill('SIGKILL'), 5000)
            await exited
            clearTimeout(t)
          },
        })
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (!/^(LISTENING|SKIP) /m.test(out)) reject(new Error(`server ${o.framework} ${JSON.stringify(o.env)} exited (${signal ?? code}) before listening:\n${err}`))
    })
  })
}
