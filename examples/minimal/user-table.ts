/**
 * @module examples/minimal/user-table: where the minimal examples keep their users. With a
 * server-side store the users live beside the sessions, in the same SQLite file, Redis or
 * PostgreSQL database, so every process of the app reads the same password hashes (and therefore
 * the same auth epoch): a user logged in through one process stays logged in through the others,
 * and a password change through one is seen by all. With sealed cookies or the memory store
 * there is nothing shared to keep them in, and each process has its own table in memory.
 *
 * | `SESSION_STORE` | Users live in                                                        |
 * | --------------- | -------------------------------------------------------------------- |
 * | `cookie`, `memory` | this process                                                      |
 * | `sqlite`        | table `minimal_users` of the SQLite file                             |
 * | `redis`         | keys `<REDIS_PREFIX>users:id:<id>` (JSON), `…:name:<username>`, `…:token:<sha256>` |
 * | `postgres`      | table `minimal_users` (in `DATABASE_SCHEMA` when set)                |
 *
 * Seeding adds a user only when its id is not there yet, so the first process to start writes the
 * seed hashes and the others keep them (their own fresh-salted hashes are dropped).
 */
import type BetterSqlite3 from 'better-sqlite3'
import type pg from 'pg'
import type { RedisClientType } from 'redis'

/** One row of the table. */
export interface UserRow {
  id: string
  username: string
  isActive: boolean
  passwordHash: string
  /** SHA-256 (hex) of the user's API token, or null. */
  tokenHash: string | null
}

/** The operations the examples need; each one reads the shared store, nothing is cached. */
export interface UserTable {
  /** Add the rows whose id is absent; existing rows (maybe changed since) are left alone. */
  seed(rows: UserRow[]): Promise<void>
  byId(id: string): Promise<UserRow | null>
  byName(username: string): Promise<UserRow | null>
  byTokenHash(hash: string): Promise<UserRow | null>
  setPasswordHash(id: string, hash: string): Promise<void>
}

/** The open connection of the session store, for a table beside it. */
export type StoreConnection =
  | { kind: 'none' }
  | { kind: 'sqlite'; db: BetterSqlite3.Database }
  | { kind: 'redis'; client: RedisClientType<any, any, any, any, any>; prefix: string }
  | { kind: 'postgres'; pool: pg.Pool; schema: string | undefined }

/** The user table for this connection (created when missing). */
export async function userTableFor(conn: StoreConnection): Promise<UserTable> {
  switch (conn.kind) {
    case 'none':
      return memoryTable()
    case 'sqlite':
      return sqliteTable(conn.db)
    case 'redis':
      return redisTable(conn.client, `${conn.prefix}users:`)
    case 'postgres':
      return postgresTable(conn.pool, conn.schema)
  }
}

function memoryTable(): UserTable {
  const rows = new Map<string, UserRow>()
  const find = (match: (r: UserRow) => boolean) => [...rows.values()].find(match) ?? null
  return {
    async seed(list) {
      for (const r of list) if (!rows.has(r.id)) rows.set(r.id, { ...r })
    },
    byId: async (id) => rows.get(id) ?? null,
    byName: async (name) => find((r) => r.username === name),
    byTokenHash: async (hash) => find((r) => r.tokenHash === hash),
    async setPasswordHash(id, hash) {
      const r = rows.get(id)
      if (r) rows.set(id, { ...r, passwordHash: hash })
    },
  }
}

interface SqlRow {
  id: string
  username: string
  is_active: number | boolean
  password_hash: string
  token_hash: string | null
}
const fromSql = (r: SqlRow | undefined): UserRow | null =>
  r ? { id: r.id, username: r.username, isActive: !!r.is_active, passwordHash: r.password_hash, tokenHash: r.token_hash } : null

function sqliteTable(db: BetterSqlite3.Database): UserTable {
  db.exec(`CREATE TABLE IF NOT EXISTS minimal_users (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, is_active INTEGER NOT NULL,
  password_hash TEXT NOT NULL, token_hash TEXT UNIQUE)`)
  const one = (where: string) => db.prepare<[string], SqlRow>(`SELECT * FROM minimal_users WHERE ${where} = ?`)
  const [byId, byName, byToken] = [one('id'), one('username'), one('token_hash')]
  const insert = db.prepare('INSERT OR IGNORE INTO minimal_users VALUES (?, ?, ?, ?, ?)')
  const update = db.prepare('UPDATE minimal_users SET password_hash = ? WHERE id = ?')
  return {
    async seed(rows) {
      for (const r of rows) insert.run(r.id, r.username, r.isActive ? 1 : 0, r.passwordHash, r.tokenHash)
    },
    byId: async (id) => fromSql(byId.get(id)),
    byName: async (name) => fromSql(byName.get(name)),
    byTokenHash: async (hash) => fromSql(byToken.get(hash)),
    async setPasswordHash(id, hash) {
      update.run(hash, id)
    },
  }
}

function redisTable(client: RedisClientType<any, any, any, any, any>, prefix: string): UserTable {
  const byId = async (id: string): Promise<UserRow | null> => {
    const json = await client.get(`${prefix}id:${id}`)
    return json === null ? null : (JSON.parse(String(json)) as UserRow)
  }
  const via = async (key: string) => {
    const id = await client.get(key)
    return id === null ? null : byId(String(id))
  }
  return {
    async seed(rows) {
      for (const r of rows) {
        // The indexes first (every process writes the same id), then the row: whoever sets it
        // first owns it, and a lookup never finds an index without its row.
        await client.set(`${prefix}name:${r.username}`, r.id, { NX: true })
        if (r.tokenHash) await client.set(`${prefix}token:${r.tokenHash}`, r.id, { NX: true })
        await client.set(`${prefix}id:${r.id}`, JSON.stringify(r), { NX: true })
      }
    },
    byId,
    byName: (name) => via(`${prefix}name:${name}`),
    byTokenHash: (hash) => via(`${prefix}token:${hash}`),
    async setPasswordHash(id, hash) {
      const r = await byId(id)
      if (r) await client.set(`${prefix}id:${id}`, JSON.stringify({ ...r, passwordHash: hash }), { XX: true })
    },
  }
}

async function postgresTable(pool: pg.Pool, schema: string | undefined): Promise<UserTable> {
  const quoted = schema === undefined ? '' : `"${schema.replace(/"/g, '""')}"`
  const table = schema === undefined ? 'minimal_users' : `${quoted}.minimal_users`
  // One simple-protocol query is one transaction: the advisory lock keeps two processes that
  // start at once from racing on CREATE (IF NOT EXISTS is not safe against a concurrent CREATE).
  await pool.query(`SELECT pg_advisory_xact_lock(hashtext('doorman minimal_users ' || ${pgLiteral(schema ?? '')}));
${schema === undefined ? '' : `CREATE SCHEMA IF NOT EXISTS ${quoted};`}
CREATE TABLE IF NOT EXISTS ${table} (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, is_active BOOLEAN NOT NULL,
  password_hash TEXT NOT NULL, token_hash TEXT UNIQUE)`)
  const one = async (column: string, value: string) =>
    fromSql((await pool.query<SqlRow>(`SELECT * FROM ${table} WHERE ${column} = $1`, [value])).rows[0])
  return {
    async seed(rows) {
      for (const r of rows) {
        await pool.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [r.id, r.username, r.isActive, r.passwordHash, r.tokenHash])
      }
    },
    byId: (id) => one('id', id),
    byName: (name) => one('username', name),
    byTokenHash: (hash) => one('token_hash', hash),
    async setPasswordHash(id, hash) {
      await pool.query(`UPDATE ${table} SET password_hash = $1 WHERE id = $2`, [hash, id])
    },
  }
}

const pgLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`
