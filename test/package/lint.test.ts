// Two outside linters on the packed tarball (the exact bytes npm would publish):
// - publint: the package.json fields and the files they point at (every message, suggestions too);
// - Are the Types Wrong? (@arethetypeswrong/cli), profile `node16`: for every subpath, TypeScript
//   resolves types that match the JavaScript Node loads, from CommonJS (node16 `require`), from ES
//   modules (node16 `import`) and for bundlers. The `node16` profile leaves out only `node10`
//   resolution (moduleResolution "node"/"node10"), which predates the exports map and cannot see
//   subpaths at all; the package's `main`/`types` still serve the root to such tools.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { promisify } from 'node:util'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { packedTarball } from '../helpers/packed.ts'

const require = createRequire(import.meta.url)

test('publint finds nothing in the tarball, not even a suggestion', async () => {
  const { tarball } = await packedTarball()
  const data = fs.readFileSync(tarball)
  const { messages, pkg } = await publint({
    pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer },
    level: 'suggestion',
    strict: true,
  })
  assert.deepEqual(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`), [])
})

test('Are the Types Wrong? (profile node16) passes every entry point', async () => {
  const { tarball } = await packedTarball()
  const cli = path.join(path.dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist/index.js')
  let stdout: string
  try {
    ;({ stdout } = await promisify(execFile)(process.execPath, [cli, tarball, '--profile', 'node16', '--format', 'json'], {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 5 * 60_000,
    }))
  } catch (e) {
    // attw exits 1 when it finds a problem; its JSON report is on stdout either way.
    stdout = (e as { stdout?: string }).stdout ?? ''
    if (!stdout) throw e
  }
  const report = JSON.parse(stdout)
  const problems = (report.analysis?.problems ?? []) as { kind: string; entrypoint?: string; resolutionKind?: string }[]
  const counted = problems.filter((p) => p.resolutionKind !== 'node10')
  assert.deepEqual(counted.map((p) => `${p.kind} ${p.entrypoint ?? ''} (${p.resolutionKind ?? 'any'})`), [])
  // Every subpath was analysed (an exports typo would drop one silently).
  const analysed = Object.keys(report.analysis?.entrypoints ?? {})
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  assert.deepEqual(analysed.sort(), Object.keys(pkg.exports).sort())
})
