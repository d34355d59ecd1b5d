// The published shape: every subpath export points at a module that exists, tsconfig maps the
// same subpath to the same source (examples and tests import exactly what users import), the
// core imports no framework.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'))

const sourceOf = (distJs: string) => distJs.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts')

test('every subpath export has a source module, a CommonJS entry and a matching tsconfig path', () => {
  const paths: Record<string, string[]> = tsconfig.compilerOptions.paths
  for (const [sub, target] of Object.entries<any>(pkg.exports)) {
    if (sub === './package.json') continue
    assert.deepEqual(Object.keys(target), ['import', 'require'], `${sub}: import, then require`)
    assert.deepEqual(Object.keys(target.import), ['types', 'default'], `${sub}: import has types first`)
    assert.deepEqual(Object.keys(target.require), ['types', 'default'], `${sub}: require has types first`)
    const src = sourceOf(target.import.default)
    assert.ok(existsSync(join(root, src)), `${sub} → ${src} exists`)
    assert.equal(target.import.types, target.import.default.replace(/\.js$/, '.d.ts'), `${sub} types beside import`)
    const cjs = target.import.default.replace(/^\.\/dist\/src\//, './dist/cjs/').replace(/\.js$/, '.cjs')
    assert.equal(target.require.default, cjs, `${sub}: the CommonJS entry mirrors the ES module's path`)
    assert.equal(target.require.types, cjs.replace(/\.cjs$/, '.d.cts'), `${sub}: .d.cts beside the CommonJS entry`)
    const name = sub === '.' ? 'doorman-login' : `doorman-login/${sub.slice(2)}`
    const mapped = paths[name]?.[0] ?? paths['doorman-login/stores/*']?.[0].replace('*', sub.split('/').pop()!)
    assert.ok(mapped, `tsconfig maps ${name}`)
    assert.equal(mapped.replace(/^\.\//, ''), src, `tsconfig maps ${name} to ${src}`)
  }
  assert.equal(pkg.main, pkg.exports['.'].require.default, 'main (for tools without exports) is the CommonJS root')
  assert.equal(pkg.types, pkg.exports['.'].require.types)
})

test('the core imports no framework', () => {
  const core = ['index.ts', 'auth.ts', 'manager.ts', 'guards.ts', 'unauthorized.ts', 'ambient.ts']
  for (const f of core) {
    const text = readFileSync(join(root, 'src', f), 'utf8')
    assert.doesNotMatch(text, /from '(hono|express|fastify)/, `${f} imports no framework`)
    assert.doesNotMatch(text, /from 'node:/, `${f} has no static node: import`)
  }
})

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : []
  })
}

// style.md: one concept per file, ≤ 300 lines, ≤ 150 for a framework adapter.
test('source files stay within their size budgets', () => {
  const over: string[] = []
  for (const f of walk(join(root, 'src'))) {
    const lines = readFileSync(f, 'utf8').replace(/\n$/, '').split('\n').length
    const budget = /[\\/]adapters[\\/](hono|express|fastify|fetch)\.ts$/.test(f) ? 150 : 300
    if (lines > budget) over.push(`${f.slice(root.length)}: ${lines} > ${budget}`)
  }
  assert.deepEqual(over, [])
})
