/**
 * Sessions and remember-me tokens in SQLite, the embedded default.
 *
 * The store takes the app's database handle, typed by the few methods it calls (`prepare(sql)`
 * with `get`/`run`/`all`, and `exec`), so better-sqlite3, `node:sqlite` and `bun:sqlite` all fit
 * and none is a dependency. Tables are created on first use (or run {@link sqliteSchema} in a
 * migration and pass `createSchema: false`); statements are prepared once per store. Expired rows
 * are swept from the write path, at most once per `sweepInterval`, in bounded batches; there is no
 * timer. Writes to an existing session, rotation included, are `UPDATE … WHERE id = ? AND
 * expires_at > now`, so a request still running after a logout cannot bring the session back.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3'
 * import { sqliteStore } from 'doorman-login/stores/sqlite'
 * const db = new Database('sessions.db')
 * db.pragma('journal_mode = WAL')
 * // Large tables (100k+ sessions): map the file, so a lookup does not pay a read() per page.
 * db.pragma('mmap_size = 1073741824')
 * const manager = createLoginManager({ secret, userLoader, store: sqliteStore({ db }) })
 * ```
 *
 * @module doorman-login/stores/sqlite
 */
import type { RememberTokenRecord, RememberTokenStore, SessionRecord, SessionStore, StoredSession } from '../session/store.ts'
import { ConfigError } from '../errors.ts'
import { SESSION_COLS, TOKEN_COLS, sessionFromRow, sessionParams, tokenFromRow, tokenParams, type SessionRow, type TokenRow } from './sql.ts'

/** A prepared statement, as better-sqlite3, `node:sqlite` and `bun:sqlite` shape it. */
export interface SqliteStatement {
  /** First row, or undefined/null when there is none. */
  get(...params: unknown[]): unknown
  /** Run a write; `changes` is the number of rows it changed. */
  run(...params: unknown[]): { changes: number | bigint }
  /** Every row. */
  all(...params: unknown[]): unknown[]
}

/** The database handle the store needs. */
export interface SqliteDatabase {
  /** Prepare a statement (called once per statement per store). */
  prepare(sql: string): SqliteStatement
  /** Run one or more statements without results (schema creation). */
  exec(sql: string): unknown
}

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /** The database handle (better-sqlite3 `Database`, `node:sqlite` `DatabaseSync`, `bun:sqlite` `Database`). */
  db: SqliteDatabase
  /** Prefix of the table and index names. @default 'doorman_' */
  tablePrefix?: string
  /** Sweep expired rows at most this often, in seconds, from the write path; 0 turns it off. @default 300 */
  sweepInterval?: number
  /** Create the tables on first use. Turn off when a migration runs {@link sqliteSchema}. @default true */
  createSchema?: boolean
  /** Clock in milliseconds, for tests. @default Date.now */
  now?: () => number
}

const SWEEP_BATCH = 500
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,36}$/

/**
 * The SQL that creates the store's tables and indexes (idempotent: `IF NOT EXISTS`).
 *
 * @param tablePrefix - prefix of table and index names. @default 'doorman_'
 * @returns the statements, separated by semicolons, for `db.exec` or a migration file.
 * @example
 * ```ts
 * db.exec(sqliteSchema())
 * ```
 */
export function sqliteSchema(tablePrefix = 'doorman_'): string {
  const p = checkPrefix(tablePrefix)
  // Rowid tables on purpose, not WITHOUT ROWID: a session row is ~400 bytes (data JSON, user
  // agent), and a WITHOUT ROWID table keeps whole rows in its interior pages, so 1M sessions made
  // a 7-level tree, a 28% bigger file and 2.5× slower inserts, for no flatter lookups (measured,
  // docs/stores/sqlite.md). Rowids also keep recent sessions, the ones in use, on shared pages.
  return `CREATE TABLE IF NOT EXISTS ${p}sessions (
  id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ip TEXT,
  user_agent TEXT,
  remember_selector TEXT
);
CREATE INDEX IF NOT EXISTS ${p}sessions_user_id ON ${p}sessions (user_id);
CREATE INDEX IF NOT EXISTS ${p}sessions_expires_at ON ${p}sessions (expires_at);
CREATE INDEX IF NOT EXISTS ${p}sessions_remember_selector ON ${p}sessions (remember_selector);
CREATE TABLE IF NOT EXISTS ${p}remember_tokens (
  selector TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  validator_hash TEXT NOT NULL,
  previous_hash TEXT,
  rotated_at INTEGER,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  epoch TEXT
);
CREATE INDEX IF NOT EXISTS ${p}remember_tokens_user_id ON ${p}remember_tokens (user_id);
CREATE INDEX IF NOT EXISTS ${p}remember_tokens_expires_at ON ${p}remember_tokens (expires_at);
`
}

function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || (prefix !== '' && !IDENT.test(prefix))) {
    throw new ConfigError('tablePrefix', 'must be letters, digits and underscores (at most 37), starting with a letter or underscore')
  }
  return prefix
}

function statements(db: SqliteDatabase, p: string) {
  const s = `${p}sessions`
  const t = `${p}remember_tokens`
  const q = (sql: string) => db.prepare(sql)
  return {
    get: q(`SELECT ${SESSION_COLS} FROM ${s} WHERE id = ? AND expires_at > ?`),
    create: q(`INSERT OR REPLACE INTO ${s} (id, ${SESSION_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    update: q(
      `UPDATE ${s} SET user_id = ?, data = ?, created_at = ?, last_seen_at = ?, expires_at = ?, ip = ?, user_agent = ?, ` +
        `remember_selector = ? WHERE id = ? AND expires_at > ?`,
    ),
    // A rotation renames the row: one statement, so a logout's DELETE either ran first (no row,
    // nothing created) or finds the old id gone.
    rotate: q(
      `UPDATE ${s} SET id = ?, user_id = ?, data = ?, created_at = ?, last_seen_at = ?, expires_at = ?, ip = ?, user_agent = ?, ` +
        `remember_selector = ? WHERE id = ? AND expires_at > ?`,
    ),
    touch: q(`UPDATE ${s} SET last_seen_at = ?, expires_at = ? WHERE id = ? AND expires_at > ?`),
    destroy: q(`DELETE FROM ${s} WHERE id = ?`),
    destroyUser: q(`DELETE FROM ${s} WHERE user_id = ? AND id IS NOT ?`),
    destroyBySelector: q(`DELETE FROM ${s} WHERE remember_selector = ?`),
    list: q(`SELECT id, ${SESSION_COLS} FROM ${s} WHERE user_id = ? AND expires_at > ? ORDER BY created_at, id`),
    sweepSessions: q(`DELETE FROM ${s} WHERE id IN (SELECT id FROM ${s} WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`),
    getToken: q(`SELECT ${TOKEN_COLS} FROM ${t} WHERE selector = ? AND expires_at > ?`),
    createToken: q(`INSERT OR REPLACE INTO ${t} (${TOKEN_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    rotateToken: q(
      `UPDATE ${t} SET previous_hash = validator_hash, validator_hash = ?, rotated_at = ?, last_used_at = ? ` +
        `WHERE selector = ? AND validator_hash = ? AND expires_at > ?`,
    ),
    deleteToken: q(`DELETE FROM ${t} WHERE selector = ?`),
    deleteUserTokens: q(`DELETE FROM ${t} WHERE user_id = ? AND selector IS NOT ?`),
    sweepTokens: q(`DELETE FROM ${t} WHERE selector IN (SELECT selector FROM ${t} WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`),
  }
}

type Statements = ReturnType<typeof statements>

/** A SQLite-backed {@link SessionStore} and {@link RememberTokenStore}; create it with {@link sqliteStore}. */
export class SqliteStore implements SessionStore, RememberTokenStore {
  readonly #db: SqliteDatabase
  readonly #prefix: string
  readonly #sweepInterval: number
  readonly #createSchema: boolean
  readonly #now: () => number
  #stmts: Statements | null = null
  #lastSweep = 0

  constructor(options: SqliteStoreOptions) {
    if (!options || typeof options.db?.prepare !== 'function' || typeof options.db.exec !== 'function') {
      throw new ConfigError('db', 'must be a SQLite database handle with prepare() and exec() (better-sqlite3, node:sqlite, bun:sqlite)')
    }
    this.#db = options.db
    this.#prefix = checkPrefix(options.tablePrefix ?? 'doorman_')
    const sweep = options.sweepInterval ?? 300
    if (typeof sweep !== 'number' || !(sweep >= 0)) throw new ConfigError('sweepInterval', 'must be a number of seconds (0 turns sweeping off)')
    this.#sweepInterval = sweep
    this.#createSchema = options.createSchema ?? true
    this.#now = options.now ?? Date.now
  }

  // Schema and statements once, on first use; a failure (locked or closed database) is retried on
  // the next call instead of being cached.
  get #q(): Statements {
    if (this.#stmts) return this.#stmts
    if (this.#createSchema) {
      this.#db.exec(sqliteSchema(this.#prefix))
      // Tables made by a build before remember tokens kept their epoch tag get the column.
      const cols = this.#db.prepare(`PRAGMA table_info(${this.#prefix}remember_tokens)`).all() as { name: string }[]
      if (!cols.some((c) => c.name === 'epoch')) this.#db.exec(`ALTER TABLE ${this.#prefix}remember_tokens ADD COLUMN epoch TEXT`)
    }
    return (this.#stmts = statements(this.#db, this.#prefix))
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000)
  }

  #afterWrite(now: number): void {
    if (this.#sweepInterval > 0 && now - this.#lastSweep >= this.#sweepInterval) this.#sweep(now)
  }

  #sweep(now: number): number {
    const q = this.#q
    const a = Number(q.sweepSessions.run(now).changes)
    const b = Number(q.sweepTokens.run(now).changes)
    // A full batch means more are waiting: leave the clock alone so the next write sweeps again.
    if (a < SWEEP_BATCH && b < SWEEP_BATCH) this.#lastSweep = now
    return a + b
  }

  /** Delete expired sessions and tokens now (in batches of 500 per table); returns how many went. */
  async sweep(): Promise<number> {
    return this.#sweep(this.#seconds())
  }

  async get(id: string): Promise<SessionRecord | null> {
    const row = this.#q.get.get(id, this.#seconds()) as SessionRow | undefined | null
    return row ? sessionFromRow(row) : null
  }

  async create(id: string, record: SessionRecord, _ttl: number): Promise<void> {
    this.#q.create.run(id, ...sessionParams(record))
    this.#afterWrite(this.#seconds())
  }

  async update(id: string, record: SessionRecord, _ttl: number): Promise<boolean> {
    const now = this.#seconds()
    const ok = Number(this.#q.update.run(...sessionParams(record), id, now).changes) === 1
    this.#afterWrite(now)
    return ok
  }

  async rotate(previousId: string, id: string, record: SessionRecord, _ttl: number): Promise<boolean> {
    const now = this.#seconds()
    const ok = Number(this.#q.rotate.run(id, ...sessionParams(record), previousId, now).changes) === 1
    this.#afterWrite(now)
    return ok
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number, _ttl: number): Promise<boolean> {
    const now = this.#seconds()
    const ok = Number(this.#q.touch.run(lastSeenAt, expiresAt, id, now).changes) === 1
    this.#afterWrite(now)
    return ok
  }

  async destroy(id: string): Promise<void> {
    this.#q.destroy.run(id)
  }

  async destroyUserSessions(userId: string, exceptId?: string | null): Promise<number> {
    return Number(this.#q.destroyUser.run(userId, exceptId ?? null).changes)
  }

  async listUserSessions(userId: string): Promise<StoredSession[]> {
    const rows = this.#q.list.all(userId, this.#seconds()) as SessionRow[]
    return rows.map((r) => ({ id: r.id!, record: sessionFromRow(r) }))
  }

  async destroySessionsBySelector(selector: string): Promise<number> {
    return Number(this.#q.destroyBySelector.run(selector).changes)
  }

  async getToken(selector: string): Promise<RememberTokenRecord | null> {
    const row = this.#q.getToken.get(selector, this.#seconds()) as TokenRow | undefined | null
    return row ? tokenFromRow(row) : null
  }

  async createToken(record: RememberTokenRecord, _ttl: number): Promise<void> {
    this.#q.createToken.run(...tokenParams(record))
    this.#afterWrite(this.#seconds())
  }

  async rotateToken(selector: string, expectedHash: string, newHash: string, now: number): Promise<boolean> {
    return Number(this.#q.rotateToken.run(newHash, now, now, selector, expectedHash, this.#seconds()).changes) === 1
  }

  async deleteToken(selector: string): Promise<void> {
    this.#q.deleteToken.run(selector)
  }

  async deleteUserTokens(userId: string, exceptSelector?: string | null): Promise<number> {
    return Number(this.#q.deleteUserTokens.run(userId, exceptSelector ?? null).changes)
  }
}

/**
 * Create a SQLite store over the app's database handle.
 *
 * @param options - `db`, and optionally `tablePrefix`, `sweepInterval`, `createSchema`.
 * @returns a store for `createLoginManager({ store })`; it also keeps per-device remember-me tokens.
 * @example
 * ```ts
 * import Database from 'better-sqlite3'
 * import { sqliteStore } from 'doorman-login/stores/sqlite'
 * const store = sqliteStore({ db: new Database('sessions.db') })
 * ```
 */
export function sqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options)
}
