/**
 * Consumer projects (test/consumers/) compiled against the packed package (npm pack, installed), by its name, under
 * `strict` with `moduleResolution` `nodenext` and `bundler`, with and without @types/passport and
 * @fastify/jwt in the program. Their `@ts-expect-error` probes prove the registered user reaches
 * `req.user`, `request.user`, `c.get('user')`, the ambient accessors and every callback; that
 * guards narrow; and that a manager of another user type is refused.
 */
import assert from 'node:assert/strict'
import { cpSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { before, describe, test } from 'node:test'
import { compile } from '../helpers/tsc.ts'
import { linkFromRepo, packedInstall, ROOT } from '../helpers/packed.ts'

const CONFIGS = ['tsconfig.nodenext.json', 'tsconfig.bundler.json', 'tsconfig.peers.nodenext.json', 'tsconfig.peers.bundler.json']

describe('consumer projects type-check against the built package', { timeout: 600_000 }, () => {
  // The packed tarball, installed as a user installs it (removed when the process exits), with
  // the peers whose declarations doorman's must merge with.
  let project: { dir: string }
  before(async () => {
    project = await packedInstall()
    linkFromRepo(project.dir, '@types/passport', '@fastify/jwt', '@types/node', '@types/express', 'passport')
    cpSync(path.join(ROOT, 'test', 'consumers'), project.dir, { recursive: true })
  })

  for (const config of CONFIGS) {
    test(config, async () => {
      const { code, output } = await compile(project.dir, config)
      assert.equal(output.trim(), '', `tsc -p ${config} reported:\n${output}`)
      assert.equal(code, 0)
    })
  }

  test('the harness sees errors: a wrong probe and a dead probe both fail the compile', async () => {
    writeFileSync(
      path.join(project.dir, 'src', 'control.ts'),
      [
        "import { manager } from './user.js'",
        "import { getUser } from 'doorman-login'",
        '// A user is not a number: the compile must fail here.',
        'export const n: number = (await getUser())!',
        '// @ts-expect-error a probe whose error does not happen: TS2578.',
        'export const m = manager',
        '',
      ].join('\n'),
    )
    writeFileSync(path.join(project.dir, 'tsconfig.control.json'), JSON.stringify({ extends: './tsconfig.nodenext.json', files: ['src/user.ts', 'src/control.ts'] }))
    const { code, output } = await compile(project.dir, 'tsconfig.control.json')
    assert.notEqual(code, 0)
    assert.match(output, /src\/control\.ts\(4,14\): error TS2322/)
    assert.match(output, /src\/control\.ts\(5,1\): error TS2578/)
  })
})
