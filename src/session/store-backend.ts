/**
 * @module internal/session/store-backend: the server-side store backend. Logged-in sessions live in
 * a {@link SessionStore} under the SHA-256 of a random cookie token; data held before login stays
 * in a sealed cookie, so anonymous traffic never creates a row (Django CVE-2015-5143). A store
 * failure is a {@link StoreError}, which adapters answer with a 503.
 */
import { SessionTooLargeError, StoreError } from '../errors.ts'
import { randomToken, sha256 } from '../crypto/primitives.ts'
import type { Keyring } from '../crypto/keyring.ts'
import { SESSION_KEYS } from '../defaults.ts'
import { Session, sanitizeData } from './session.ts'
import type { SessionRecord, SessionStore } from './store.ts'
import { StoreHealth } from '../store-health.ts'
import { CookieSessionBackend, expired, expiresAt, promised, type CookieWrite, type SessionBackend, type SessionRequestInfo, type SessionTimeouts } from './backend.ts'

const TOKEN = /^[A-Za-z0-9_-]{43}$/
// Where a rotated record keeps the id it replaced (store-side only: stripped when read, and gone
// with the next data write).
const ROTATED_FROM = '_rotated_from'

// Only pre-login data may live in a seal in store mode: a sealed session claiming a user is not one
// this backend wrote, and reads as nothing.
const preLogin = (s: Session | null): boolean => s !== null && !s.has(SESSION_KEYS.userId)


/** The server-side store backend (with sealed cookies for data held before login). */
export class StoreSessionBackend implements SessionBackend {
  readonly #sealed: CookieSessionBackend
  constructor(
    readonly store: SessionStore,
    keyring: Keyring,
    readonly timeouts: SessionTimeouts,
    /** See {@link CookieSessionBackend}: the Set-Cookie bytes besides the value. */
    cookieOverhead: number,
    sealCache = 0,
    /** Logs (or reports) each outage transition once; see store-health.ts. */
    readonly health = new StoreHealth('session store'),
  ) {
    this.#sealed = new CookieSessionBackend(keyring, timeouts, cookieOverhead, sealCache)
  }

  #failure(op: string, cause: unknown): StoreError {
    this.health.failed(cause)
    return new StoreError(`doorman: the session store failed during ${op}`, { cause })
  }

  load(values: readonly string[], info: SessionRequestInfo): Promise<Session> {
    return promised(() => this.loadNow(values, info))
  }

  // Plain functions rather than one async function: the store lookup is the only wait (and none at
  // all for a request that carries no store token).
  loadNow(values: readonly string[], info: SessionRequestInfo, from = 0): Session | Promise<Session> {
    for (let i = from; i < values.length; i++) {
      const v = values[i]
      if (v.startsWith('v1.')) {
        const s = this.#sealed.openNow(v, info.now)
        if (s instanceof Promise) return s.then((x) => (preLogin(x) ? x! : this.loadNow(values, info, i + 1)))
        if (preLogin(s)) return s!
        continue
      }
      if (!TOKEN.test(v)) continue
      const hashed = sha256(v)
      return typeof hashed === 'string' ? this.#lookup(hashed, values, i, info) : hashed.then((k) => this.#lookup(k, values, i, info))
    }
    return new Session({ createdAt: info.now, lastSeenAt: info.now })
  }

  #lookup(key: string, values: readonly string[], i: number, info: SessionRequestInfo): Promise<Session> {
    let got: Promise<SessionRecord | null>
    try {
      got = Promise.resolve(this.store.get(key))
    } catch (e) {
      return Promise.reject(this.#failure('get', e))
    }
    return got.then(
      (rec) => {
        this.health.succeeded()
        if (!rec || rec.expiresAt <= info.now || expired(rec.createdAt, rec.lastSeenAt, this.timeouts, info.now)) return this.loadNow(values, info, i + 1)
        const data = sanitizeData(rec.data)
        delete data[ROTATED_FROM]
        const s = new Session({ id: key, data, origin: 'store', createdAt: rec.createdAt, lastSeenAt: rec.lastSeenAt })
        storeMeta.set(s, rec)
        return s
      },
      (e) => {
        throw this.#failure('get', e)
      },
    )
  }

  unchanged(session: Session, now: number): boolean {
    if (session.previousId) return false
    if (typeof session.get(SESSION_KEYS.userId) !== 'string') return session.origin !== 'store' && this.#sealed.unchanged(session, now)
    return session.origin === 'store' && !!session.id && !session.rotated && !session.changed && now - session.lastSeenAt < this.timeouts.touchInterval
  }

  // A store call that answered: the end of an outage, if there was one.
  async #ok<T>(op: Promise<T>): Promise<T> {
    const v = await op
    this.health.succeeded()
    return v
  }

  async save(session: Session, info: SessionRequestInfo): Promise<CookieWrite> {
    const userId = session.get(SESSION_KEYS.userId)
    try {
      if (typeof userId !== 'string') {
        if (session.previousId) {
          const from = session.previousId
          await this.#ok(this.store.destroy(from))
          session.previousId = null
          await this.#endSuccessors(from, storeMeta.get(session)?.userId)
        }
        if (session.origin === 'store' && session.id) await this.#ok(this.store.destroy(session.id))
        if (session.origin === 'store' && session.isEmpty) return { expire: true }
        if (session.origin === 'store') session.origin = 'cookie'
        return await this.#sealed.save(session, info)
      }
      const prev = storeMeta.get(session)
      if (session.origin !== 'store' || session.rotated || !session.id) return await this.#create(session, userId, prev, info)
      const touch = info.now - session.lastSeenAt >= this.timeouts.touchInterval
      if (session.changed) {
        session.lastSeenAt = info.now
        const rec: SessionRecord = {
          ...(prev as SessionRecord),
          userId,
          data: session.toJSON(),
          lastSeenAt: info.now,
          expiresAt: expiresAt(session, this.timeouts),
        }
        if (pendingSelector.has(session)) rec.rememberSelector = pendingSelector.get(session) ?? null
        // A false here means the session was destroyed meanwhile (a logout raced this request):
        // nothing is re-created and no cookie is sent.
        await this.#ok(this.store.update(session.id, rec, Math.max(1, rec.expiresAt - info.now)))
      } else if (touch) {
        session.lastSeenAt = info.now
        const exp = expiresAt(session, this.timeouts)
        await this.#ok(this.store.touch(session.id, info.now, exp, Math.max(1, exp - info.now)))
      }
      return null
    } catch (e) {
      if (e instanceof SessionTooLargeError || e instanceof StoreError) throw e
      throw this.#failure('save', e)
    }
  }

  // A logout (or a dropped login) deleted `from` after reading it; a rotation of that session may
  // have landed in between, moving it to an id this request never saw. The moved record names
  // `from`: end it too. Deleting first and listing second means a rotation either failed (its
  // source was gone) or is already listed.
  async #endSuccessors(from: string, userId: string | undefined): Promise<void> {
    if (!userId) return
    for (const x of await this.store.listUserSessions(userId)) {
      if (x.record.data?.[ROTATED_FROM] === from) await this.store.destroy(x.id)
    }
  }

  // A new record: a login, a remember-me restore, or a rotation of the session read (its old
  // record, `previousId`, goes). A rotation that continues a session moves it only if it still
  // exists; a restore checks its remember series is still there once its record is written.
  async #create(session: Session, userId: string, prev: SessionRecord | undefined, info: SessionRequestInfo): Promise<CookieWrite> {
    const token = randomToken(32)
    const key = await sha256(token)
    if (session.rotated) session.createdAt = info.now
    session.lastSeenAt = info.now
    const rec: SessionRecord = {
      userId,
      data: session.toJSON(),
      createdAt: session.createdAt,
      lastSeenAt: info.now,
      expiresAt: expiresAt(session, this.timeouts),
      ip: info.ip ?? null,
      userAgent: info.userAgent ?? null,
      rememberSelector: pendingSelector.get(session) ?? prev?.rememberSelector ?? null,
    }
    const ttl = Math.max(1, rec.expiresAt - info.now)
    const from = session.previousId
    const restore = restoring.get(session)
    session.previousId = null
    if (from && !restore && !newAuthentication.has(session)) {
      // Re-authentication, a password change, an app's own regenerate(): the session continues
      // only if nothing ended it meanwhile (a logout, a revocation). Else the request ends anonymous.
      // The new record names the one it replaced, so that a logout that read the old one before
      // this landed can still find it (see #endSuccessors).
      const linked = { ...rec, data: { ...rec.data, [ROTATED_FROM]: from } }
      if (!(await this.store.rotate(from, key, linked, ttl))) return lose(session)
    } else {
      if (from) await this.store.destroy(from)
      // The series' earlier session belongs to this browser, which has lost its cookie: one device,
      // one row in the device list.
      if (restore) await this.store.destroySessionsBySelector?.(restore.selector)
      await this.#ok(this.store.create(key, rec, ttl))
      // Written first, checked second: a logout deletes the series first and its sessions second, so
      // either it finds this record, or this check finds the series gone.
      if (restore && !(await restore.live())) {
        await this.store.destroy(key)
        return lose(session)
      }
    }
    session.id = key
    session.origin = 'store'
    storeMeta.set(session, rec)
    return { value: token }
  }
}

function lose(session: Session): null {
  lostSessions.add(session)
  return null
}

/** The store record a session was read from (device-list metadata rides along). */
export const storeMeta = new WeakMap<Session, SessionRecord>()
/** A remember-token selector to link to the session's record on its next save. */
export const pendingSelector = new WeakMap<Session, string | null>()
/** Sessions that `loginUser` authenticated afresh: their rotation does not need the old record. */
export const newAuthentication = new WeakSet<Session>()
/** Sessions a remember-me token restored: its selector, and whether the series still exists. */
export const restoring = new WeakMap<Session, { selector: string; live: () => Promise<boolean> }>()
/**
 * Sessions whose save found them ended meanwhile (a rotation of a logged-out session, a restore
 * whose token was revoked): nothing was written, and the request ends anonymous.
 */
export const lostSessions = new WeakSet<Session>()
