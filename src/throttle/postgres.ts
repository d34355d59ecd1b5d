/**
 * @module internal/throttle/postgres: throttle counters in PostgreSQL, shared by every instance.
 *
 * Takes a `query(text, values)` function (node-postgres `pool.query`, bound, or any client of that
 * shape); the driver is not a dependency. One table, `<prefix>throttle` (optionally schema
 * qualified), separate from the session store's. Each hit is one
 * `INSERT … ON CONFLICT DO UPDATE … RETURNING`: atomic under concurrency, no transaction needed.
 * Expired rows are deleted from the write path, at most once per `sweepInterval`.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * import { createLoginThrottle, postgresThrottleStore } from 'doorman-login/throttle'
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * const throttle = createLoginThrottle({ store: postgresThrottleStore({ query: pool.query.bind(pool) }), secret })
 * ```
 */
import { ConfigError } from '../errors.ts'
import type { ThrottleBucket, ThrottleDelta, ThrottleStore } from './types.ts'

/** Options of {@link postgresThrottleStore}. */
export interface PostgresThrottleOptions {
  /** Run one statement with `$1…` parameters and resolve to its rows. */
  query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>
  /** Schema to put the table in (must exist). @default the search path's */
  schema?: string
  /** Prefix of the table and index names. @default 'doorman_' */
  tablePrefix?: string
  /** Create the table on first use; turn off when a migration runs {@link postgresThrottleSchema}. @default true */
  createSchema?: boolean
  /** Delete expired rows at most this often, in seconds of the throttle's clock; 0 turns it off. @default 300 */
  sweepInterval?: number
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/

function names(schema: string | undefined, tablePrefix: string) {
  if (schema !== undefined && !IDENT.test(schema)) throw new ConfigError('schema', 'must be letters, digits and underscores')
  if (tablePrefix !== '' && !IDENT.test(tablePrefix)) throw new ConfigError('tablePrefix', 'must be letters, digits and underscores')
  const base = `${tablePrefix}throttle`
  return { table: schema ? `"${schema}"."${base}"` : `"${base}"`, index: `"${base}_expires"` }
}

/**
 * The statements that create the throttle table (idempotent), one per array entry.
 *
 * @param options - the same `schema` and `tablePrefix` as the store's.
 */
export function postgresThrottleSchema(options: { schema?: string; tablePrefix?: string } = {}): string[] {
  const { table, index } = names(options.schema, options.tablePrefix ?? 'doorman_')
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (key text PRIMARY KEY, count integer NOT NULL, pending integer NOT NULL, first_at bigint NOT NULL, last_at bigint NOT NULL, expires_at bigint NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS ${index} ON ${table} (expires_at)`,
  ]
}

const bucket = (r: any): ThrottleBucket => ({
  count: Number(r.count),
  pending: Number(r.pending),
  first: Number(r.first_at),
  last: Number(r.last_at),
  expiresAt: Number(r.expires_at),
})

/**
 * A throttle store on PostgreSQL.
 *
 * @param options - the query function and table settings.
 */
export function postgresThrottleStore(options: PostgresThrottleOptions): ThrottleStore {
  const query = options?.query
  if (typeof query !== 'function') throw new ConfigError('query', 'must be a function (text, values) => Promise<{ rows }>, e.g. pool.query.bind(pool)')
  const { table } = names(options.schema, options.tablePrefix ?? 'doorman_')
  const sweepInterval = options.sweepInterval ?? 300
  if (!Number.isFinite(sweepInterval) || sweepInterval < 0) throw new ConfigError('sweepInterval', 'must be a number of seconds ≥ 0')
  let ready: Promise<void> | null = null
  let lastSweep = -Infinity
  const prepare = () =>
    (ready ??= (async () => {
      if (options.createSchema ?? true) for (const s of postgresThrottleSchema(options)) await query(s)
    })().catch((e) => {
      ready = null
      throw e
    }))
  // $1 key, $2 count delta, $3 pending delta, $4 now, $5 window. Column references in SET are the
  // row before the update; `excluded` is not needed.
  const HIT = `INSERT INTO ${table} AS b (key, count, pending, first_at, last_at, expires_at)
VALUES ($1, GREATEST($2::int, 0), GREATEST($3::int, 0), $4::bigint, $4::bigint, $4::bigint + $5::bigint)
ON CONFLICT (key) DO UPDATE SET
  count = GREATEST(CASE WHEN b.expires_at <= $4::bigint THEN 0 ELSE b.count END + $2::int, 0),
  pending = GREATEST(CASE WHEN b.expires_at <= $4::bigint THEN 0 ELSE b.pending END + $3::int, 0),
  first_at = CASE WHEN b.expires_at <= $4::bigint THEN $4::bigint ELSE b.first_at END,
  last_at = CASE WHEN b.expires_at <= $4::bigint OR $2::int > 0 THEN $4::bigint ELSE b.last_at END,
  expires_at = CASE WHEN b.expires_at <= $4::bigint THEN $4::bigint + $5::bigint ELSE b.expires_at END
RETURNING count, pending, first_at, last_at, expires_at`
  return {
    async hit(key, windowSeconds, now, delta: ThrottleDelta = { count: 1 }) {
      await prepare()
      if (sweepInterval > 0 && now - lastSweep >= sweepInterval) {
        lastSweep = now
        await query(`DELETE FROM ${table} WHERE key IN (SELECT key FROM ${table} WHERE expires_at <= $1 LIMIT 500)`, [now])
      }
      const { rows } = await query(HIT, [key, Math.trunc(delta.count ?? 0), Math.trunc(delta.pending ?? 0), now, windowSeconds])
      return bucket(rows[0])
    },
    async peek(key, now) {
      await prepare()
      const { rows } = await query(`SELECT count, pending, first_at, last_at, expires_at FROM ${table} WHERE key = $1 AND expires_at > $2`, [key, now])
      return rows.length ? bucket(rows[0]) : null
    },
    async reset(key) {
      await prepare()
      await query(`DELETE FROM ${table} WHERE key = $1`, [key])
    },
  }
}
