/**
 * TypeScript's command-line compiler for tests that compile whole projects (the consumer
 * projects of test/consumers, the package's declarations), as a user's build would run it.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** TypeScript's command-line compiler, run as `node <tsc>`. */
export const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

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
