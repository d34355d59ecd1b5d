/**
 * @module test/helpers/runtimes: start the smoke app (test/fixtures/runtimes/) on Node, Bun, Deno
 * and workerd, each on a free port of 127.0.0.1, and stop it again.
 *
 * Bun, Deno and workerd come from the registry as devDependencies (`bun`, `deno`, `workerd`);
 * their binaries ship inside the platform packages (`@oven/bun-linux-x64`, `@deno/linux-x64-glibc`,
 * `@cloudflare/workerd-linux-64`, …). Deno's and workerd's postinstall scripts only replace a
 * Node wrapper with a link, so package.json denies them (`allowScripts: false`); Bun's moves the
 * binary into `bun/bin/bun.exe` (without it `npx bun` fails), so it is allowed. This helper runs
 * the binary where it is (platform package, or where Bun's postinstall moved it), else a runtime on
 * PATH (not a `node_modules/.bin` wrapper, which would fail without its binary).
 *
 * Each entry is bundled by esbuild (already installed with tsx) into one ES module, so no runtime
 * has to resolve node_modules or TypeScript imports itself.
 *
 * A missing runtime skips its suites with one line; under `CI=true` it is a failure.
 */
import { accessSync, constants, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnServer } from './spawn-server.ts'

/** A runtime the smoke app is served on. */
export type Runtime = 'node' | 'bun' | 'deno' | 'workerd'
export const RUNTIMES: readonly Runtime[] = ['node', 'bun', 'deno', 'workerd']

const require = createRequire(import.meta.url)
const FIXTURES = fileURLToPath(new URL('../fixtures/runtimes/', import.meta.url))
const arch = process.arch === 'arm64' ? 'arm64' : 'x64'

// Where the registry packages put each binary on this platform: [package, file inside it].
const PACKAGED_BINARY: Record<Exclude<Runtime, 'node'>, [string, string][]> = {
  bun: [
    [`@oven/bun-${process.platform}-${arch === 'arm64' ? 'aarch64' : 'x64'}`, 'bin/bun'],
    ['bun', 'bin/bun.exe'], // after Bun's postinstall moved it there
  ],
  deno: [[`@deno/${process.platform}-${arch}${process.platform === 'linux' ? '-glibc' : ''}`, 'deno']],
  workerd: [[`@cloudflare/workerd-${process.platform}-${arch === 'x64' ? '64' : 'arm64'}`, 'bin/workerd']],
}

// An executable file big enough to be a runtime (Bun's 450-byte placeholder script is not one).
function realBinary(p: string): boolean {
  try {
    accessSync(p, constants.X_OK)
    return statSync(p).size > 1_000_000
  } catch {
    return false
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || dir.endsWith(path.join('node_modules', '.bin'))) continue
    const p = path.join(dir, name)
    if (realBinary(p)) return p
  }
  return undefined
}

/** The binary of `runtime`: the registry package's, else one on PATH, else undefined. */
export function runtimeBinary(runtime: Runtime): string | undefined {
  if (runtime === 'node') return process.execPath
  for (const [pkg, file] of PACKAGED_BINARY[runtime]) {
    try {
      const p = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file)
      if (realBinary(p)) return p
    } catch {
      // package not installed (another platform, or an install without devDependencies)
    }
  }
  return onPath(runtime)
}

/**
 * Skip option for `describe(…, { skip: runtimeSkip('bun') })`.
 * @returns false when the runtime is there, else a one-line reason.
 * @throws under CI=true when it is missing: CI must run every suite.
 */
export function runtimeSkip(runtime: Runtime): string | false {
  if (runtimeBinary(runtime)) return false
  const reason = `${runtime} is not available (npm install brings it as a devDependency; or put ${runtime} on PATH)`
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI=true and ${reason}. CI must run every suite.`)
  return reason
}

/** A running smoke app. */
export interface RuntimeServer {
  readonly runtime: Runtime
  readonly origin: string
  stop(): Promise<void>
}

let bundleDir: string | undefined
let bundles: Promise<Record<Runtime, string>> | undefined

/** Bundle every entry once per test process (esbuild: one ES module per runtime). */
function bundleAll(): Promise<Record<Runtime, string>> {
  bundles ??= (async () => {
    const esbuild = await import('esbuild')
    bundleDir = mkdtempSync(path.join(tmpdir(), 'doorman-runtimes-'))
    const out = {} as Record<Runtime, string>
    await Promise.all(
      RUNTIMES.map(async (rt) => {
        out[rt] = path.join(bundleDir!, `${rt}.mjs`)
        await esbuild.build({
          entryPoints: [path.join(FIXTURES, `${rt}.ts`)],
          outfile: out[rt],
          bundle: true,
          format: 'esm',
          platform: rt === 'node' ? 'node' : 'neutral',
          mainFields: ['module', 'main'],
          conditions: rt === 'workerd' ? ['workerd', 'worker', 'browser'] : [],
          target: 'es2022',
          logLevel: 'error',
        })
      }),
    )
    return out
  })()
  return bundles
}

/** Remove the bundles (call once, after every server stopped). */
export function removeBundles(): void {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true })
  bundleDir = undefined
  bundles = undefined
}

function workerdConfig(bundle: string, secret: string): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .smoke) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const smoke :Workerd.Worker = (
  modules = [ (name = "worker.mjs", esModule = embed ${JSON.stringify(path.basename(bundle))}) ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "DOORMAN_SMOKE_SECRET", text = ${JSON.stringify(secret)}) ],
);
`
}

/**
 * Start the smoke app on `runtime` with `secret`; resolves once it answers /health (its port read
 * from the runtime itself). Rejects with the runtime's output when it fails to start.
 */
export async function startRuntime(runtime: Runtime, secret: string): Promise<RuntimeServer> {
  const bin = runtimeBinary(runtime)
  if (!bin) throw new Error(`${runtime} is not available`)
  const bundle = (await bundleAll())[runtime]
  const env = { ...process.env, DOORMAN_SMOKE_SECRET: secret, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' }
  let args: string[]
  if (runtime === 'workerd') {
    const config = path.join(path.dirname(bundle), 'workerd.capnp')
    writeFileSync(config, workerdConfig(bundle, secret))
    args = ['serve', config, '--control-fd=3']
  } else if (runtime === 'deno') {
    args = ['run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1', '--allow-env=DOORMAN_SMOKE_SECRET', bundle]
  } else {
    args = [bundle]
  }
  // Node, Bun and Deno print {"port":N} (see the entries); workerd reports
  // {"event":"listen","socket":"http","port":N} on its control descriptor.
  const server = await spawnServer({
    name: runtime,
    command: bin,
    args,
    env,
    portOnFd3: runtime === 'workerd',
    port: (line) => {
      try {
        const msg = JSON.parse(line)
        return typeof msg.port === 'number' && (runtime !== 'workerd' || msg.event === 'listen') ? msg.port : undefined
      } catch {
        return undefined
      }
    },
  })
  const origin = `http://127.0.0.1:${server.port}`
  const health = await fetch(`${origin}/health`).catch((e: Error) => e)
  if (health instanceof Error || !health.ok) {
    await server.stop()
    throw new Error(`${runtime}: /health failed (${health instanceof Error ? health.message : health.status})\n${server.output()}`)
  }
  return { runtime, origin, stop: server.stop }
}
