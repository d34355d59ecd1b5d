// The published package, as users get it: `npm pack` (prepack builds dist/ from a clean slate),
// `npm install <tarball>` into a fresh project, then real programs against it with plain Node
// (no tsx, no tsconfig paths): an ES module consumer, a CommonJS consumer, both bundled by
// esbuild, and TypeScript consumers under node16/nodenext (CommonJS and ESM) with this repo's
// TypeScript and with the oldest one doorman supports.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'
import { oldestTypescript, packedInstall, runNode, SUBPATHS, typecheck, typescript, type PackedInstall } from '../helpers/packed.ts'

/** The oldest TypeScript the published declarations are checked against (README, CHANGELOG). */
const TYPESCRIPT_MINIMUM = '5.0.4'

// One scenario, CommonJS so that both consumers can load it; it gets doorman's modules from its
// caller, so what it exercises is whatever the caller's import or require() resolved to.
const SCENARIO = `'use strict'
const randomSecret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')
module.exports = async function scenario({ core, fetchAdapter, memory }) {
  const users = new Map([['1', { id: '1', name: 'Ada' }]])
  const out = {}
  for (const mode of ['cookie', 'memory']) {
    const manager = core.createLoginManager({
      secret: randomSecret(),
      userLoader: (id) => users.get(id) ?? null,
      store: mode === 'memory' ? memory.memoryStore() : undefined,
    })
    const handler = fetchAdapter.withAuth(manager, async (request, auth) => {
      const { pathname } = new URL(request.url)
      if (pathname === '/login') { await auth.loginUser(users.get('1')); return new Response('in') }
      if (pathname === '/logout') { await auth.logoutUser(); return new Response('out') }
      if (pathname === '/note') { (await auth.session()).set('note', 'kept'); return new Response('noted') }
      const user = await auth.getUser()
      return Response.json({ user: user ? user.name : null, note: (await auth.session()).get('note') ?? null })
    })
    const jar = new Map()
    const send = async (method, url) => {
      const headers = new Headers()
      if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => k + '=' + v).join('; '))
      const res = await handler(new Request('http://localhost' + url, { method, headers }))
      for (const line of res.headers.getSetCookie()) {
        const [pair, ...attrs] = line.split(';')
        const i = pair.indexOf('=')
        const name = pair.slice(0, i).trim()
        const value = pair.slice(i + 1).trim()
        if (!value || attrs.some((a) => /^\\s*max-age=0\\s*$/i.test(a))) jar.delete(name)
        else jar.set(name, value)
      }
      return res
    }
    const steps = []
    steps.push(await (await send('GET', '/me')).json())
    steps.push((await send('POST', '/login')).status)
    const sealed = [...jar.values()].join(';')
    steps.push(await (await send('GET', '/me')).json())
    steps.push((await send('POST', '/note')).status)
    steps.push(await (await send('GET', '/me')).json())
    steps.push((await send('POST', '/logout')).status)
    steps.push(await (await send('GET', '/me')).json())
    out[mode] = { steps, cookieHidesUser: !sealed.includes('Ada') }
  }
  return out
}
`

const EXPECTED_SCENARIO = {
  steps: [{ user: null, note: null }, 200, { user: 'Ada', note: null }, 200, { user: 'Ada', note: 'kept' }, 200, { user: null, note: null }],
  cookieHidesUser: true,
}

const ESM_CONSUMER = `import * as core from 'doorman-login'
import * as fetchAdapter from 'doorman-login/fetch'
import * as memory from 'doorman-login/stores/memory'
import scenario from './scenario.cjs'
const out = { scenario: await scenario({ core, fetchAdapter, memory }), subpaths: {} }
for (const name of JSON.parse(process.argv[2] ?? '[]')) out.subpaths[name] = Object.keys(await import(name)).length
process.stdout.write(JSON.stringify(out))
`

const CJS_CONSUMER = `'use strict'
const core = require('doorman-login')
const fetchAdapter = require('doorman-login/fetch')
const memory = require('doorman-login/stores/memory')
const errors = require('doorman-login/errors')
const scenario = require('./scenario.cjs')
async function main() {
  const out = { scenario: await scenario({ core, fetchAdapter, memory }), subpaths: {} }
  // One module instance whichever way it was loaded: the CommonJS entry is the ES module itself.
  const imported = await import('doorman-login')
  const importedErrors = await import('doorman-login/errors')
  out.sameErrorClass = errors.AuthError === importedErrors.AuthError && core.AuthError === imported.AuthError
  try {
    core.createLoginManager({ secret: 'short', userLoader: () => null })
  } catch (e) {
    out.configError = { code: e.code, required: e instanceof errors.ConfigError, imported: e instanceof importedErrors.ConfigError }
  }
  // The ambient AsyncLocalStorage is shared too: a manager made through require(), a handler
  // wrapped through require(), and currentUser() taken from import() see the same request.
  const ada = { id: '1', name: 'Ada' }
  const manager = core.createLoginManager({ secret: require('node:crypto').randomBytes(32).toString('hex'), userLoader: () => ada, ambient: true })
  const handler = fetchAdapter.withAuth(manager, async () => {
    await imported.loginUser(ada)
    const user = await imported.currentUser()
    return new Response(user ? user.name : 'nobody')
  })
  out.ambient = await (await handler(new Request('http://localhost/', { method: 'POST' }))).text()
  for (const name of JSON.parse(process.argv[2] ?? '[]')) {
    const required = require(name)
    const ns = await import(name)
    const keys = Object.keys(ns)
    out.subpaths[name] = keys.every((k) => required[k] === ns[k]) ? keys.length : 'differs from import()'
  }
  process.stdout.write(JSON.stringify(out))
}
main().catch((e) => { console.error(e); process.exit(1) })
`

let packed: PackedInstall

before(async () => {
  packed = await packedInstall()
  fs.writeFileSync(path.join(packed.dir, 'scenario.cjs'), SCENARIO)
  fs.writeFileSync(path.join(packed.dir, 'consumer.mjs'), ESM_CONSUMER)
  fs.writeFileSync(path.join(packed.dir, 'consumer.cjs'), CJS_CONSUMER)
})

describe('the tarball', () => {
  test('ships the build, the docs and the legal files, and nothing else', () => {
    const { files } = packed
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'SECURITY.md', 'docs/index.md', 'docs/security.md', 'docs/api/README.md']) {
      assert.ok(files.includes(f), `${f} is in the tarball`)
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(packed.dir, 'node_modules/doorman-login/package.json'), 'utf8'))
    for (const target of Object.values<any>(pkg.exports)) {
      for (const t of typeof target === 'string' ? [target] : [target.import.types, target.import.default, target.require.types, target.require.default]) {
        assert.ok(files.includes(t.replace(/^\.\//, '')), `${t} is in the tarball`)
      }
    }
    const unexpected = files.filter((f) => !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|SECURITY\.md|dist\/(src|cjs)\/.+\.(js|cjs|d\.ts|d\.cts)|docs\/.+\.md)$/.test(f))
    assert.deepEqual(unexpected, [], 'no tests, examples, sources, screenshots or stray files')
    assert.ok(!files.some((f) => /\.test\.|^test\/|^examples\/|^bench\/|^src\//.test(f)))
  })

  test('declarations name runtime files (.js/.cjs), never the .ts sources', () => {
    const dist = path.join(packed.dir, 'node_modules/doorman-login/dist')
    const bad: string[] = []
    for (const f of packed.files.filter((f) => /\.d\.c?ts$/.test(f))) {
      const text = fs.readFileSync(path.join(dist, '..', f), 'utf8')
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const want = f.endsWith('.d.cts') ? /\.cjs$/ : /\.js$/
        if (!want.test(m[1]!)) bad.push(`${f}: ${m[1]}`)
      }
    }
    assert.deepEqual(bad, [])
  })
})

describe('Node.js consumers of the installed package', () => {
  test('an ES module: seal and open a session, login and logout through the fetch adapter; every subpath imports', async () => {
    const out = JSON.parse(await runNode(packed.dir, 'consumer.mjs', [JSON.stringify(SUBPATHS)]))
    assert.deepEqual(out.scenario, { cookie: EXPECTED_SCENARIO, memory: EXPECTED_SCENARIO })
    assert.deepEqual(Object.keys(out.subpaths).sort(), [...SUBPATHS].sort())
    for (const [name, count] of Object.entries(out.subpaths)) assert.ok((count as number) > 0, `${name} exports something`)
  })

  test('a CommonJS module: the same through require(), every subpath requires, one module instance (errors, ambient)', async () => {
    const out = JSON.parse(await runNode(packed.dir, 'consumer.cjs', [JSON.stringify(SUBPATHS)]))
    assert.deepEqual(out.scenario, { cookie: EXPECTED_SCENARIO, memory: EXPECTED_SCENARIO })
    assert.equal(out.sameErrorClass, true, 'require() and import() give the same error classes')
    assert.deepEqual(out.configError, { code: 'DOORMAN_CONFIG', required: true, imported: true })
    assert.equal(out.ambient, 'Ada', 'currentUser() from import() sees a request wrapped through require()')
    assert.deepEqual(Object.keys(out.subpaths).sort(), [...SUBPATHS].sort())
    for (const [name, count] of Object.entries(out.subpaths)) assert.ok(typeof count === 'number' && count > 0, `${name}: ${count}`)
  })
})

test('a Node.js that cannot require() ES modules gets a sentence that says what to do', async () => {
  // --no-experimental-require-module turns require(esm) off, as on Node.js before 20.19/22.12.
  const child = spawnSync(process.execPath, ['--no-experimental-require-module', '-e', "require('doorman-login')"], { cwd: packed.dir, encoding: 'utf8', timeout: 60_000 })
  assert.notEqual(child.status, 0)
  assert.match(child.stderr, /doorman-login: require\(\) of this package needs a Node\.js that can require\(\) ES modules \(\^20\.19\.0 \|\| >=22\.12\.0\); this is v\d+/)
  assert.match(child.stderr, /Upgrade Node\.js, or load it with import\(\)/)
})

describe('bundlers (esbuild)', () => {
  let out: string
  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-login-bundle-'))
  })
  after(() => fs.rmSync(out, { recursive: true, force: true }))

  // The bundles run from a folder with no node_modules: everything doorman needs is inside.
  for (const [entry, format] of [['consumer.mjs', 'esm'], ['consumer.cjs', 'cjs']] as const) {
    test(`${entry} bundled as ${format} runs on its own`, async () => {
      const file = path.join(out, `${entry}.bundle.${format === 'esm' ? 'mjs' : 'cjs'}`)
      const result = await build({
        entryPoints: [path.join(packed.dir, entry)],
        absWorkingDir: packed.dir,
        bundle: true,
        platform: 'node',
        format,
        outfile: file,
        logLevel: 'silent',
      })
      assert.deepEqual(result.errors, [])
      const run = JSON.parse(await runNode(out, file, ['[]']))
      assert.deepEqual(run.scenario, { cookie: EXPECTED_SCENARIO, memory: EXPECTED_SCENARIO })
      if (format === 'cjs') assert.equal(run.ambient, 'Ada')
    })
  }
})

// A consumer that uses the types for real: the Register augmentation must reach getUser(), and
// a wrong use must fail (so a declaration that silently became `any` fails this test).
const TS_CONSUMER = `import { createLoginManager, AuthError, ConfigError, type RegisteredUser } from 'doorman-login'
import { withAuth, loginRequired } from 'doorman-login/fetch'
import { memoryStore } from 'doorman-login/stores/memory'
import { testStore } from 'doorman-login/testing'
import { SessionTooLargeError } from 'doorman-login/errors'
import { Session } from 'doorman-login/session'
import { csrfToken } from 'doorman-login/csrf'
import { createLoginThrottle, memoryThrottleStore } from 'doorman-login/throttle'
import { hashPassword } from 'doorman-login/password'
import { sqliteStore } from 'doorman-login/stores/sqlite'
import { redisStore } from 'doorman-login/stores/redis'
import { postgresStore } from 'doorman-login/stores/postgres'

interface User { id: string; name: string }
declare module 'doorman-login' {
  interface Register { user: User }
}

const manager = createLoginManager<User>({ secret: 'x'.repeat(64), userLoader: (id) => (id === '1' ? { id, name: 'Ada' } : null), store: memoryStore() })
export const handler = withAuth(manager, loginRequired(async (_request, auth) => {
  const user = await auth.getUser()
  const name: string | undefined = user?.name
  // @ts-expect-error the registered user has no \`age\`
  void user?.age
  return new Response(name)
}))
const registered: RegisteredUser = { id: '1', name: 'Ada' }
// @ts-expect-error RegisteredUser is the registered User
const wrong: RegisteredUser = { id: 1 }
export function describeError(e: unknown): string {
  if (e instanceof SessionTooLargeError || e instanceof ConfigError) return e.code
  return e instanceof AuthError ? e.message : 'other'
}
export const used = [registered, wrong, testStore, Session, csrfToken, createLoginThrottle, memoryThrottleStore, hashPassword, sqliteStore, redisStore, postgresStore]
`

// The framework adapters, typed through the frameworks' own types.
const TS_FRAMEWORKS = `import { Hono } from 'hono'
import express from 'express'
import Fastify from 'fastify'
import { doorman as honoDoorman } from 'doorman-login/hono'
import { doorman as expressDoorman } from 'doorman-login/express'
import { doorman as fastifyDoorman } from 'doorman-login/fastify'
import { createLoginManager } from 'doorman-login'

// A manager of the registered user (consumer.ts registers { id, name }): the adapters refuse any other.
const manager = createLoginManager({ secret: 'x'.repeat(64), userLoader: (id) => (id === '1' ? { id, name: 'Ada' } : null) })
new Hono().use(honoDoorman(manager)).get('/', async (c) => c.text(String(await c.get('auth').getUser())))
express().use(expressDoorman(manager)).get('/', async (req, res) => { res.send(String(await req.auth.getUser())) })
void Fastify().register(fastifyDoorman, { manager })
`

describe('TypeScript consumers of the installed package', () => {
  const base = { strict: true, skipLibCheck: false, target: 'es2022', lib: ['es2023', 'dom', 'dom.iterable'], types: ['node'], esModuleInterop: true }
  const projects = {
    'CommonJS, node16': { dir: 'ts-cjs', type: 'commonjs', options: { module: 'node16', moduleResolution: 'node16' } },
    'CommonJS, nodenext': { dir: 'ts-cjs-next', type: 'commonjs', options: { module: 'nodenext', moduleResolution: 'nodenext' } },
    'ESM, node16': { dir: 'ts-esm', type: 'module', options: { module: 'node16', moduleResolution: 'node16' } },
    'ESM, bundler': { dir: 'ts-bundler', type: 'module', options: { module: 'esnext', moduleResolution: 'bundler' } },
  }

  before(() => {
    for (const { dir, type } of Object.values(projects)) {
      fs.mkdirSync(path.join(packed.dir, dir), { recursive: true })
      fs.writeFileSync(path.join(packed.dir, dir, 'package.json'), JSON.stringify({ type }))
      fs.writeFileSync(path.join(packed.dir, dir, 'consumer.ts'), TS_CONSUMER)
      fs.writeFileSync(path.join(packed.dir, dir, 'frameworks.ts'), TS_FRAMEWORKS)
    }
  })

  for (const [name, { dir, options }] of Object.entries(projects)) {
    test(`${name}: types resolve and are the registered ones (TypeScript ${typescript().version})`, () => {
      const { errors } = typecheck(typescript(), packed.dir, [`${dir}/consumer.ts`, `${dir}/frameworks.ts`], { ...base, ...options })
      assert.deepEqual(errors, [])
    })
  }

  // The oldest supported TypeScript checks doorman's declarations and the consumer (hono's own
  // declarations need TypeScript 5.7+: a hono user has that anyway).
  for (const name of ['CommonJS, node16', 'ESM, node16'] as const) {
    test(`${name}: TypeScript ${TYPESCRIPT_MINIMUM}`, async () => {
      const ts = await oldestTypescript(TYPESCRIPT_MINIMUM)
      assert.equal(ts.version, TYPESCRIPT_MINIMUM)
      const { dir, options } = projects[name]
      const { errors } = typecheck(ts, packed.dir, [`${dir}/consumer.ts`, `${dir}/frameworks.ts`], { ...base, ...options })
      assert.deepEqual(errors, [])
    })
  }
})
