// `npm run docs:api`: the API reference in docs/api/, Markdown (readable on GitHub and in the npm
// tarball), generated from the JSDoc. One page per subpath export: the entry points are read from
// package.json's exports map, so a new subpath gets its page without touching this file. Modules
// that no subpath exports are internal and get no page.
import fs from 'node:fs'

const pkg = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const entryPoints = Object.values(pkg.exports)
  .filter((t) => typeof t !== 'string')
  .map((t) => t.import.default.replace(/^\.\/dist\//, './').replace(/\.js$/, '.ts'))

/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions>} */
export default {
  entryPoints,
  tsconfig: './tsconfig.build.json',
  plugin: ['typedoc-plugin-markdown'],
  out: './docs/api',
  cleanOutputDir: true,
  name: 'doorman-login',
  readme: 'none',
  entryFileName: 'README.md',
  outputFileStrategy: 'modules',
  sortEntryPoints: false,
  // No source links or generator stamp: the output depends on the source alone, so the committed
  // copy can be checked against a fresh one (test/package/api-docs.test.ts).
  disableSources: true,
  hideGenerator: true,
  excludePrivate: true,
  excludeProtected: true,
  excludeInternal: true,
  excludeExternals: true,
  sort: ['kind', 'source-order'],
  validation: { notExported: true, invalidLink: true, invalidPath: true },
  // A warning is a gap in the reference (a type a signature mentions but no subpath exports, a broken link).
  treatWarningsAsErrors: true,
}
