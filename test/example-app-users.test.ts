/**
 * @module test/example-app-users: the example app's usernames (examples/app): Unicode letters,
 * one account per NFKC + case-folded key, and the `username_key` column added to a database file
 * made before it existed.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { appQueries, openDatabase, usernameKey } from '../examples/app/db.ts'
import { cleanUsername, usernameProblem } from '../examples/app/routes/shared.tsx'

const dir = mkdtempSync(path.join(tmpdir(), 'doorman-app-users-'))
after(() => rmSync(dir, { recursive: true, force: true }))

describe('example app usernames', () => {
  test('letters of any alphabet are letters; the rule counts code points after NFKC', () => {
    for (const name of ['zoë', 'zoe\u0308', 'Ἀθηνᾶ', 'сергей', '佐藤花子', 'दीपा', 'ｊｏｅ', 'o_brien-2.0']) {
      assert.equal(usernameProblem(cleanUsername(name)), null, name)
    }
    assert.equal(cleanUsername('  zoe\u0308 '), 'zoë')
    assert.equal(cleanUsername('ｊｏｅ'), 'joe') // full width, as an East Asian input method sends it
    for (const name of ['zo', '佐藤', 'zoë!', 'a b c', '.zoe', '\u0308\u0308\u0308', 'x'.repeat(33), '😀😀😀']) {
      assert.match(usernameProblem(cleanUsername(name)) ?? '', /3 to 32 letters, digits, dots, dashes or underscores/, name)
    }
    assert.match(usernameProblem('аlice') ?? '', /one alphabet/) // Cyrillic а
    assert.match(usernameProblem('pαypal') ?? '', /one alphabet/) // Greek α
  })

  test('one account per NFKC + case-folded key, for non-ASCII letters too', async () => {
    const users = appQueries(openDatabase(path.join(dir, 'new.sqlite')))
    assert.ok(users.createUser('Zoë', 'hash'))
    for (const other of ['zoë', 'ZOË', 'zoe\u0308', 'ZOE\u0308', 'ｚｏë']) {
      assert.equal(users.createUser(cleanUsername(other), 'hash'), null, other)
      assert.equal(users.userByName(cleanUsername(other))?.username, 'Zoë', other)
    }
    assert.ok(users.createUser('Straße', 'hash'))
    assert.equal(users.userByName('STRASSE')?.username, 'Straße') // full case folding: ß = ss
    assert.equal(usernameKey('ÅNGSTRÖM'), usernameKey('ångström'))
  })

  test('a database file made before username_key gets the column, filled, and unique', () => {
    const file = path.join(dir, 'old.sqlite')
    const old = new Database(file)
    old.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE COLLATE NOCASE,
      password_hash TEXT NOT NULL, password_epoch TEXT NOT NULL, created_at INTEGER NOT NULL)`)
    old.prepare('INSERT INTO users (username, password_hash, password_epoch, created_at) VALUES (?, ?, ?, ?)').run('Alice', 'h', 'e', 1)
    old.close()
    const db = openDatabase(file)
    const users = appQueries(db)
    assert.equal(users.userByName('ALICE')?.id, '1')
    assert.equal(users.createUser('alice', 'h2'), null)
    db.close()
    // Opening it again changes nothing.
    const again = appQueries(openDatabase(file))
    assert.equal(again.userByName('alice')?.username, 'Alice')
  })
})
