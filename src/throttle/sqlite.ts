/**
 * @module internal/throttle/sqlite: throttle counters in SQLite, beside the sessions.
 *
 * Takes the app's database handle typed by the two methods it calls (`prepare(sql)` with
 * `get`/`run`), so better-sqlite3, `node:sqlite` and `bun:sqlite` fit and none is a dependency.
 * One table, `<prefix>throttle`, separate from the session store's; each hit is one
 * `INSERT … ON CONFLICT DO UPDATE … RETURNING` statement, so counting is atomic even with several
 * processes on one database file. Expired rows are deleted from the write path, at most once per
 * `sweepInterval`.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3'
 * import { createLoginThrottle, sqliteThrottleStore } from 'doorman-login/throttle'
 * const throttle = createLoginThrottle({ store: sqliteThrottleStore({ db: new Database('app.db') }), secret })
 * ```
 */
import { ConfigError } from '../errors.ts'
import type { ThrottleBucket, ThrottleDelta, ThrottleStore } from './types.ts'

/** A prepared statement as better-sqlite3, `node:sqlite` and `bun:sqlite` shape it. */
export interface SqliteThrottleStatement {
  get(...params: unknown[]): unknown
  run(...params: unknown[]): unknown
}

/** The database handle the store needs. */
export interface SqliteThrottleDatabase {
  prepare(sql: string): SqliteThrottleStatement
}

/** Options of {@link sqliteThrottleStore}. */
export interface SqliteThrottleOptions {
  /** The database handle (better-sqlite3 `Database`, `node:sqlite` `DatabaseSync`, `bun:sqlite` `Database`). */
  db: SqliteThrottleDatabase
  /** Prefix of the table and index names. @default 'doorman_' */
  tablePrefix?: string
  /** Create the table on first use; turn off when a migration runs {@link sqliteThrottleSchema}. @default true */
  createSchema?: boolean
  /** Delete expired rows at most this often, in seconds of the throttle's clock; 0 turns it off. @default 300 */
  sweepInterval?: number
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/

function prefixOf(p: unknown): string {
  if (typeof p !== 'string' || (p !== '' && !IDENT.test(p))) throw new ConfigError('tablePrefix', 'must be letters, digits and underscores')
  return p
}

/**
 * The statements that create the throttle table (idempotent), one per array entry.
 *
 * @param tablePrefix - prefix of the table and index names. @default 'doorman_'
 */
export function sqliteThrottleSchema(tablePrefix = 'doorman_'): string[] {
  const t = `${prefixOf(tablePrefix)}throttle`
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (key TEXT PRIMARY KEY NOT NULL, count INTEGER NOT NULL, pending INTEGER NOT NULL, first_at INTEGER NOT NULL, last_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID`,
    `CREATE INDEX IF NOT EXISTS ${t}_expires ON ${t} (expires_at)`,
  ]
}

/**
 * Compile `:name` placeholders to positional `?` (the one form every SQLite driver binds the same
 * way; better-sqlite3 has no `?NNN`), returning the SQL and the parameter order.
 */
function positional(sql: string): { text: string; order: string[] } {
  const order: string[] = []
  return { text: sql.replace(/:(\w+)/g, (_, n: string) => (order.push(n), '?')), order }
}

// Column references in SET are the row before the update (SQL's rule, and SQLite's).
const HIT = positional(`INSERT INTO T (key, count, pending, first_at, last_at, expires_at)
VALUES (:key, max(:dc, 0), max(:dp, 0), :now, :now, :now + :win)
ON CONFLICT (key) DO UPDATE SET
  count = max(CASE WHEN expires_at <= :now THEN 0 ELSE count END + :dc, 0),
  pending = max(CASE WHEN expires_at <= :now THEN 0 ELSE pending END + :dp, 0),
  first_at = CASE WHEN expires_at <= :now THEN :now ELSE first_at END,
  last_at = CASE WHEN expires_at <= :now OR :dc > 0 THEN :now ELSE last_at END,
  expires_at = CASE WHEN expires_at <= :now THEN :now + :win ELSE expires_at END
RETURNING count, pending, first_at, last_at, expires_at`)

interface Row {
  count: number | bigint
  pending: number | bigint
  first_at: number | bigint
  last_at: number | bigint
  expires_at: number | bigint
}

const bucket = (r: Row): ThrottleBucket => ({
  count: Number(r.count),
  pending: Number(r.pending),
  first: Number(r.first_at),
  last: Number(r.last_at),
  expiresAt: Number(r.expires_at),
})

/**
 * A throttle store on a SQLite database.
 *
 * @param options - the database handle and table settings.
 */
export function sqliteThrottleStore(options: SqliteThrottleOptions): ThrottleStore {
  const db = options?.db
  if (!db || typeof db.prepare !== 'function') throw new ConfigError('db', 'must be a SQLite database handle (better-sqlite3, node:sqlite or bun:sqlite)')
  const prefix = prefixOf(options.tablePrefix ?? 'doorman_')
  const table = `${prefix}throttle`
  const sweepInterval = options.sweepInterval ?? 300
  if (!Number.isFinite(sweepInterval) || sweepInterval < 0) throw new ConfigError('sweepInterval', 'must be a number of seconds ≥ 0')
  let ready = false
  let lastSweep = -Infinity
  let st: { hit: SqliteThrottleStatement; peek: SqliteThrottleStatement; reset: SqliteThrottleStatement; sweep: SqliteThrottleStatement }
  const prepared = () => {
    if (!ready) {
      if (options.createSchema ?? true) for (const s of sqliteThrottleSchema(prefix)) db.prepare(s).run()
      st = {
        hit: db.prepare(HIT.text.replace('INSERT INTO T', `INSERT INTO ${table}`)),
        peek: db.prepare(`SELECT count, pending, first_at, last_at, expires_at FROM ${table} WHERE key = ? AND expires_at > ?`),
        reset: db.prepare(`DELETE FROM ${table} WHERE key = ?`),
        sweep: db.prepare(`DELETE FROM ${table} WHERE key IN (SELECT key FROM ${table} WHERE expires_at <= ? LIMIT 500)`),
      }
      ready = true
    }
    return st
  }
  return {
    async hit(key, windowSeconds, now, delta: ThrottleDelta = { count: 1 }) {
      const s = prepared()
      if (sweepInterval > 0 && now - lastSweep >= sweepInterval) {
        lastSweep = now
        s.sweep.run(now)
      }
      const values: Record<string, unknown> = { key, dc: Math.trunc(delta.count ?? 0), dp: Math.trunc(delta.pending ?? 0), now, win: windowSeconds }
      return bucket(s.hit.get(...HIT.order.map((n) => values[n])) as Row)
    },
    async peek(key, now) {
      const row = prepared().peek.get(key, now) as Row | undefined | null
      return row ? bucket(row) : null
    },
    async reset(key) {
      prepared().reset.run(key)
    },
  }
}
