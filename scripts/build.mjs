#!/usr/bin/env node
// `npm run build` (and `prepack`, so `npm pack`/`npm publish` always ship a fresh build): a clean
// dist/ with the ES modules and their declarations (tsc), plus the CommonJS entry points.
//
//   dist/src/**.js, .d.ts    the one implementation, ES modules (tsc -p tsconfig.build.json)
//   dist/cjs/<entry>.cjs     `module.exports = require('../src/<entry>.js')`, one per subpath export:
//                            require() of an ES module (Node 20.19+, 22.12+) loads the very same
//                            module instance an `import` gets, so there is one AsyncLocalStorage,
//                            one set of error classes (instanceof holds across both) and one
//                            session cache, whichever way an app or its dependencies load doorman
//   dist/cjs/**.d.cts        the declarations again, as CommonJS (`.cjs` specifiers), so that
//                            TypeScript under node16/nodenext types a require() without claiming
//                            it loads an ES module (TS1479 before TypeScript 5.8)
//
// The entry points come from package.json's exports map: each subpath's `import` target names the
// ES module and its `require` target the wrapper to write, so the map stays the one list.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DIST = path.join(ROOT, 'dist')
const ESM = path.join(DIST, 'src')
const CJS = path.join(DIST, 'cjs')
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
const fail = (msg) => {
  console.error(`[build] ${msg}`)
  process.exit(1)
}

fs.rmSync(DIST, { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
} catch {
  fail('tsc failed (errors above)')
}

// Relative specifiers in declarations: `from './x.ts'`, `import('./x.js')`… tsc keeps the `.ts` of
// type-only imports in .d.ts files; consumers' resolvers expect the runtime extension.
const relativeSpecifier = /((?:\bfrom|\bimport)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.(?:ts|js)(['"])/g
const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))

for (const file of walk(ESM).filter((f) => f.endsWith('.d.ts'))) {
  const text = fs.readFileSync(file, 'utf8')
  fs.writeFileSync(file, text.replace(relativeSpecifier, '$1$2.js$3'))
  const out = path.join(CJS, path.relative(ESM, file)).replace(/\.d\.ts$/, '.d.cts')
  fs.mkdirSync(path.dirname(out), { recursive: true })
  fs.writeFileSync(out, text.replace(relativeSpecifier, '$1$2.cjs$3'))
}

const posix = (p) => p.split(path.sep).join('/')
const node = pkg.engines.node
// A Node.js without require(esm) (before 20.19 and 22.12, or run with
// --no-experimental-require-module) gets a sentence that says what to do, not ERR_REQUIRE_ESM.
const cjsEntry = (name, spec) => `'use strict'
// ${name} for require(): the ES module itself (see scripts/build.mjs in the repository).
try {
  module.exports = require('${spec}')
} catch (e) {
  if (e && e.code === 'ERR_REQUIRE_ESM') {
    throw new Error('${name}: require() of this package needs a Node.js that can require() ES modules (${node}); this is ' + process.version + '. Upgrade Node.js, or load it with import().', { cause: e })
  }
  throw e
}
`
let entries = 0
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target === 'string') continue
  const esm = target.import?.default
  const cjs = target.require?.default
  if (!esm || !cjs) fail(`exports["${subpath}"] needs both import.default and require.default`)
  const esmFile = path.join(ROOT, esm)
  const cjsFile = path.join(ROOT, cjs)
  if (!fs.existsSync(esmFile)) fail(`exports["${subpath}"].import: ${esm} was not built`)
  if (!cjsFile.startsWith(CJS + path.sep)) fail(`exports["${subpath}"].require must point into dist/cjs/`)
  const spec = posix(path.relative(path.dirname(cjsFile), esmFile))
  fs.mkdirSync(path.dirname(cjsFile), { recursive: true })
  fs.writeFileSync(cjsFile, cjsEntry(`${pkg.name}${subpath.slice(1)}`, spec.startsWith('.') ? spec : `./${spec}`))
  for (const cond of ['import', 'require']) {
    if (!fs.existsSync(path.join(ROOT, target[cond].types))) fail(`exports["${subpath}"].${cond}.types: ${target[cond].types} was not built`)
  }
  entries++
}
console.log(`[build] dist/: ES modules and declarations, ${entries} CommonJS entry points`)
