/**
 * No `any` reaches application code through doorman's declarations: the package's .d.ts files, as
 * `tsc -p tsconfig.build.json` emits them, are parsed and every `any` keyword in them is a
 * failure, unless the allow-list below names its declaration and says why it cannot be avoided.
 * Comments and JSDoc are not code and are not scanned. The other half of the promise, that no
 * callback hands the app an `any` that was inferred rather than written, is probed by
 * test/types/no-any.types.ts and test/consumers/.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { after, before, describe, test } from 'node:test'
import ts from 'typescript'
import { ROOT, TSC } from '../helpers/tsc.ts'

/**
 * `<file under dist/src>#<declaration path>` → why an `any` there is unavoidable. Empty today;
 * an entry that no longer matches anything fails the test, so the list cannot go stale.
 */
const ALLOWED = new Map<string, string>([])

/** Every `any` keyword in a declaration file, with the path of declarations around it. */
export function findAny(file: string, text: string): { where: string; line: number; code: string }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const hits: { where: string; line: number; code: string }[] = []
  const names: string[] = []
  const visit = (node: ts.Node): void => {
    const name = (node as { name?: ts.Node }).name
    const named = name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? name.text : null
    if (named) names.push(named)
    if (node.kind === ts.SyntaxKind.AnyKeyword) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source))
      hits.push({ where: names.join('.') || '(top level)', line: line + 1, code: text.split('\n')[line].trim() })
    }
    ts.forEachChild(node, visit)
    if (named) names.pop()
  }
  visit(source)
  return hits
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f))
}

describe('no any in the emitted declarations', { timeout: 300_000 }, () => {
  let out: string
  before(async () => {
    out = mkdtempSync(path.join(os.tmpdir(), 'doorman-dts-'))
    await promisify(execFile)(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', out, '--emitDeclarationOnly'], { cwd: ROOT })
  })
  after(() => out && rmSync(out, { recursive: true, force: true }))

  test('the scanner finds `any` in code and not in comments', () => {
    const hits = findAny('probe.d.ts', '/** any */\nexport declare function f(x: any): void; // any\nexport interface I { m(): Promise<any[]> }\n')
    assert.deepEqual(hits.map((h) => [h.where, h.line]), [['f.x', 2], ['I.m', 3]])
  })

  test('every exported declaration is free of `any` (or allow-listed with a reason)', () => {
    const src = path.join(out, 'src')
    const files = declarationFiles(src)
    assert.ok(files.length > 50, `expected the package's declarations, found ${files.length} files`)
    const found: string[] = []
    const used = new Set<string>()
    for (const file of files) {
      const rel = path.relative(src, file).split(path.sep).join('/')
      for (const hit of findAny(rel, readFileSync(file, 'utf8'))) {
        const key = `${rel}#${hit.where}`
        if (ALLOWED.has(key)) used.add(key)
        else found.push(`${rel}:${hit.line} (${hit.where}): ${hit.code}`)
      }
    }
    assert.deepEqual(found, [], `\`any\` in public declarations:\n${found.join('\n')}`)
    assert.deepEqual([...ALLOWED.keys()].filter((k) => !used.has(k)), [], 'allow-list entries that match nothing any more')
  })
})
