import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Keyring } from '../src/crypto/keyring.ts'
import * as P from '../src/crypto/primitives.ts'

const secrets = ['s'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz', 'older-secret-0123456789-abcdefghij']

for (const [title, env] of [
  ['without process.getBuiltinModule (Workers)', {}],
  ['as in Next.js\'s edge runtime (getBuiltinModule throws, Web Crypto promises of another realm)', { DOORMAN_PROBE_EDGE: '1' }],
] as const) test(`the Web Crypto path seals, opens and MACs exactly like the node:crypto path, ${title}`, async () => {
  assert.equal(P.usingNodeCrypto, true)
  const ring = (await Keyring.create(secrets, 'session')) as Keyring
  const sealed = await ring.seal('from node:crypto ✓')
  const tag = await ring.tag('epoch-1')
  const probe = fileURLToPath(new URL('./fixtures/webcrypto-probe.ts', import.meta.url))
  const out = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', probe, JSON.stringify({ secrets, sealed, tag })], { encoding: 'utf8', env: { ...process.env, ...env } }),
  )
  assert.equal(out.usingNodeCrypto, false)
  assert.deepEqual(out.opened, { text: 'from node:crypto ✓', stale: false })
  assert.equal(out.tampered, null)
  assert.deepEqual(await ring.open(out.sealed), { text: 'from web crypto ✓', stale: false })
  assert.equal(out.tag, tag)
  assert.equal(out.tagOk, true)
  assert.equal(out.sha256, await P.sha256('abc'))
  assert.equal(out.sha512, await P.sha512Hex('abc'))
  // Flask-Login's remember digest for secret "deterministic", id "1" (issue #2's test vector).
  assert.equal(
    out.flask,
    '0e9e6e9855fbe6df7906ec4737578a1d491b38d3fd5246c1561016e189d6516043286501ca43257c938e60aad77acec5ce916b94ca9d00c0bb6f9883ae4b82ae',
  )
})
