// The API reference (docs/api/, `npm run docs:api`) covers every subpath export and is the one
// the current source generates; every module names itself the way users import it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { ROOT, SUBPATHS } from '../helpers/packed.ts'

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
const API = path.join(ROOT, 'docs/api')

/** src/… file → the name users import it by, for the files a subpath export points at. */
const entries = new Map<string, string>(
  Object.entries<any>(pkg.exports)
    .filter(([, t]) => typeof t !== 'string')
    .map(([sub, t]) => [t.import.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'), sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`]),
)

const walk = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))

test('every source module names itself: a subpath entry by its import name, any other file as internal/<path>', () => {
  const wrong: string[] = []
  for (const file of walk(path.join(ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const rel = path.relative(ROOT, file).split(path.sep).join('/')
    const header = /^\/\*\*[\s\S]*?\*\//.exec(fs.readFileSync(file, 'utf8'))?.[0] ?? ''
    const tags = [...header.matchAll(/@module\s+([^\s:]+)/g)].map((m) => m[1])
    const want = entries.get(rel) ?? `internal/${rel.slice('src/'.length, -'.ts'.length)}`
    if (tags.length !== 1 || tags[0] !== want) wrong.push(`${rel}: @module ${tags.join(', ') || '(none)'}, want ${want}`)
  }
  assert.deepEqual(wrong, [])
})

test('docs/api has one page per subpath export, and no page for an internal module', () => {
  const index = fs.readFileSync(path.join(API, 'README.md'), 'utf8')
  const linked = new Map([...index.matchAll(/^- \[([^\]]+)\]\(([^)]+)\)$/gm)].map((m) => [m[1]!, m[2]!]))
  assert.deepEqual([...linked.keys()].sort(), [...SUBPATHS].sort())
  for (const [name, page] of linked) {
    const text = fs.readFileSync(path.join(API, page), 'utf8')
    assert.match(text, new RegExp(`^# ${name.replace(/[/]/g, '\\/')}$`, 'm'), `${page} is the page of ${name}`)
  }
  assert.ok(!walk(API).some((f) => /internal/.test(f)), 'no internal module has a page')
})

test('docs/api is what `npm run docs:api` makes of the current source', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-login-api-'))
  try {
    const typedoc = path.join(path.dirname(createRequire(import.meta.url).resolve('typedoc/package.json')), 'bin/typedoc')
    try {
      await promisify(execFile)(process.execPath, [typedoc, '--out', out, '--logLevel', 'Warn'], { cwd: ROOT, timeout: 5 * 60_000, maxBuffer: 16 * 1024 * 1024 })
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string }
      assert.fail(`typedoc failed (a warning is an error: a gap in the reference):\n${err.stdout ?? ''}${err.stderr ?? ''}`)
    }
    const files = (dir: string) => walk(dir).map((f) => path.relative(dir, f)).sort()
    assert.deepEqual(files(API), files(out), 'the same pages (run `npm run docs:api` and commit docs/api)')
    const stale = files(out).filter((f) => fs.readFileSync(path.join(out, f), 'utf8') !== fs.readFileSync(path.join(API, f), 'utf8'))
    assert.deepEqual(stale, [], 'these pages are out of date: run `npm run docs:api` and commit docs/api')
  } finally {
    fs.rmSync(out, { recursive: true, force: true })
  }
})
