/**
 * Sessions and remember-me tokens in PostgreSQL.
 *
 * Give it the app's `pg` `Pool` (or `Client`), a `postgres` (porsager) `sql` instance, or any
 * `query(text, values)` function; no driver is a dependency. Tables are created on first use
 * under a transaction-scoped advisory lock, so two processes starting at once do not trip over each
 * other (or run {@link postgresSchema} in a migration and pass `createSchema: false`). A session read
 * is one SELECT by primary key. Writes to an existing session are
 * `UPDATE … WHERE id = $ AND expires_at > $now`, so a request still running after a logout cannot
 * bring the session back; remember-me rotation is `UPDATE … WHERE selector = $ AND validator_hash = $`.
 * Expired rows are swept in bounded batches from the write path, at most once per `sweepInterval`.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * import { postgresStore } from 'doorman-login/stores/postgres'
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2000 })
 * pool.on('error', (e) => log.warn('postgres', e.message)) // idle clients dropped by a restart
 * const manager = createLoginManager({ secret, userLoader, store: postgresStore({ pool }) })
 * ```
 *
 * @module doorman-login/stores/postgres
 */
import type { RememberTokenRecord, RememberTokenStore, SessionRecord, SessionStore, StoredSession } from '../session/store.ts'
import { ConfigError } from '../errors.ts'
import { sessionFromRow, sessionParams, tokenFromRow, tokenParams, type SessionRow, type TokenRow } from './sql.ts'
import { SWEEP_BATCH, ident, names, postgresSchema, statements } from './postgres-sql.ts'

export { postgresSchema }

/** What a query resolves to (`pg`'s `QueryResult` shape). */
export interface PgResult {
  rows: unknown[]
  rowCount: number | null
}

/** Run one parameterized statement (`$1`, `$2`…). Without values it may hold several statements. */
export type PgQuery = (text: string, values?: unknown[]) => Promise<PgResult>

/** A `pg` `Pool`, `PoolClient` or `Client`. */
export interface PgPoolLike {
  query(text: string, values?: unknown[]): Promise<PgResult>
}

/** A `postgres` (porsager) `sql` instance. */
export interface PostgresJsLike {
  unsafe(text: string, values?: unknown[]): PromiseLike<unknown[] & { count?: number | null }>
}

/** Options of {@link postgresStore}: `pool` or `query`, plus naming and sweeping. */
export interface PostgresStoreOptions {
  /** A `pg` `Pool`/`Client`, or a `postgres` (porsager) `sql` instance. */
  pool?: PgPoolLike | PostgresJsLike
  /** Or a query function of your own. */
  query?: PgQuery
  /** Schema of the tables (created if missing); unset: the connection's `search_path`. */
  schema?: string
  /** Prefix of table and index names. @default 'doorman_' */
  tablePrefix?: string
  /** Sweep expired rows at most this often, in seconds, from the write path; 0 turns it off. @default 300 */
  sweepInterval?: number
  /** Create the tables on first use. Turn off when a migration runs {@link postgresSchema}. @default true */
  createSchema?: boolean
  /** Clock in milliseconds, for tests. @default Date.now */
  now?: () => number
}

// A 31-bit FNV-1a of the namespace, so stores in different schemas do not wait for each other.
function lockKey(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 1
}

function toQuery(options: PostgresStoreOptions): PgQuery {
  if (typeof options.query === 'function') return options.query
  const pool: any = options.pool
  if (pool && typeof pool.unsafe === 'function') {
    return async (text, values) => {
      const rows = await pool.unsafe(text, values ?? [])
      return { rows, rowCount: rows.count ?? rows.length }
    }
  }
  if (pool && typeof pool.query === 'function') return (text, values) => pool.query(text, values)
  throw new ConfigError('pool', 'is required: a pg Pool/Client, a postgres (porsager) sql instance, or a query function')
}

/** A PostgreSQL-backed {@link SessionStore} and {@link RememberTokenStore}; create it with {@link postgresStore}. */
export class PostgresStore implements SessionStore, RememberTokenStore {
  readonly #query: PgQuery
  readonly #sql: ReturnType<typeof statements>
  readonly #ddl: string | null
  readonly #check: [string, string, string]
  readonly #sweepInterval: number
  readonly #now: () => number
  #ready = false
  #preparing: Promise<void> | null = null
  #lastSweep = 0

  constructor(options: PostgresStoreOptions) {
    if (!options || typeof options !== 'object') throw new ConfigError('pool', 'is required')
    this.#query = toQuery(options)
    const schema = options.schema === undefined ? undefined : ident('schema', options.schema, false)
    const prefix = ident('tablePrefix', options.tablePrefix ?? 'doorman_', true)
    const t = names(schema, prefix)
    this.#sql = statements(t)
    this.#check = [t.sessions, t.tokens, schema ? `"${schema}"."${prefix}sessions_remember_selector"` : `"${prefix}sessions_remember_selector"`]
    const ddl = postgresSchema({ schema, tablePrefix: prefix })
    // One simple-protocol query runs as one transaction, so the lock covers every CREATE.
    this.#ddl = options.createSchema === false ? null : `SELECT pg_advisory_xact_lock(${lockKey(`doorman:${schema ?? ''}:${prefix}`)});\n${ddl}`
    const sweep = options.sweepInterval ?? 300
    if (typeof sweep !== 'number' || !(sweep >= 0)) throw new ConfigError('sweepInterval', 'must be a number of seconds (0 turns sweeping off)')
    this.#sweepInterval = sweep
    this.#now = options.now ?? Date.now
  }

  // Schema once; a failure (server down at start-up) is retried by the next call, not cached.
  #prepare(): Promise<void> {
    return (this.#preparing ??= this.#createSchema().then(
      () => void (this.#ready = true),
      (e) => {
        this.#preparing = null
        throw e
      },
    ))
  }

  // The DDL takes table locks even when it has nothing to do (CREATE INDEX IF NOT EXISTS, ALTER
  // TABLE), which would stall writers at every app start; a catalogue check first skips it.
  async #createSchema(): Promise<void> {
    if (!this.#ddl) return
    const [sessions, tokens, newest] = this.#check
    const r = await this.#query(
      `SELECT to_regclass($1) IS NOT NULL AND to_regclass($3) IS NOT NULL AND EXISTS ` +
        `(SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($2) AND attname = 'epoch' AND NOT attisdropped) AS ok`,
      [sessions, tokens, newest],
    )
    if ((r.rows[0] as { ok?: unknown } | undefined)?.ok !== true) await this.#query(this.#ddl)
  }

  async #q(text: string, values: unknown[]): Promise<PgResult> {
    if (!this.#ready) await this.#prepare()
    return this.#query(text, values)
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000)
  }

  // Sweeps run beside the request, not in its path; a failed sweep is retried after the interval
  // (a store that is down fails the next real query anyway).
  #afterWrite(now: number): void {
    if (this.#sweepInterval <= 0 || now - this.#lastSweep < this.#sweepInterval) return
    this.#lastSweep = now
    this.sweep().catch(() => {})
  }

  /** Delete expired sessions and tokens now (in batches of 1000 per table); returns how many went. */
  async sweep(): Promise<number> {
    const now = this.#seconds()
    const a = (await this.#q(this.#sql.sweepSessions, [now])).rowCount ?? 0
    const b = (await this.#q(this.#sql.sweepTokens, [now])).rowCount ?? 0
    // A full batch means more are waiting: let the next write sweep again.
    if (a >= SWEEP_BATCH || b >= SWEEP_BATCH) this.#lastSweep = 0
    return a + b
  }

  async get(id: string): Promise<SessionRecord | null> {
    const r = await this.#q(this.#sql.get, [id, this.#seconds()])
    return r.rows.length ? sessionFromRow(r.rows[0] as SessionRow) : null
  }

  async create(id: string, record: SessionRecord, _ttl: number): Promise<void> {
    await this.#q(this.#sql.create, [...sessionParams(record), id])
    this.#afterWrite(this.#seconds())
  }

  async update(id: string, record: SessionRecord, _ttl: number): Promise<boolean> {
    const now = this.#seconds()
    const r = await this.#q(this.#sql.update, [...sessionParams(record), id, now])
    this.#afterWrite(now)
    return r.rowCount === 1
  }

  async rotate(previousId: string, id: string, record: SessionRecord, _ttl: number): Promise<boolean> {
    const now = this.#seconds()
    const r = await this.#q(this.#sql.rotate, [...sessionParams(record), id, previousId, now])
    this.#afterWrite(now)
    return r.rowCount === 1
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number, _ttl: number): Promise<boolean> {
    const now = this.#seconds()
    const r = await this.#q(this.#sql.touch, [lastSeenAt, expiresAt, id, now])
    this.#afterWrite(now)
    return r.rowCount === 1
  }

  async destroy(id: string): Promise<void> {
    await this.#q(this.#sql.destroy, [id])
  }

  async destroyUserSessions(userId: string, exceptId?: string | null): Promise<number> {
    return (await this.#q(this.#sql.destroyUser, [userId, exceptId ?? null])).rowCount ?? 0
  }

  async listUserSessions(userId: string): Promise<StoredSession[]> {
    const r = await this.#q(this.#sql.list, [userId, this.#seconds()])
    return (r.rows as SessionRow[]).map((row) => ({ id: row.id!, record: sessionFromRow(row) }))
  }

  async destroySessionsBySelector(selector: string): Promise<number> {
    return (await this.#q(this.#sql.destroyBySelector, [selector])).rowCount ?? 0
  }

  async getToken(selector: string): Promise<RememberTokenRecord | null> {
    const r = await this.#q(this.#sql.getToken, [selector, this.#seconds()])
    return r.rows.length ? tokenFromRow(r.rows[0] as TokenRow) : null
  }

  async createToken(record: RememberTokenRecord, _ttl: number): Promise<void> {
    await this.#q(this.#sql.createToken, tokenParams(record))
    this.#afterWrite(this.#seconds())
  }

  async rotateToken(selector: string, expectedHash: string, newHash: string, now: number): Promise<boolean> {
    const r = await this.#q(this.#sql.rotateToken, [newHash, now, selector, expectedHash, this.#seconds()])
    return r.rowCount === 1
  }

  async deleteToken(selector: string): Promise<void> {
    await this.#q(this.#sql.deleteToken, [selector])
  }

  async deleteUserTokens(userId: string, exceptSelector?: string | null): Promise<number> {
    return (await this.#q(this.#sql.deleteUserTokens, [userId, exceptSelector ?? null])).rowCount ?? 0
  }
}

/**
 * Create a PostgreSQL store over the app's pool (or query function).
 *
 * @param options - `pool` or `query`, and optionally `schema`, `tablePrefix`, `sweepInterval`, `createSchema`.
 * @returns a store for `createLoginManager({ store })`; it also keeps per-device remember-me tokens.
 * @example
 * ```ts
 * import pg from 'pg'
 * import { postgresStore } from 'doorman-login/stores/postgres'
 * const store = postgresStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) })
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  return new PostgresStore(options)
}
