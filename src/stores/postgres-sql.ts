/**
 * @module internal/stores/postgres-sql: the schema and statements of the PostgreSQL store.
 * Internal: `postgresSchema` is public through `doorman-login/stores/postgres`.
 */
import { ConfigError } from '../errors.ts'
import { SESSION_COLS, TOKEN_COLS } from './sql.ts'

// PostgreSQL names hold 63 bytes; a prefix leaves room for its longest suffix (`remember_tokens_expires_at`).
const SCHEMA = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
const PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,36}$/

/** Check a schema name (`allowEmpty` false) or a table prefix (true); throws `ConfigError`. */
export function ident(option: string, v: unknown, allowEmpty: boolean): string {
  const re = allowEmpty ? PREFIX : SCHEMA
  if (typeof v !== 'string' || (!(allowEmpty && v === '') && !re.test(v))) {
    throw new ConfigError(option, `must be letters, digits and underscores (at most ${allowEmpty ? 37 : 63}), starting with a letter or underscore`)
  }
  return v
}

/** Quoted, qualified table names. */
export function names(schema: string | undefined, prefix: string) {
  const q = (n: string) => (schema ? `"${schema}"."${n}"` : `"${n}"`)
  return { sessions: q(`${prefix}sessions`), tokens: q(`${prefix}remember_tokens`) }
}

/**
 * The SQL that creates the store's schema, tables and indexes (idempotent: `IF NOT EXISTS`).
 *
 * @param options.schema - schema to create the tables in; unset: the `search_path`.
 * @param options.tablePrefix - prefix of table and index names. @default 'doorman_'
 * @returns the statements, separated by semicolons, for a migration.
 * @example
 * ```ts
 * await pool.query(postgresSchema({ schema: 'auth' }))
 * ```
 */
export function postgresSchema(options: { schema?: string; tablePrefix?: string } = {}): string {
  const schema = options.schema === undefined ? undefined : ident('schema', options.schema, false)
  const p = ident('tablePrefix', options.tablePrefix ?? 'doorman_', true)
  const t = names(schema, p)
  return `${schema ? `CREATE SCHEMA IF NOT EXISTS "${schema}";\n` : ''}CREATE TABLE IF NOT EXISTS ${t.sessions} (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  data text NOT NULL,
  created_at double precision NOT NULL,
  last_seen_at double precision NOT NULL,
  expires_at double precision NOT NULL,
  ip text,
  user_agent text,
  remember_selector text
);
CREATE INDEX IF NOT EXISTS "${p}sessions_user_id" ON ${t.sessions} (user_id);
CREATE INDEX IF NOT EXISTS "${p}sessions_expires_at" ON ${t.sessions} (expires_at);
CREATE INDEX IF NOT EXISTS "${p}sessions_remember_selector" ON ${t.sessions} (remember_selector);
CREATE TABLE IF NOT EXISTS ${t.tokens} (
  selector text PRIMARY KEY,
  user_id text NOT NULL,
  validator_hash text NOT NULL,
  previous_hash text,
  rotated_at double precision,
  created_at double precision NOT NULL,
  expires_at double precision NOT NULL,
  last_used_at double precision NOT NULL,
  epoch text
);
ALTER TABLE ${t.tokens} ADD COLUMN IF NOT EXISTS epoch text;
CREATE INDEX IF NOT EXISTS "${p}remember_tokens_user_id" ON ${t.tokens} (user_id);
CREATE INDEX IF NOT EXISTS "${p}remember_tokens_expires_at" ON ${t.tokens} (expires_at);
`
}

/** Rows deleted per sweep statement. */
export const SWEEP_BATCH = 1000

const SET_SESSION = 'user_id = $1, data = $2, created_at = $3, last_seen_at = $4, expires_at = $5, ip = $6, user_agent = $7, remember_selector = $8'

/** The store's statements over its (quoted, qualified) table names. */
export function statements(t: { sessions: string; tokens: string }) {
  const s = t.sessions
  const k = t.tokens
  const excluded = SESSION_COLS.split(', ').map((c) => `${c} = EXCLUDED.${c}`).join(', ')
  const excludedToken = TOKEN_COLS.split(', ').slice(1).map((c) => `${c} = EXCLUDED.${c}`).join(', ')
  return {
    get: `SELECT ${SESSION_COLS} FROM ${s} WHERE id = $1 AND expires_at > $2`,
    create: `INSERT INTO ${s} (${SESSION_COLS}, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET ${excluded}`,
    update: `UPDATE ${s} SET ${SET_SESSION} WHERE id = $9 AND expires_at > $10`,
    // Renames the row in one statement: a concurrent DELETE of the old id either ran first (no row)
    // or, under READ COMMITTED, re-checks the renamed row and no longer matches it.
    rotate: `UPDATE ${s} SET id = $9, ${SET_SESSION} WHERE id = $10 AND expires_at > $11`,
    touch: `UPDATE ${s} SET last_seen_at = $1, expires_at = $2 WHERE id = $3 AND expires_at > $4`,
    destroy: `DELETE FROM ${s} WHERE id = $1`,
    destroyUser: `DELETE FROM ${s} WHERE user_id = $1 AND id IS DISTINCT FROM $2::text`,
    destroyBySelector: `DELETE FROM ${s} WHERE remember_selector = $1`,
    list: `SELECT id, ${SESSION_COLS} FROM ${s} WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at, id`,
    sweepSessions: `DELETE FROM ${s} WHERE id IN (SELECT id FROM ${s} WHERE expires_at <= $1 LIMIT ${SWEEP_BATCH}) AND expires_at <= $1`,
    getToken: `SELECT ${TOKEN_COLS} FROM ${k} WHERE selector = $1 AND expires_at > $2`,
    createToken: `INSERT INTO ${k} (${TOKEN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (selector) DO UPDATE SET ${excludedToken}`,
    rotateToken:
      `UPDATE ${k} SET previous_hash = validator_hash, validator_hash = $1, rotated_at = $2, last_used_at = $2 ` +
      `WHERE selector = $3 AND validator_hash = $4 AND expires_at > $5`,
    deleteToken: `DELETE FROM ${k} WHERE selector = $1`,
    deleteUserTokens: `DELETE FROM ${k} WHERE user_id = $1 AND selector IS DISTINCT FROM $2::text`,
    sweepTokens: `DELETE FROM ${k} WHERE selector IN (SELECT selector FROM ${k} WHERE expires_at <= $1 LIMIT ${SWEEP_BATCH}) AND expires_at <= $1`,
  }
}
