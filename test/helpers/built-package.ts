/**
 * A temporary project that has doorman-login installed as a user gets it: `node_modules/doorman-login`
 * holds the built package (`tsc -p tsconfig.build.json` output plus package.json), and every other
 * entry of node_modules is a symlink to the repository's, so peers (hono, express, fastify, their
 * types, @types/passport, @fastify/jwt) and TypeScript resolve as in an app.
 *
 * A stand-in for a packed install (`npm pack` + install of the tarball): {@link builtPackageProject}
 * has the same shape, so a test can switch to one without other changes.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** TypeScript's command-line compiler, as `node <tsc>`. */
export const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

/** A temporary project with doorman-login installed. */
export interface PackageProject {
  /** The project's folder; `node_modules/doorman-login` is inside. */
  dir: string
  /** The installed package's folder. */
  packageDir: string
  /** Delete the project. */
  cleanup(): void
}

/** Build the package into a fresh temporary project (about 15 s: one full `tsc` build). */
export async function builtPackageProject(): Promise<PackageProject> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'doorman-consumer-'))
  const modules = path.join(dir, 'node_modules')
  const packageDir = path.join(modules, 'doorman-login')
  mkdirSync(packageDir, { recursive: true })
  try {
    await run(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(packageDir, 'dist')], { cwd: ROOT })
    copyFileSync(path.join(ROOT, 'package.json'), path.join(packageDir, 'package.json'))
    for (const entry of readdirSync(path.join(ROOT, 'node_modules'))) {
      if (entry === 'doorman-login' || entry.startsWith('.')) continue
      symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(modules, entry))
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  return { dir, packageDir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Run `tsc -p <tsconfig>` in a folder; resolves with the exit code and what it printed. */
export async function compile(cwd: string, tsconfig: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TSC, '-p', tsconfig, '--pretty', 'false'], { cwd, maxBuffer: 16 << 20 })
    return { code: 0, output: stdout + stderr }
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof err.code === 'number' ? err.code : 1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }
  }
}
