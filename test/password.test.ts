/** @module doorman/password (tests): hashing, legacy verification, rehash, policy and options. */

import assert from 'node:assert/strict'
import { createHash, pbkdf2Sync, scryptSync } from 'node:crypto'
import { describe, test } from 'node:test'
import argon2 from 'argon2'
import bcryptjs from 'bcryptjs'
import { ConfigError, PasswordError } from '../src/errors.ts'
import {
  DEFAULT_PASSWORD_OPTIONS,
  checkNewPassword,
  hashPassword,
  needsRehash,
  normalizePassword,
  validateNewPassword,
  verifyPassword,
  type PasswordOptions,
} from '../src/password/index.ts'
import { loadOptional } from '../src/password/load.ts'

// The cheapest options the module allows: keeps every test that is not about defaults fast.
const MIN: PasswordOptions = { memoryCost: 19456, timeCost: 1, parallelism: 1 }

function reason(r: string) {
  return (e: unknown) => e instanceof PasswordError && e.reason === r && e.status === 400
}
function configOption(option: string) {
  return (e: unknown) => e instanceof ConfigError && e.option === option && e.message.includes(option)
}

// Werkzeug's algorithm, straight from werkzeug/security.py `_hash_internal`, written here with
// node:crypto independently of src/password/werkzeug.ts:
//   pbkdf2: hashlib.pbkdf2_hmac(method, password_utf8, salt_utf8, iterations).hex()
//   scrypt: hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=132*n*r*p).hex()  (dklen 64)
function werkzeugPbkdf2(password: string, salt: string, digest: string, iterations: number, method?: string): string {
  const size = createHash(digest).digest().length
  const hex = pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), iterations, size, digest).toString('hex')
  return `${method ?? `pbkdf2:${digest}:${iterations}`}$${salt}$${hex}`
}
function werkzeugScrypt(password: string, salt: string, n: number, r: number, p: number, method?: string): string {
  const hex = scryptSync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), 64, { N: n, r, p, maxmem: 132 * n * r * p }).toString('hex')
  return `${method ?? `scrypt:${n}:${r}:${p}`}$${salt}$${hex}`
}

function phcParams(hash: string): Record<string, number> {
  const params = hash.split('$')[3]
  return Object.fromEntries(params.split(',').map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]))
}

describe('defaults', () => {
  test('DEFAULT_PASSWORD_OPTIONS is frozen at the OWASP Argon2id minimum and a 1024-byte cap', () => {
    assert.deepEqual({ ...DEFAULT_PASSWORD_OPTIONS }, { memoryCost: 19456, timeCost: 2, parallelism: 1, maxLength: 1024 })
    assert.ok(Object.isFrozen(DEFAULT_PASSWORD_OPTIONS))
  })

  test('hashPassword with no options makes an argon2id m=19456,t=2,p=1 PHC string that verifies', async () => {
    const hash = await hashPassword('correct horse battery staple')
    assert.match(hash, /^\$argon2id\$v=19\$/)
    assert.deepEqual(phcParams(hash), { m: 19456, t: 2, p: 1 })
    assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true)
    assert.equal(await verifyPassword(hash, 'correct horse battery stapler'), false)
    assert.equal(needsRehash(hash), false)
    assert.notEqual(await hashPassword('correct horse battery staple', MIN), await hashPassword('correct horse battery staple', MIN))
  })
})

describe('hash and verify', () => {
  test('64-, 128- and 1024-character passwords round-trip (ASVS 6.2.9)', async () => {
    for (const length of [64, 128, 1024]) {
      const password = 'x'.repeat(length - 1) + '!'
      const hash = await hashPassword(password, MIN)
      assert.equal(await verifyPassword(hash, password, MIN), true, `length ${length}`)
      assert.equal(await verifyPassword(hash, password.slice(0, -1) + '?', MIN), false, `length ${length}`)
    }
  })

  test('comparison is exact: trailing space, case, embedded NUL, and no truncation after 72 bytes', async () => {
    const hash = await hashPassword('Tr0ub4dor&3', MIN)
    for (const other of ['Tr0ub4dor&3 ', ' Tr0ub4dor&3', 'tr0ub4dor&3', 'TR0UB4DOR&3', 'Tr0ub4dor&3\0', 'Tr0ub4dor\0&3', 'Tr0ub4dor&']) {
      assert.equal(await verifyPassword(hash, other, MIN), false, JSON.stringify(other))
    }
    const nul = await hashPassword('abc\0def', MIN)
    assert.equal(await verifyPassword(nul, 'abc\0def', MIN), true)
    assert.equal(await verifyPassword(nul, 'abc', MIN), false)
    const long = await hashPassword('a'.repeat(72) + 'X', MIN)
    assert.equal(await verifyPassword(long, 'a'.repeat(72) + 'Y', MIN), false)
    assert.equal(await verifyPassword(long, 'a'.repeat(72), MIN), false)
    assert.equal(await verifyPassword(long, 'a'.repeat(72) + 'X', MIN), true)
  })

  test('emoji and accents round-trip', async () => {
    const nfc = 'caf\u00e9 ☕ 🔑'
    const hash = await hashPassword(nfc, MIN)
    assert.equal(await verifyPassword(hash, nfc, MIN), true)
    assert.equal(await verifyPassword(hash, 'cafe ☕ 🔑', MIN), false)
  })

  test('a lone surrogate is refused: it has no exact UTF-8 form', async () => {
    await assert.rejects(hashPassword('abc\uD800defgh', MIN), reason('malformed'))
    // U+FFFD is what an encoder would have turned the surrogate into.
    const replaced = await hashPassword('abc\uFFFDdefgh', MIN)
    assert.equal(await verifyPassword(replaced, 'abc\uD800defgh', MIN), false)
    assert.equal(await verifyPassword(replaced, 'abc\uDFFFdefgh', MIN), false)
  })

  test('an empty or non-string password cannot be hashed and never verifies', async () => {
    await assert.rejects(hashPassword('', MIN), reason('empty'))
    await assert.rejects(hashPassword(42 as unknown as string, MIN), reason('empty'))
    const hash = await hashPassword('something long enough', MIN)
    assert.equal(await verifyPassword(hash, '', MIN), false)
    assert.equal(await verifyPassword(hash, undefined as unknown as string, MIN), false)
    assert.equal(await verifyPassword(hash, ['something long enough'] as unknown as string, MIN), false)
  })
})

describe('Unicode normalisation (NIST SP 800-63B §5.1.1.2: NFKC before hashing)', () => {
  const NFC = 'caf\u00e9 cr\u00e8me br\u00fbl\u00e9e'
  const NFD = NFC.normalize('NFD')
  const FULL_WIDTH = 'ｃｏｒｒｅｃｔ ｈｏｒｓｅ' // what an East Asian input method may send
  const ASCII = 'correct horse'

  test('normalizePassword is NFKC', () => {
    assert.equal(normalizePassword(NFD), NFC)
    assert.equal(normalizePassword(FULL_WIDTH), ASCII)
    assert.equal(normalizePassword('\ufb01ne print'), 'fine print') // the ﬁ ligature
    assert.equal(normalizePassword(ASCII), ASCII)
  })

  test('one password typed in NFC, NFD or full width verifies against one hash; the hash is of the NFKC form', async () => {
    for (const [typedAtSignUp, typedAtLogin] of [[NFC, NFD], [NFD, NFC], [FULL_WIDTH, ASCII], [ASCII, FULL_WIDTH]]) {
      const hash = await hashPassword(typedAtSignUp, MIN)
      assert.equal(await verifyPassword(hash, typedAtLogin, MIN), true, `${typedAtSignUp} then ${typedAtLogin}`)
      assert.equal(await argon2.verify(hash, typedAtSignUp.normalize('NFKC')), true)
    }
    assert.equal(await verifyPassword(await hashPassword(NFC, MIN), NFC.replace('è', 'e'), MIN), false)
  })

  test('hashes made from the raw bytes elsewhere keep verifying: Werkzeug, bcrypt, Argon2', async () => {
    const legacy = [
      werkzeugPbkdf2(NFD, 'NaClNaClNaClNaCl', 'sha256', 1000),
      werkzeugScrypt(FULL_WIDTH, 'NaClNaClNaClNaCl', 1024, 8, 1),
      bcryptjs.hashSync(NFD, 4),
      await argon2.hash(FULL_WIDTH, { type: argon2.argon2id, memoryCost: 19456, timeCost: 1, parallelism: 1 }),
    ]
    for (const [hash, typed] of [[legacy[0], NFD], [legacy[1], FULL_WIDTH], [legacy[2], NFD], [legacy[3], FULL_WIDTH]]) {
      assert.equal(await verifyPassword(hash, typed, MIN), true, hash)
      assert.equal(await verifyPassword(hash, typed + 'x', MIN), false, hash)
    }
  })

  test('a password that NFKC changes costs two verifications, with or without an account', async (t) => {
    const verify = t.mock.method(argon2, 'verify')
    const hash = await hashPassword('something else entirely', MIN)
    for (const [stored, typed, calls] of [[null, NFD, 2], [hash, NFD, 2], [null, NFC, 1], [hash, NFC, 1], ['garbage', FULL_WIDTH, 2]] as const) {
      const before = verify.mock.callCount()
      assert.equal(await verifyPassword(stored, typed, MIN), false)
      assert.equal(verify.mock.callCount() - before, calls, `${stored} ${typed}`)
    }
  })

  test('the cap applies to the normalised form too (U+FDFA expands to 18 characters)', async () => {
    const expanding = '\ufdfa'.repeat(100) // 300 bytes as typed, 3,300 once normalised
    await assert.rejects(hashPassword(expanding, MIN), reason('too-long'))
    assert.throws(() => validateNewPassword(expanding), reason('too-long'))
  })

  test('the policy checks the normalised form: length in its code points, the blocklist against it', () => {
    assert.throws(() => validateNewPassword('ｐａｓｓｗｏｒｄ', { blocklist: ['password'] }), reason('breached'))
    let seen = ''
    validateNewPassword('ｌｏｎｇ ｅｎｏｕｇｈ', { blocklist: (pw) => ((seen = pw), false) })
    assert.equal(seen, 'long enough')
    // U+2474 "⑵" is one code point that NFKC makes three: "(2)".
    assert.doesNotThrow(() => validateNewPassword('abcde\u2474'))
    assert.throws(() => validateNewPassword('abcd\u2474'), reason('too-short'))
  })
})

describe('maxLength (CVE-2013-1443)', () => {
  test('hashPassword throws PasswordError too-long over the cap, counting UTF-8 bytes', async () => {
    await assert.rejects(hashPassword('a'.repeat(1025), MIN), reason('too-long'))
    await assert.rejects(hashPassword('a'.repeat(4096), MIN), reason('too-long'))
    // 513 characters, 1026 bytes.
    await assert.rejects(hashPassword('é'.repeat(513), MIN), reason('too-long'))
    await assert.rejects(hashPassword('a'.repeat(65), { ...MIN, maxLength: 64 }), reason('too-long'))
    const hash = await hashPassword('é'.repeat(512), MIN)
    assert.equal(await verifyPassword(hash, 'é'.repeat(512), MIN), true)
  })

  test('verifyPassword returns false over the cap without hashing anything', async (t) => {
    const password = 'p'.repeat(1500)
    const hash = await hashPassword(password, { ...MIN, maxLength: 2048 })
    assert.equal(await verifyPassword(hash, password, { ...MIN, maxLength: 2048 }), true)
    const verify = t.mock.method(argon2, 'verify')
    const hashFn = t.mock.method(argon2, 'hash')
    assert.equal(await verifyPassword(hash, password, MIN), false)
    assert.equal(await verifyPassword(null, password, MIN), false)
    assert.equal(await verifyPassword(werkzeugPbkdf2(password, 'salt', 'sha256', 1000), password, MIN), false)
    assert.equal(await verifyPassword(hash, 'x'.repeat(10 * 1024 * 1024), MIN), false)
    assert.equal(verify.mock.callCount(), 0)
    assert.equal(hashFn.mock.callCount(), 0)
  })
})

describe('Argon2 variants', () => {
  test('argon2i and argon2d PHC strings verify', async () => {
    for (const type of [argon2.argon2i, argon2.argon2d, argon2.argon2id] as const) {
      const hash = await argon2.hash('legacy password', { type, memoryCost: 8192, timeCost: 3, parallelism: 1 })
      assert.equal(await verifyPassword(hash, 'legacy password', MIN), true, hash)
      assert.equal(await verifyPassword(hash, 'legacy passworD', MIN), false, hash)
    }
  })
})

describe('Werkzeug hashes', () => {
  // Produced by real Werkzeug 3.1.8 (python3 -c "from werkzeug.security import generate_password_hash; ...")
  // and each checked with its check_password_hash. The last three were assembled from Werkzeug's
  // own _hash_internal with the method's optional fields left out, and check_password_hash accepts them.
  const WERKZEUG_3_1_8: [string, string][] = [
    ['correct horse battery staple', 'pbkdf2:sha256:600000$XqOf8K2M1j0q5iNH$038e0b98aedec9b80c70a27e66b43c8fcd733b95209a9186412769993557bc82'],
    ['pässwörd 🔑', 'pbkdf2:sha512:210000$tO1Nk9vIY4iyRuoS$6ab74c5a1052be1e39e25efe46b41bd6f7f810d9c2e405fe5abb99b2fb5a4ffcfebf22a60af8796fa15bb688595a328d6556aebfc8fd592b5f5277efe9af2906'],
    ['correct horse battery staple', 'pbkdf2:sha1:1000$N50U3lc4FsBqfrDo$a5df3de1274efee590517a14acea8e2e3fb9929a'],
    ['correct horse battery staple', 'scrypt:32768:8:1$xIisuIZy7Nm0z3dH$9e24bbdd33b2607088936f49dcb58a4b5551497394489d150bbcf43d27b265820ea1ea58739ff15d488bbf615f37b4ee7d2d010213e354ff588cfa0e3ac59c21'],
    ['pässwörd 🔑', 'scrypt:16384:8:1$nILIg5GYchTfo5Xm$30ca3eea8940b94328d713af938979f70f9f15fdf7c9f993a63de7010f596dc7dad35fe4684cba7da640b0d3c85a52ba69edcf88580516a0fa6a092e6495cba8'],
    ['correct horse battery staple', 'pbkdf2:sha256$NaClNaClNaClNaCl$c0f7cc97cff875901572d7d252e95e3e1b22bbd931222635068421b34acaa9d2'],
    ['correct horse battery staple', 'pbkdf2$NaClNaClNaClNaCl$c0f7cc97cff875901572d7d252e95e3e1b22bbd931222635068421b34acaa9d2'],
    ['correct horse battery staple', 'scrypt$NaClNaClNaClNaCl$2fbb25f8bcea29f22b4ddb5a8e9a91765aaaf25b775a4794318066efb9639913a707cd82e29ab4ea406c9800442cdfd0535342fd44d1d87ee010872f05fec5e5'],
  ]

  test('vectors generated by real Werkzeug 3.1.8 verify, and wrong passwords do not', async () => {
    for (const [password, hash] of WERKZEUG_3_1_8) {
      assert.equal(await verifyPassword(hash, password, MIN), true, hash)
      // One wrong guess per distinct method is enough; each million-iteration check costs ~0.3 s.
      if (!hash.startsWith('pbkdf2$')) assert.equal(await verifyPassword(hash, password + ' ', MIN), false, hash)
    }
  })

  test('pbkdf2 vectors computed here with node:crypto per Werkzeug\'s algorithm (sha256:600000, sha512, sha1)', async () => {
    const cases = [
      werkzeugPbkdf2('hunter2 hunter2', 'Zx8kQ2mN4pR6sT1v', 'sha256', 600000),
      werkzeugPbkdf2('ünïcödé 🔐 password', 'abcdefghijklmnop', 'sha512', 210000),
      werkzeugPbkdf2('hunter2 hunter2', 'AbCdEfGh', 'sha1', 1000),
      werkzeugPbkdf2('hunter2 hunter2', 'AbCdEfGh', 'sha384', 2),
    ]
    for (const hash of cases) {
      const password = hash.includes('sha512') ? 'ünïcödé 🔐 password' : 'hunter2 hunter2'
      assert.equal(await verifyPassword(hash, password, MIN), true, hash)
      assert.equal(await verifyPassword(hash, password.toUpperCase(), MIN), false, hash)
    }
  })

  test('a pbkdf2 method without iterations uses Werkzeug\'s default (1,000,000 since 3.1) and sha256', async () => {
    const full = werkzeugPbkdf2('default iterations', 'q1w2e3r4t5y6u7i8', 'sha256', 1_000_000)
    for (const method of ['pbkdf2:sha256', 'pbkdf2']) {
      const hash = full.replace('pbkdf2:sha256:1000000$', `${method}$`)
      assert.equal(await verifyPassword(hash, 'default iterations', MIN), true, method)
    }
    const wrongCount = werkzeugPbkdf2('default iterations', 'q1w2e3r4t5y6u7i8', 'sha256', 600_000, 'pbkdf2:sha256')
    assert.equal(await verifyPassword(wrongCount, 'default iterations', MIN), false)
  })

  test('scrypt vectors computed here with node:crypto (dklen 64, maxmem 132·n·r·p), including the bare default', async () => {
    const cases = [
      werkzeugScrypt('hunter2 hunter2', 'Zx8kQ2mN4pR6sT1v', 32768, 8, 1),
      werkzeugScrypt('hunter2 hunter2', 'Zx8kQ2mN4pR6sT1v', 32768, 8, 1, 'scrypt'),
      werkzeugScrypt('hunter2 hunter2', 'Zx8kQ2mN4pR6sT1v', 1024, 4, 2),
    ]
    for (const hash of cases) {
      assert.equal(await verifyPassword(hash, 'hunter2 hunter2', MIN), true, hash)
      assert.equal(await verifyPassword(hash, 'hunter2 hunter3', MIN), false, hash)
    }
  })

  test('the salt is used as UTF-8 text, never decoded', async () => {
    const salt = 'c2FsdA+/=sälz'
    const hash = werkzeugPbkdf2('salted', salt, 'sha256', 1000)
    assert.equal(await verifyPassword(hash, 'salted', MIN), true)
    const decodedSalt = pbkdf2Sync('salted', Buffer.from('c2FsdA', 'base64'), 1000, 32, 'sha256').toString('hex')
    assert.equal(await verifyPassword(`pbkdf2:sha256:1000$c2FsdA$${decodedSalt}`, 'salted', MIN), false)
  })

  test('malformed, removed or oversized Werkzeug strings give false, not a throw', async () => {
    const good = werkzeugPbkdf2('pw pw pw pw', 'saltsalt', 'sha256', 1000)
    const hex = good.split('$')[2]
    const bad = [
      good.toUpperCase(),
      `pbkdf2:sha256:1000$saltsalt$${hex.toUpperCase()}`,
      `pbkdf2:sha256:1000$saltsalt$${hex.slice(2)}`,
      `pbkdf2:sha256:1000$saltsalt$${hex}$`,
      `pbkdf2:sha256:1000$$${hex}`,
      `pbkdf2:sha256:0$saltsalt$${hex}`,
      `pbkdf2:sha256:01000$saltsalt$${hex}`,
      `pbkdf2:sha256:+1000$saltsalt$${hex}`,
      `pbkdf2:sha256:$saltsalt$${hex}`,
      `pbkdf2:sha256:1000:1$saltsalt$${hex}`,
      `pbkdf2:sha256:99999999999$saltsalt$${hex}`,
      `pbkdf2:md5:1000$saltsalt$${'0'.repeat(32)}`,
      `pbkdf2:SHA256:1000$saltsalt$${hex}`,
      `scrypt:3:8:1$saltsalt$${'0'.repeat(128)}`,
      `scrypt:2097152:8:1$saltsalt$${'0'.repeat(128)}`,
      `scrypt:16384:8$saltsalt$${'0'.repeat(128)}`,
      `scrypt:16384:8:1$saltsalt$${'0'.repeat(64)}`,
      'plain$$pw pw pw pw',
      `sha1$saltsalt$${'0'.repeat(40)}`,
      `md5$saltsalt$${'0'.repeat(32)}`,
    ]
    for (const hash of bad) {
      assert.equal(await verifyPassword(hash, 'pw pw pw pw', MIN), false, hash)
    }
  })
})

describe('bcrypt hashes', () => {
  test('published vectors: Openwall crypt_blowfish $2a$ tests and the PHP manual $2y$ example', async () => {
    // crypt_blowfish's own TEST table (Openwall, wrapper.c); bcryptjs agrees.
    const vectors: [string, string][] = [
      ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
      ['U*U*', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK'],
      ['U*U*U', '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a'],
      // $2b$ and $2y$ compute the same function as $2a$ on this (ASCII) input.
      ['U*U', '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
      ['U*U', '$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
      // php.net password_verify() example.
      ['rasmuslerdorf', '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a'],
    ]
    for (const [password, hash] of vectors) {
      assert.equal(await verifyPassword(hash, password, MIN), true, hash)
      assert.equal(await verifyPassword(hash, password + '*', MIN), false, hash)
    }
  })

  test('$2a$, $2b$ and $2y$ hashes made by bcryptjs verify', async () => {
    const salt = bcryptjs.genSaltSync(4)
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      const hash = bcryptjs.hashSync('bcrypt password', prefix + salt.slice(4))
      assert.ok(hash.startsWith(prefix))
      assert.equal(await verifyPassword(hash, 'bcrypt password', MIN), true, hash)
      assert.equal(await verifyPassword(hash, 'bcrypt passwore', MIN), false, hash)
    }
  })

  test('over 72 bytes is refused, not truncated: a*72+X and a*72+Y never match', async () => {
    const hash = bcryptjs.hashSync('a'.repeat(72) + 'X', 4)
    assert.equal(await verifyPassword(hash, 'a'.repeat(72) + 'Y', MIN), false)
    assert.equal(await verifyPassword(hash, 'a'.repeat(72) + 'X', MIN), false)
    // What bcrypt actually stored.
    assert.equal(await verifyPassword(hash, 'a'.repeat(72), MIN), true)
    // Openwall's "chars after 72 are ignored" vector: the full password is now refused.
    const head = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
    const openwall = '$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui'
    assert.equal(await verifyPassword(openwall, head + 'chars after 72 are ignored', MIN), false)
    assert.equal(await verifyPassword(openwall, head, MIN), true)
    // Bytes, not characters: 36 × 'é' is 72 bytes, 37 is 74.
    const accented = bcryptjs.hashSync('é'.repeat(36), 4)
    assert.equal(await verifyPassword(accented, 'é'.repeat(36), MIN), true)
    assert.equal(await verifyPassword(bcryptjs.hashSync('é'.repeat(37), 4), 'é'.repeat(37), MIN), false)
  })

  test('an over-72-byte refusal still spends one dummy Argon2 verification', async (t) => {
    const hash = bcryptjs.hashSync('short', 4)
    const verify = t.mock.method(argon2, 'verify')
    assert.equal(await verifyPassword(hash, 'b'.repeat(73), MIN), false)
    assert.equal(verify.mock.callCount(), 1)
  })

  test('an embedded NUL is not a terminator', async () => {
    const hash = bcryptjs.hashSync('abc', 4)
    assert.equal(await verifyPassword(hash, 'abc\0def', MIN), false)
    assert.equal(await verifyPassword(hash, 'abc\0', MIN), false)
    assert.equal(await verifyPassword(hash, 'abc', MIN), true)
  })

  test('$2x$ (crypt_blowfish sign-extension bug) and $2$ are refused', async () => {
    assert.equal(await verifyPassword('$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U', MIN), false)
    assert.equal(await verifyPassword('$2$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U', MIN), false)
    assert.equal(await verifyPassword('$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U', MIN), false)
  })
})

describe('unknown and missing hashes', () => {
  test('garbage, unknown formats and non-strings give false, never a throw', async () => {
    const garbage: unknown[] = [
      '', ' ', '$', '$$$$$', 'garbage', '!', '!unusable-django-marker', 'null',
      '5f4dcc3b5aa765d61d8327deb882cf99',
      'pbkdf2_sha256$600000$salt$aGFzaA==',
      '$argon2id$garbage',
      '$argon2id$v=19$m=19456,t=2,p=1$$',
      '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$!!!',
      '$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA',
      '$argon2id$v=19$m=19456,t=2,p=1,keyid=abc$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA',
      '$argon2id$v=18$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA',
      '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA',
      '$argon2x$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA',
      '$6$rounds=5000$salt$hash',
      '$2b$10$short',
      42, {}, [], true,
    ]
    for (const hash of garbage) {
      assert.equal(await verifyPassword(hash as string, 'any password', MIN), false, JSON.stringify(hash))
    }
  })

  test('a null or undefined hash runs one full dummy Argon2id verify at the configured cost', async (t) => {
    const verify = t.mock.method(argon2, 'verify')
    const heavier: PasswordOptions = { memoryCost: 24576, timeCost: 1, parallelism: 2 }
    for (const [hash, options] of [[null, MIN], [undefined, MIN], [null, heavier]] as const) {
      const before = verify.mock.callCount()
      assert.equal(await verifyPassword(hash, 'guess', options), false)
      assert.equal(verify.mock.callCount(), before + 1)
      const [digest, password] = verify.mock.calls[before].arguments
      assert.equal(password, 'guess')
      assert.match(String(digest), /^\$argon2id\$v=19\$/)
      assert.deepEqual(phcParams(String(digest)), { m: options.memoryCost, t: options.timeCost, p: options.parallelism })
    }
  })

  test('an unknown or unusable stored hash costs the same dummy verify', async (t) => {
    const verify = t.mock.method(argon2, 'verify')
    for (const hash of ['', '!unusable', 'md5$x$' + '0'.repeat(32), 42 as unknown as string]) {
      const before = verify.mock.callCount()
      assert.equal(await verifyPassword(hash, 'guess', MIN), false)
      assert.equal(verify.mock.callCount(), before + 1, String(hash))
    }
  })
})

describe('needsRehash', () => {
  test('true for every hash that is not Argon2id, and for garbage', async () => {
    const argon2i = await argon2.hash('pw', { type: argon2.argon2i, memoryCost: 65536, timeCost: 3, parallelism: 4 })
    const argon2d = await argon2.hash('pw', { type: argon2.argon2d, memoryCost: 65536, timeCost: 3, parallelism: 4 })
    for (const hash of [
      'pbkdf2:sha256:1000000$salt$' + '0'.repeat(64),
      'scrypt:32768:8:1$salt$' + '0'.repeat(128),
      '$2b$12$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
      argon2i,
      argon2d,
      '',
      'garbage',
      null as unknown as string,
    ]) {
      assert.equal(needsRehash(hash), true, String(hash))
    }
  })

  test('true for argon2id weaker in m, t or p (or with a short salt); false for current or stronger', async () => {
    const make = (m: number, t: number, p: number, saltLength = 16) =>
      argon2.hash('pw', { type: argon2.argon2id, memoryCost: m, timeCost: t, parallelism: p, salt: Buffer.alloc(saltLength, 7) })
    assert.equal(needsRehash(await make(19456, 2, 1)), false)
    assert.equal(needsRehash(await make(65536, 3, 4)), false)
    assert.equal(needsRehash(await make(16384, 2, 1)), true)
    assert.equal(needsRehash(await make(19456, 1, 1)), true)
    assert.equal(needsRehash(await make(19456, 2, 1, 8)), true)
    const current = await make(19456, 2, 1)
    assert.equal(needsRehash(current, { memoryCost: 47104 }), true)
    assert.equal(needsRehash(current, { timeCost: 3 }), true)
    assert.equal(needsRehash(current, { parallelism: 2 }), true)
    assert.equal(needsRehash(await hashPassword('pw pw pw pw', MIN), MIN), false)
  })
})

describe('validateNewPassword and checkNewPassword', () => {
  test('rejects 7 characters and accepts 8 by default; the minimum is configurable', () => {
    assert.throws(() => validateNewPassword('abcdefg'), reason('too-short'))
    validateNewPassword('abcdefgh')
    assert.throws(() => validateNewPassword('abcdefghijk', { minLength: 12 }), reason('too-short'))
    validateNewPassword('abcdefghijkl', { minLength: 12 })
  })

  test('has no composition rules (ASVS 6.2.5)', () => {
    for (const password of ['correct horse battery staple', 'a'.repeat(16), '🔑🔑🔑🔑🔑🔑🔑🔑', '        ', 'パスワードはこれです', 'ALL UPPER CASE']) {
      validateNewPassword(password)
    }
  })

  test('counts Unicode code points, not UTF-16 units or bytes', () => {
    // 7 emoji are 14 UTF-16 units and 28 bytes, but 7 code points.
    assert.throws(() => validateNewPassword('😀'.repeat(7)), reason('too-short'))
    validateNewPassword('😀'.repeat(8))
    // A decomposed é is counted after NFKC composes it: one code point, as the user sees it.
    assert.throws(() => validateNewPassword('e\u0301'.repeat(7)), reason('too-short'))
    validateNewPassword('e\u0301'.repeat(8))
  })

  test('enforces the byte cap, non-emptiness and well-formedness', () => {
    assert.throws(() => validateNewPassword('a'.repeat(1025)), reason('too-long'))
    assert.throws(() => validateNewPassword('é'.repeat(40), { maxLength: 64 }), reason('too-long'))
    validateNewPassword('a'.repeat(1024))
    assert.throws(() => validateNewPassword(''), reason('empty'))
    assert.throws(() => validateNewPassword(null as unknown as string), reason('empty'))
    assert.throws(() => validateNewPassword('abcdefgh\uDC00'), reason('malformed'))
  })

  test('a blocklist of strings is compared exactly (Set, array or any iterable)', () => {
    function* generated() {
      yield 'password123'
    }
    for (const blocklist of [new Set(['password123', 'qwertyuiop']), ['password123'], generated()]) {
      assert.throws(() => validateNewPassword('password123', { blocklist }), reason('breached'))
    }
    for (const password of ['Password123', 'password123 ', 'password1234']) {
      validateNewPassword(password, { blocklist: new Set(['password123']) })
    }
  })

  test('a sync predicate works in validateNewPassword; an async one is a ConfigError there', async () => {
    const blocklist = (pw: string) => pw.toLowerCase().includes('doorman')
    assert.throws(() => validateNewPassword('my DoorMan secret', { blocklist }), reason('breached'))
    validateNewPassword('my other secret', { blocklist })
    let unhandled = 0
    const onUnhandled = () => unhandled++
    process.on('unhandledRejection', onUnhandled)
    try {
      assert.throws(() => validateNewPassword('whatever it is', { blocklist: async () => false }), configOption('policy.blocklist'))
      assert.throws(
        () => validateNewPassword('whatever it is', { blocklist: () => Promise.reject(new Error('api down')) }),
        configOption('policy.blocklist'),
      )
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
    assert.equal(unhandled, 0)
    assert.throws(() => validateNewPassword('whatever it is', { blocklist: (() => 'yes') as unknown as () => boolean }), configOption('policy.blocklist'))
  })

  test('checkNewPassword awaits an async predicate and propagates its failure', async () => {
    const pwned = new Set(['password123'])
    const blocklist = async (pw: string) => pwned.has(pw)
    await assert.rejects(checkNewPassword('password123', { blocklist }), reason('breached'))
    await checkNewPassword('password1234', { blocklist })
    await assert.rejects(checkNewPassword('short', { blocklist }), reason('too-short'))
    await assert.rejects(checkNewPassword('password123', { blocklist: ['password123'] }), reason('breached'))
    const down = new Error('breach API down')
    await assert.rejects(checkNewPassword('password1234', { blocklist: async () => { throw down } }), (e) => e === down)
  })

  test('a bad policy is a ConfigError naming the field', () => {
    assert.throws(() => validateNewPassword('abcdefgh', { minLength: 7 }), configOption('policy.minLength'))
    assert.throws(() => validateNewPassword('abcdefgh', { minLength: 8.5 }), configOption('policy.minLength'))
    assert.throws(() => validateNewPassword('abcdefgh', { maxLength: 63 }), configOption('policy.maxLength'))
    assert.throws(() => validateNewPassword('abcdefgh', { minLength: 100, maxLength: 64 }), configOption('policy.minLength'))
    assert.throws(() => validateNewPassword('abcdefgh', { blocklist: 'password' as unknown as string[] }), configOption('policy.blocklist'))
    assert.throws(() => validateNewPassword('abcdefgh', { minlength: 12 } as PasswordOptions), configOption('policy.minlength'))
  })
})

describe('options', () => {
  test('bad options throw ConfigError naming the option, from every entry point', async () => {
    const cases: [PasswordOptions, string][] = [
      [{ memoryCost: 19455 }, 'memoryCost'],
      [{ memoryCost: 19456.5 }, 'memoryCost'],
      [{ memoryCost: Number.NaN }, 'memoryCost'],
      [{ memoryCost: 2 ** 32 }, 'memoryCost'],
      [{ timeCost: 0 }, 'timeCost'],
      [{ parallelism: 0 }, 'parallelism'],
      [{ maxLength: 63 }, 'maxLength'],
      [{ maxLength: '1024' as unknown as number }, 'maxLength'],
      [{ memorycost: 65536 } as PasswordOptions, 'memorycost'],
    ]
    for (const [options, option] of cases) {
      await assert.rejects(hashPassword('abcdefgh', options), configOption(option))
      await assert.rejects(verifyPassword(null, 'abcdefgh', options), configOption(option))
      assert.throws(() => needsRehash('x', options), configOption(option))
    }
  })

  test('a package that fails to load gives a ConfigError naming it, with the install command', async () => {
    const missing = 'doorman-no-such-package'
    await assert.rejects(
      loadOptional(missing, () => import(missing)),
      (e: unknown) => configOption(missing)(e) && (e as Error).message.includes(`npm install ${missing}`) && (e as Error).cause !== undefined,
    )
  })
})
