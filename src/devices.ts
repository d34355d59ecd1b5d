/**
 * @module internal/devices: the device list and revocation (ASVS 7.1.2, 7.4.2–7.4.5, 7.5.2).
 *
 * Reached as methods of the request's auth object (`auth.listSessions()`, `auth.revokeSession(id)`,
 * `auth.revokeOtherSessions()`, `auth.logoutEverywhere()`, `auth.credentialsChanged(user)`) and, for
 * admins, of the manager (`manager.listUserSessions(id)`, `manager.revokeUserSessions(id)`).
 *
 * Everything here but `credentialsChanged` needs a server-side store and throws `NoStoreError`
 * (`DOORMAN_NO_STORE`) without one: a sealed cookie session lives in the browser, so the server
 * can neither list it nor end it alone. Ending a session also ends the remember-me token that
 * was issued with it (or that re-created it), so a revoked device cannot come back through its
 * remember cookie (the Mastodon lesson, security.md §6). See docs/revocation.md.
 */
import { ConfigError, NoStoreError } from './errors.ts'
import { StoreSessionBackend, newAuthentication, pendingSelector, storeMeta } from './session/store-backend.ts'
import { guardStore } from './store-health.ts'
import type { Session } from './session/session.ts'
import type { SessionStore, StoredSession } from './session/store.ts'
import type { LoginManager } from './manager.ts'
import type { LoginManagerOptions } from './options.ts'
import type { RequestAuth } from './auth.ts'

/** One session in the device list. Times are ISO 8601 strings in UTC (`2026-05-01T12:00:00.000Z`). */
export interface DeviceSession {
  /** The session's id in the store (a SHA-256 of the cookie token: safe to show, useless to replay). */
  id: string
  /** When the session was created (the login or the remember-me restore). */
  createdAt: string
  /** Last recorded activity (written at most every `session.touchInterval`). */
  lastSeenAt: string
  /** Client address at creation (after `trustProxy`), or null. */
  ip: string | null
  /** User agent at creation, or null. */
  userAgent: string | null
  /** True for the session of the request asking (always false in the admin listing). */
  current: boolean
  /** True when a remember-me token belongs to this device (revoking the session revokes it too). */
  remembered: boolean
}

/** Options of `auth.credentialsChanged()`. */
export interface CredentialsChangedOptions {
  /** Whether the continued session is fresh (the user just proved a credential). @default true */
  fresh?: boolean
}

// Through the backend's health tracker: an outage is a StoreError (503) here as on every other
// path, and its transitions are logged once, not one stack per device-list request.
async function storeOf(m: LoginManager): Promise<SessionStore> {
  await m.ready()
  const backend = m.backend
  if (!backend.store) throw new NoStoreError()
  return backend instanceof StoreSessionBackend ? guardStore(backend.store, backend.health) : backend.store
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString()

function toDevice(x: StoredSession, currentId: string | null): DeviceSession {
  const r = x.record
  return {
    id: x.id,
    createdAt: iso(r.createdAt),
    lastSeenAt: iso(r.lastSeenAt),
    ip: r.ip ?? null,
    userAgent: r.userAgent ?? null,
    current: x.id === currentId,
    remembered: !!r.rememberSelector,
  }
}

/** The store id of the request's session, when it was read from the store and still has it. */
function currentId(s: Session): string | null {
  return s.origin === 'store' ? s.id : null
}

/** The remember-token selector linked to this request's session (server-side state, never the cookie). */
function currentSelector(s: Session): string | null {
  return pendingSelector.has(s) ? (pendingSelector.get(s) ?? null) : (storeMeta.get(s)?.rememberSelector ?? null)
}

async function who(auth: RequestAuth): Promise<{ uid: string; session: Session } | null> {
  const user = await auth.getUser()
  if (!user) return null
  return { uid: auth.manager.getId(user), session: await auth.session() }
}

/** The current user's sessions, oldest first; empty when nobody is logged in. */
export async function listSessions(auth: RequestAuth): Promise<DeviceSession[]> {
  const store = await storeOf(auth.manager)
  const me = await who(auth)
  if (!me) return []
  const cur = currentId(me.session)
  return (await store.listUserSessions(me.uid)).map((x) => toDevice(x, cur))
}

/**
 * End a device: the session, its remember token, and the other sessions that token created (a
 * restore ends the series' earlier session, but tabs restored in parallel may each leave one
 * until it idles out). The current device's own token is never revoked through an old entry of
 * the same device; revoking the current session itself is a logout.
 */
async function endDevice(m: LoginManager, store: SessionStore, id: string, selector: string | null | undefined, keep: string | null): Promise<void> {
  await store.destroy(id)
  if (!selector || selector === keep) return
  await m.remember.revokeSelector?.(selector)
  await store.destroySessionsBySelector?.(selector)
}

/**
 * End one of the current user's sessions and its device's remember token. Revoking the current
 * session is a logout. Returns false (and does nothing) for an unknown id or another user's session.
 */
export async function revokeSession(auth: RequestAuth, id: string): Promise<boolean> {
  const store = await storeOf(auth.manager)
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(id)) return false
  const me = await who(auth)
  if (!me) return false
  const rec = await store.get(id)
  if (!rec || rec.userId !== me.uid) return false
  const current = id === currentId(me.session)
  await endDevice(auth.manager, store, id, rec.rememberSelector, current ? null : currentSelector(me.session))
  if (current) await auth.logoutUser()
  return true
}

/**
 * End every other session of the current user and every other device's remember token; this
 * session (and this device's token) continue. Returns how many sessions ended.
 */
export async function revokeOtherSessions(auth: RequestAuth): Promise<number> {
  const store = await storeOf(auth.manager)
  const me = await who(auth)
  if (!me) return 0
  // Tokens before sessions, here and below: a remember-me restore in flight writes its session
  // first and checks its token second, so one of the two sides always sees the other.
  await auth.manager.remember.revokeUser?.(me.uid, currentSelector(me.session))
  return store.destroyUserSessions(me.uid, currentId(me.session))
}

/** End every session and remember token of the current user, this one included (→ anonymous). */
export async function logoutEverywhere(auth: RequestAuth): Promise<number> {
  const store = await storeOf(auth.manager)
  const me = await who(auth)
  let n = 0
  if (me) {
    await auth.manager.remember.revokeUser?.(me.uid)
    n = await store.destroyUserSessions(me.uid)
  }
  await auth.logoutUser()
  return n
}

/**
 * After a password (or other credential) change: every other session and remember token of the
 * user ends, and this request continues logged in on a rotated session that carries the user's
 * new auth epoch, with a new remember token if this device had one.
 *
 * With a store, the other sessions and tokens are deleted. With sealed cookie sessions, the new
 * auth epoch is what ends them, so the manager needs `authEpoch` and the epoch must have changed
 * (pass the updated user). Returns false, and logs nobody in, when this request was not
 * authenticated as `user` (e.g. a reset link followed while logged out): the other sessions end all the same.
 */
export async function credentialsChanged<U extends object>(auth: RequestAuth<U>, user: U, options: CredentialsChangedOptions = {}): Promise<boolean> {
  const m = auth.manager
  await m.ready()
  const store = m.backend.store
  if (!store && !m.options.authEpoch) {
    throw new NoStoreError('doorman: credentialsChanged() with cookie sessions needs the manager’s authEpoch option (the epoch is what ends the other sessions)')
  }
  const uid = m.getId(user)
  const current = await auth.getUser()
  const same = !!current && !auth.viaRequestLoader && m.getId(current) === uid
  const remember = same && (await auth.isRemembered())
  const session = await auth.session()
  if (store) {
    await m.remember.revokeUser?.(uid)
    // This request's own session is kept for the rotation below, which moves it only if it still
    // exists: a logout that ran meanwhile stays final.
    await store.destroyUserSessions(uid, same ? currentId(session) : null)
  }
  if (!same) return false
  if (await auth.loginUser(user, { remember, fresh: options.fresh ?? true })) {
    // Not a new authentication: the password change continues the session it was made in.
    newAuthentication.delete(session)
    return true
  }
  // The user cannot log in any more (inactive): nothing of the old session may survive.
  await auth.logoutUser()
  return false
}

/** Admin: every live session of a user (`current` is false). */
export async function listUserSessions(m: LoginManager, userId: string): Promise<DeviceSession[]> {
  const store = await storeOf(m)
  return (await store.listUserSessions(userId)).map((x) => toDevice(x, null))
}

/** Admin: end every session and remember token of a user; returns how many sessions ended. */
export async function revokeUserSessions(m: LoginManager, userId: string): Promise<number> {
  const store = await storeOf(m)
  await m.remember.revokeUser?.(userId)
  return store.destroyUserSessions(userId)
}

/**
 * The `maxSessionsPerUser` check, run by `loginUser` before it rotates the session. The session
 * being replaced by this login does not count. Returns false when the login must be refused.
 */
export async function enforceSessionCap(auth: RequestAuth, uid: string): Promise<boolean> {
  const m = auth.manager
  const cap = m.sessionCap
  if (!cap) return true
  // On Web Crypto the backend exists once the keys are imported: a login may be the first call.
  await m.ready()
  const store = m.backend.store
  if (!store) return true
  const replaced = currentId(await auth.session())
  const live = (await store.listUserSessions(uid)).filter((x) => x.id !== replaced)
  const excess = live.length - cap.max + 1
  if (excess <= 0) return true
  if (cap.policy === 'refuse') {
    m.events.emit('sessionLimitReached', { userId: uid, policy: 'refuse', evicted: 0, request: auth.eventRequest })
    return false
  }
  // Oldest first (the store lists them so); each evicted device loses its remember token too.
  const keep = currentSelector(await auth.session())
  for (const x of live.slice(0, excess)) await endDevice(m, store, x.id, x.record.rememberSelector, keep)
  m.events.emit('sessionLimitReached', { userId: uid, policy: 'evict-oldest', evicted: excess, request: auth.eventRequest })
  return true
}

/** Resolve and check `maxSessionsPerUser` / `sessionCapPolicy` (at manager creation). */
export function resolveSessionCap(o: LoginManagerOptions<object>): { max: number; policy: 'evict-oldest' | 'refuse' } | null {
  const max = o.maxSessionsPerUser
  const policy = o.sessionCapPolicy ?? 'evict-oldest'
  if (policy !== 'evict-oldest' && policy !== 'refuse') throw new ConfigError('sessionCapPolicy', "must be 'evict-oldest' or 'refuse'")
  if (max == null) return null
  if (!Number.isSafeInteger(max) || max < 1) throw new ConfigError('maxSessionsPerUser', 'must be a whole number ≥ 1')
  // Sealed cookie sessions cannot be counted or ended one by one: a cap there would be a promise not kept.
  if (!o.store) throw new ConfigError('maxSessionsPerUser', 'needs a server-side store (cookie sessions cannot be counted)')
  return { max, policy }
}
