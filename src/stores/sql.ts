/**
 * @module internal/stores/sql: rows ↔ records for the SQL stores (SQLite, PostgreSQL). Internal:
 * not a public subpath.
 */
import type { RememberTokenRecord, SessionRecord } from '../session/store.ts'

/** Session columns after `id`, in the order {@link sessionParams} gives values. */
export const SESSION_COLS = 'user_id, data, created_at, last_seen_at, expires_at, ip, user_agent, remember_selector'
/** Token columns, in the order {@link tokenParams} gives values. */
export const TOKEN_COLS = 'selector, user_id, validator_hash, previous_hash, rotated_at, created_at, expires_at, last_used_at, epoch'

/** A session row as drivers return it (numbers may be bigint in safe-integer modes, strings for int8). */
export interface SessionRow {
  id?: string
  user_id: string
  data: string
  created_at: number | bigint
  last_seen_at: number | bigint
  expires_at: number | bigint
  ip: string | null
  user_agent: string | null
  remember_selector: string | null
}

/** A remember-token row. */
export interface TokenRow {
  selector: string
  user_id: string
  validator_hash: string
  previous_hash: string | null
  rotated_at: number | bigint | null
  created_at: number | bigint
  expires_at: number | bigint
  last_used_at: number | bigint
  epoch: string | null
}

/** Row → record. */
export function sessionFromRow(r: SessionRow): SessionRecord {
  return {
    userId: r.user_id,
    data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
    expiresAt: Number(r.expires_at),
    ip: r.ip ?? null,
    userAgent: r.user_agent ?? null,
    rememberSelector: r.remember_selector ?? null,
  }
}

/** Row → record. */
export function tokenFromRow(r: TokenRow): RememberTokenRecord {
  return {
    selector: r.selector,
    validatorHash: r.validator_hash,
    previousHash: r.previous_hash ?? null,
    rotatedAt: r.rotated_at == null ? null : Number(r.rotated_at),
    userId: r.user_id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    lastUsedAt: Number(r.last_used_at),
    epoch: r.epoch ?? null,
  }
}

/** Record → column values in `SESSION_COLS` order. */
export function sessionParams(rec: SessionRecord): unknown[] {
  return [rec.userId, JSON.stringify(rec.data), rec.createdAt, rec.lastSeenAt, rec.expiresAt, rec.ip ?? null, rec.userAgent ?? null, rec.rememberSelector ?? null]
}

/** Record → column values in `TOKEN_COLS` order. */
export function tokenParams(t: RememberTokenRecord): unknown[] {
  return [t.selector, t.userId, t.validatorHash, t.previousHash ?? null, t.rotatedAt ?? null, t.createdAt, t.expiresAt, t.lastUsedAt, t.epoch ?? null]
}
