// The package as users get it: `npm pack` (which runs prepack, a clean build), then
// `npm install <tarball>` into a fresh temporary project, as a user's project would.
//
//   const { dir, tarball, files } = await packedInstall()
//   // dir/node_modules/doorman-login is the installed tarball; write consumers into dir and run
//   // them with plain `node` (no tsx, no tsconfig paths), or type-check them with `typecheck()`.
//
// Cost: one pack per `npm test` run (the tarball is shared by every test file of the run: the
// cache key is the content of everything the package is built from, plus the test runner's pid),
// one offline install per test file (~3 s: doorman-login has no dependencies). Peer packages are
// not installed: they are symlinked from this repo's node_modules (`linkFromRepo`), which Node and
// TypeScript resolve to the real folder, so their own dependencies are found there.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; exports: Record<string, unknown> }

/** Every subpath a user can import: `doorman-login`, `doorman-login/fetch`… (not package.json). */
export const SUBPATHS: string[] = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`))

/** Linked into every packed install: the optional peers and what a TypeScript consumer needs. */
export const DEFAULT_LINKS = ['hono', '@hono/node-server', 'express', 'fastify', 'argon2', 'bcryptjs', 'typescript', '@types/node', '@types/express']

export interface PackedTarball {
  /** Absolute path of the .tgz `npm pack` wrote. */
  tarball: string
  /** Paths inside the tarball, without the leading `package/`, sorted. */
  files: string[]
}

export interface PackedInstall extends PackedTarball {
  /**
   * A temporary project (`{"private": true}`, no "type") with the tarball installed in
   * node_modules/doorman-login and DEFAULT_LINKS symlinked. Removed when the process exits.
   */
  dir: string
}

/** npm's environment minus what `npm test` sets for its own script (so a nested npm acts as a user's). */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_(lifecycle|package|command|config_(argv|workspace|include_workspace_root))/i.test(k)) env[k] = v
  }
  return { ...env, NPM_CONFIG_UPDATE_NOTIFIER: 'false', NPM_CONFIG_FUND: 'false', NPM_CONFIG_AUDIT: 'false' }
}

const npm = (args: string[], cwd: string) =>
  run('npm', args, { cwd, env: npmEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 })

// What the tarball is made of: package.json's `files`, the sources and build settings.
function inputsHash(): string {
  const hash = createHash('sha256')
  const add = (p: string) => {
    const abs = path.join(ROOT, p)
    if (!fs.existsSync(abs)) return
    if (fs.statSync(abs).isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) add(path.join(p, name))
    } else {
      hash.update(`${p}\0`).update(fs.readFileSync(abs)).update('\0')
    }
  }
  for (const p of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'src', 'docs', 'README.md', 'LICENSE', 'CHANGELOG.md', 'SECURITY.md']) add(p)
  return hash.digest('hex').slice(0, 16)
}

const cacheRoot = path.join(os.tmpdir(), 'doorman-login-pack')

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

// Entries are `<runner pid>-<hash>`: drop those whose test run is over.
function pruneCache() {
  for (const name of fs.existsSync(cacheRoot) ? fs.readdirSync(cacheRoot) : []) {
    const pid = Number(name.split('-')[0])
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) fs.rmSync(path.join(cacheRoot, name), { recursive: true, force: true })
  }
}

async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      fs.mkdirSync(lock)
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid))
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      // A lock whose owner died (or died before writing its pid) is taken over.
      let owner = 0
      let age = 0
      try {
        age = Date.now() - fs.statSync(lock).mtimeMs
        owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'))
      } catch {}
      if (owner ? !alive(owner) : age > 30_000) fs.rmSync(lock, { recursive: true, force: true })
      else await new Promise((r) => setTimeout(r, 250))
    }
  }
  try {
    return await fn()
  } finally {
    fs.rmSync(lock, { recursive: true, force: true })
  }
}

async function listTarball(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 })
  return stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')).sort()
}

let tarballOnce: Promise<PackedTarball> | undefined

/**
 * `npm pack` of this repo, once per test run (shared by the test files of one `npm test`, which
 * run under one runner process; rebuilt whenever the sources change).
 */
export function packedTarball(): Promise<PackedTarball> {
  tarballOnce ??= (async () => {
    fs.mkdirSync(cacheRoot, { recursive: true })
    pruneCache()
    const key = `${process.ppid}-${inputsHash()}`
    const dir = path.join(cacheRoot, key)
    const tarball = path.join(dir, `${pkg.name}-${pkg.version}.tgz`)
    // One build at a time per checkout: prepack empties dist/ first.
    const lock = path.join(cacheRoot, `lock-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`)
    await withLock(lock, async () => {
      if (fs.existsSync(tarball)) return
      const tmp = fs.mkdtempSync(path.join(cacheRoot, `${process.ppid}-tmp-`))
      try {
        await npm(['pack', '--pack-destination', tmp, '--loglevel=error'], ROOT)
        fs.rmSync(dir, { recursive: true, force: true })
        fs.renameSync(tmp, dir)
      } catch (e) {
        fs.rmSync(tmp, { recursive: true, force: true })
        const err = e as { stdout?: string; stderr?: string; message: string }
        throw new Error(`npm pack failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`)
      }
    })
    return { tarball, files: await listTarball(tarball) }
  })()
  return tarballOnce
}

/**
 * Symlink packages from this repo's node_modules into `dir`/node_modules (skipping those the
 * repo does not have), e.g. `linkFromRepo(dir, '@types/passport', '@fastify/jwt')`.
 */
export function linkFromRepo(dir: string, ...names: string[]): void {
  for (const name of names) {
    const from = path.join(ROOT, 'node_modules', name)
    const to = path.join(dir, 'node_modules', name)
    if (!fs.existsSync(from) || fs.existsSync(to)) continue
    fs.mkdirSync(path.dirname(to), { recursive: true })
    fs.symlinkSync(from, to, 'dir')
  }
}

let installOnce: Promise<PackedInstall> | undefined

/** The packed tarball installed into a fresh temporary project, once per process. */
export function packedInstall(): Promise<PackedInstall> {
  installOnce ??= (async () => {
    const packed = await packedTarball()
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-login-consumer-'))
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'doorman-login-consumer', private: true }, null, 2))
    try {
      await npm(['install', packed.tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir)
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string }
      throw new Error(`npm install of the tarball failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`)
    }
    // npm install removes what it did not install: link the peers afterwards.
    linkFromRepo(dir, ...DEFAULT_LINKS)
    return { ...packed, dir }
  })()
  return installOnce
}

/** Run `node <file>` in `dir` (plain Node: no tsx, no tsconfig paths) and return its stdout. */
export async function runNode(dir: string, file: string, args: string[] = []): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [file, ...args], { cwd: dir, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 })
    return stdout
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string }
    throw new Error(`node ${file} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`)
  }
}

const require = createRequire(import.meta.url)
type TypeScript = typeof import('typescript')

/** The repo's TypeScript (its `typescript` devDependency). */
export const typescript = (): TypeScript => require('typescript') as TypeScript

let oldest: Promise<TypeScript> | undefined

/**
 * An older TypeScript (the oldest doorman supports, say), installed once per process into its own temporary folder from npm's cache (the registry only on a cold
 * cache). Not a devDependency: a second `typescript` would fight the first for the `tsc` bin.
 */
export function oldestTypescript(version: string): Promise<TypeScript> {
  oldest ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-login-ts-'))
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true }))
    await npm(['install', `typescript@${version}`, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir)
    return createRequire(path.join(dir, 'package.json'))('typescript') as TypeScript
  })()
  return oldest
}

export interface TypecheckResult {
  /** Diagnostics, formatted `file(line,col): TSnnnn message`, paths relative to the project. */
  errors: string[]
}

// Parsed declaration files, shared by the programs of one TypeScript (what a language service's
// document registry does): @types/node and lib.dom are parsed once per process, not per program.
const sourceCache = new WeakMap<object, Map<string, unknown>>()

/**
 * Type-check `files` (relative to `dir`) with a given TypeScript under `compilerOptions`
 * (tsconfig JSON form). Reports the consumer's own errors and every error inside doorman-login's
 * declarations (as `skipLibCheck: false` would), but does not check other packages' declarations
 * beyond what the consumer uses (as `skipLibCheck: true` would): checking all of @types/node and
 * lib.dom costs tens of seconds and says nothing about doorman.
 */
export function typecheck(ts: TypeScript, dir: string, files: string[], compilerOptions: Record<string, unknown>): TypecheckResult {
  const parsed = ts.convertCompilerOptionsFromJson(compilerOptions, dir)
  if (parsed.errors.length) throw new Error(parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'))
  const options = { ...parsed.options, noEmit: true, skipLibCheck: false }
  const host = ts.createCompilerHost(options)
  let cache = sourceCache.get(ts)
  if (!cache) sourceCache.set(ts, (cache = new Map()))
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    if (!/[\\/]node_modules[\\/]/.test(fileName) && !/[\\/]lib\.[^\\/]*\.d\.ts$/.test(fileName)) return getSourceFile(fileName, languageVersion, ...rest)
    const key = `${fileName}|${JSON.stringify(languageVersion)}`
    let sf = cache.get(key) as ReturnType<typeof getSourceFile>
    if (!sf) cache.set(key, (sf = getSourceFile(fileName, languageVersion, ...rest)))
    return sf
  }
  const program = ts.createProgram(files.map((f) => path.join(dir, f)), options, host)
  const ours = program.getSourceFiles().filter((sf) => !/[\\/]node_modules[\\/]/.test(sf.fileName) || /[\\/]node_modules[\\/]doorman-login[\\/]/.test(sf.fileName))
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...ours.flatMap((sf) => [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]),
  ]
  const errors = diagnostics.map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n')
    if (!d.file || d.start === undefined) return `TS${d.code} ${msg}`
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start)
    return `${path.relative(dir, d.file.fileName)}(${line + 1},${character + 1}): TS${d.code} ${msg}`
  })
  return { errors }
}
