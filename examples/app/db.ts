/**
 * @module examples/app/db: the example app's own tables (users, API tokens) on better-sqlite3.
 *
 * doorman's SQLite store keeps its sessions, remember-me tokens and throttle counters in the same
 * file, in tables of its own; this module only knows about the app's data.
 */
import Database from 'better-sqlite3'
import { createHash, randomBytes } from 'node:crypto'
import { normalizeUsername } from 'doorman-login/throttle'

/** A user as the app sees it. */
export interface User {
  id: string
  username: string
  passwordHash: string
  /**
   * The auth epoch: a digest of the password hash the user last chose. doorman binds every
   * session and remember-me token to it, so a password change signs out every other device. A
   * rehash at login (same password, stronger parameters) keeps it, so nobody is signed out for it.
   */
  passwordEpoch: string
  createdAt: number
}

/** An API token as listed on the account page (the token itself is never stored). */
export interface ApiToken {
  id: number
  name: string
  createdAt: number
  lastUsedAt: number | null
}

interface UserRow {
  id: number
  username: string
  password_hash: string
  password_epoch: string
  created_at: number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id             INTEGER PRIMARY KEY,
  username       TEXT NOT NULL,
  username_key   TEXT NOT NULL UNIQUE,
  password_hash  TEXT NOT NULL,
  password_epoch TEXT NOT NULL,
  created_at     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER
);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens(user_id);
`

const now = () => Math.floor(Date.now() / 1000)
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

function toUser(r: UserRow | undefined): User | null {
  if (!r) return null
  return { id: String(r.id), username: r.username, passwordHash: r.password_hash, passwordEpoch: r.password_epoch, createdAt: r.created_at }
}

/**
 * The key a username is unique and looked up by: NFKC, then case-folded (doorman's
 * `normalizeUsername`, the fold its login throttle uses too). `Zoë`, `zoë`, `ZOË` and `zoe` +
 * U+0308 are one account; SQLite's NOCASE would fold only ASCII, so `ZOË` and `zoë` would be two.
 */
export function usernameKey(username: string): string {
  return normalizeUsername(username)
}

/** Open (and create) the database file; WAL so page loads never wait on a login write. */
export function openDatabase(path: string): Database.Database {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  db.exec(SCHEMA)
  addUsernameKeys(db)
  return db
}

// Files made before usernames had a key (ASCII names, unique under NOCASE) get the column now.
function addUsernameKeys(db: Database.Database): void {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(users)').all()
  if (columns.some((c) => c.name === 'username_key')) return
  db.transaction(() => {
    db.exec('ALTER TABLE users ADD COLUMN username_key TEXT')
    const set = db.prepare('UPDATE users SET username_key = ? WHERE id = ?')
    for (const r of db.prepare<[], { id: number; username: string }>('SELECT id, username FROM users').all()) set.run(usernameKey(r.username), r.id)
    db.exec('CREATE UNIQUE INDEX users_username_key ON users(username_key)')
  })()
}

/** The app's queries, prepared once. */
export function appQueries(db: Database.Database) {
  const byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?')
  const byName = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username_key = ?')
  const insert = db.prepare('INSERT INTO users (username, username_key, password_hash, password_epoch, created_at) VALUES (?, ?, ?, ?, ?)')
  const setHash = db.prepare('UPDATE users SET password_hash = ? WHERE id = ?')
  const setPassword = db.prepare('UPDATE users SET password_hash = ?, password_epoch = ? WHERE id = ?')
  const tokenInsert = db.prepare('INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)')
  const tokenFind = db.prepare<[string], { id: number; user_id: number }>('SELECT id, user_id FROM api_tokens WHERE token_hash = ?')
  const tokenUsed = db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?')
  const tokenList = db.prepare<[number], { id: number; name: string; created_at: number; last_used_at: number | null }>(
    'SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC',
  )
  const tokenDelete = db.prepare('DELETE FROM api_tokens WHERE id = ? AND user_id = ?')

  return {
    /** The user with this id (doorman's `userLoader`). */
    userById(id: string): User | null {
      return /^\d{1,15}$/.test(id) ? toUser(byId.get(Number(id))) : null
    },
    /** The user with this name, compared by {@link usernameKey} (Unicode-normalised, case-folded). */
    userByName(username: string): User | null {
      return toUser(byName.get(usernameKey(username)))
    },
    /** Create a user; null when the name (by {@link usernameKey}) is taken. */
    createUser(username: string, passwordHash: string): User | null {
      try {
        const r = insert.run(username, usernameKey(username), passwordHash, sha256(passwordHash), now())
        return this.userById(String(r.lastInsertRowid))
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return null
        throw e
      }
    },
    /** Replace the stored hash of the same password (rehash at login): the epoch stays. */
    upgradeHash(user: User, passwordHash: string): User {
      setHash.run(passwordHash, Number(user.id))
      return { ...user, passwordHash }
    },
    /** Set a new password: a new hash and a new epoch. */
    changePassword(user: User, passwordHash: string): User {
      const epoch = sha256(passwordHash)
      setPassword.run(passwordHash, epoch, Number(user.id))
      return { ...user, passwordHash, passwordEpoch: epoch }
    },
    /** Create an API token: returns the token, shown once; only its SHA-256 is kept. */
    createToken(user: User, name: string): string {
      const token = `dm_${randomBytes(32).toString('base64url')}`
      tokenInsert.run(Number(user.id), name, sha256(token), now())
      return token
    },
    /** The user an API token belongs to (doorman's `requestLoader`), recording its use. */
    userByToken(token: string): User | null {
      if (!/^dm_[A-Za-z0-9_-]{43}$/.test(token)) return null
      const row = tokenFind.get(sha256(token))
      if (!row) return null
      tokenUsed.run(now(), row.id)
      return this.userById(String(row.user_id))
    },
    /** The user's API tokens, newest first. */
    tokens(user: User): ApiToken[] {
      return tokenList.all(Number(user.id)).map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at }))
    },
    /** Delete one of the user's tokens. */
    deleteToken(user: User, id: number): boolean {
      return tokenDelete.run(id, Number(user.id)).changes > 0
    },
  }
}

/** The app's queries. */
export type AppDb = ReturnType<typeof appQueries>
