/**
 * @module test/scenarios/seal-cache-off: the Flask-Login parity suites and the hostile-cookie
 * suite, on every adapter, run a second time with `session.sealCache: 0`, so every request opens
 * its seal afresh: the hot path's shortcuts on a seal-cache hit (a shared read-only session, the
 * skipped character scan of a known cookie value) must answer exactly as the full path does.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const SUITES = readdirSync(HERE).filter((f) => /^(parity-.*|hostile-cookies|better-rotation)\.test\.ts$/.test(f))

test('the parity, hostile-cookie and rotation suites pass with the seal cache off', { timeout: 600_000 }, async () => {
  assert.ok(SUITES.length >= 8, `found only ${SUITES.join(', ')}`)
  // A child of the test runner would otherwise report to it instead of printing its own results.
  const env: NodeJS.ProcessEnv = { ...process.env, DOORMAN_TEST_SEAL_CACHE: '0' }
  delete env.NODE_TEST_CONTEXT
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', ...SUITES.map((f) => path.join(HERE, f))], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const pass = Number(/^# pass (\d+)/m.exec(out)?.[1] ?? 0)
  const fail = Number(/^# fail (\d+)/m.exec(out)?.[1] ?? -1)
  const failures = out.split('\n').filter((l) => /^\s*not ok/.test(l)).slice(0, 20).join('\n')
  assert.equal(fail, 0, `failures with the seal cache off:\n${failures}\n${out.slice(-2000)}`)
  assert.ok(pass > 300, `only ${pass} tests ran:\n${out.slice(-2000)}`)
  assert.equal(code, 0)
})
