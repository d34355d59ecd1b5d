/**
 * Login throttling per account and per client network, in a shared
 * store (memory, SQLite, Redis, PostgreSQL) so it holds across instances. The policy, and why an
 * attacker cannot use it to lock a victim out, is in docs/throttle.md.
 *
 * @example
 * ```ts
 * import { createLoginThrottle, sqliteThrottleStore } from 'doorman-login/throttle'
 * const throttle = createLoginThrottle({ store: sqliteThrottleStore({ db }), secret: process.env.SECRET_KEY! })
 * app.post('/login', async (c) => {
 *   const attempt = { username: form.username, ip: c.get('auth').ip }
 *   const verdict = await throttle.check(attempt)
 *   if (!verdict.allowed) return c.text('Too many attempts.', 429, { 'retry-after': String(verdict.retryAfter) })
 *   const ok = await verifyPassword(user?.passwordHash, form.password)
 *   await (ok && user ? throttle.success(attempt) : throttle.failure(attempt))
 * })
 * ```
 *
 * @module doorman-login/throttle
 */
import { AuthError, ConfigError, StoreError, ThrottledError } from '../errors.ts'
import { MIN_SECRET_LENGTH } from '../defaults.ts'
import { optionSeconds, type Duration } from '../duration.ts'
import { mac, prepareKey, type PreparedKey } from '../crypto/primitives.ts'
import { StoreHealth } from '../store-health.ts'
import { clientNetwork } from './address.ts'
import type { LoginAttempt, LoginFailureEvent, ThrottleDelta, ThrottleStore, ThrottleVerdict } from './types.ts'

export { clientNetwork, parseIpv6 } from './address.ts'
export type { ThrottleBucket, ThrottleDelta, ThrottleStore, LoginAttempt, ThrottleVerdict, LoginFailureEvent } from './types.ts'
export { memoryThrottleStore, MemoryThrottleStore } from './memory.ts'
export { sqliteThrottleStore, sqliteThrottleSchema } from './sqlite.ts'
export type { SqliteThrottleOptions, SqliteThrottleDatabase, SqliteThrottleStatement } from './sqlite.ts'
export { redisThrottleStore } from './redis.ts'
export type { RedisThrottleOptions, RedisThrottleClient } from './redis.ts'
export { postgresThrottleStore, postgresThrottleSchema } from './postgres.ts'
export type { PostgresThrottleOptions } from './postgres.ts'

/** Options of {@link createLoginThrottle}; every limit has a default (see {@link DEFAULT_THROTTLE_POLICY}). */
export interface LoginThrottleOptions {
  /** Where counters live; use the engine your sessions use, so every instance sees the same counts. */
  store: ThrottleStore
  /** Key for hashing usernames and addresses into store keys (the app's secret will do; the first of a list is used). */
  secret: string | readonly string[]
  /** Hard limit per client network across all accounts (credential stuffing). @default { limit: 100, window: '15m' } */
  perAddress?: { limit?: number; window?: Duration }
  /** Hard limit per account and client network; a success resets it. @default { limit: 5, window: '15m' } */
  perAccountAddress?: { limit?: number; window?: Duration }
  /**
   * Account backoff: past `freeAttempts` failures in `window`, a client network that failed on
   * the account waits `baseDelay · 2^k` (at most `maxDelay`) after its own last failure. With
   * `untrustedLimit`, untrusted clients are also refused outright past that many failures (off:
   * it lets an attacker lock out the victim's new devices).
   * @default { freeAttempts: 5, window: '1d', baseDelay: 1, maxDelay: '15m', untrustedLimit: null }
   */
  perAccount?: { freeAttempts?: number; window?: Duration; baseDelay?: Duration; maxDelay?: Duration; untrustedLimit?: number | null }
  /** How long a network stays trusted for an account after a successful login there (no account backoff); false: never. @default '30d' */
  trustDuration?: Duration | false
  /** IPv6 prefix length counted as one client. @default 64 */
  ipv6Prefix?: number
  /** Called after every recorded failure. */
  onLoginFailure?: (event: LoginFailureEvent) => void
  /** Called when `check()` refuses an attempt. */
  onThrottled?: (event: { username: string; ip: string | null | undefined; network: string; verdict: ThrottleVerdict }) => void
  /** Clock in milliseconds, for tests. @default Date.now */
  now?: () => number
}

/** The defaults, in seconds. */
export const DEFAULT_THROTTLE_POLICY = {
  perAddress: { limit: 100, window: 900 },
  perAccountAddress: { limit: 5, window: 900 },
  perAccount: { freeAttempts: 5, window: 86400, baseDelay: 1, maxDelay: 900, untrustedLimit: null as number | null },
  trustDuration: 30 * 86400,
  ipv6Prefix: 64,
} as const

/** A login throttle; create it with {@link createLoginThrottle}. */
export interface LoginThrottle {
  /** Whether this attempt may go ahead. When it may, it is reserved (counted as pending) until `failure`/`success`. */
  check(attempt: LoginAttempt): Promise<ThrottleVerdict>
  check(username: string, ip: string | null | undefined): Promise<ThrottleVerdict>
  /** {@link check}, throwing {@link ThrottledError} (429, `retryAfter`) when refused. */
  enforce(attempt: LoginAttempt): Promise<void>
  /** Record a failed attempt (wrong password, unknown user: count both the same). */
  failure(attempt: LoginAttempt): Promise<void>
  failure(username: string, ip: string | null | undefined): Promise<void>
  /** Record a successful login: the account-and-network counter is cleared and the network trusted. */
  success(attempt: LoginAttempt): Promise<void>
  success(username: string, ip: string | null | undefined): Promise<void>
}

/**
 * The counting form of a username: NFKC, case-folded (`toUpperCase().toLowerCase()` folds `ß` to
 * `ss` as Unicode case folding does), trimmed, at most 256 characters. Anything not a string
 * counts as the empty name.
 */
export function normalizeUsername(username: unknown): string {
  if (typeof username !== 'string') return ''
  return username.slice(0, 1024).normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').trim().slice(0, 256)
}

function resolve(o: LoginThrottleOptions) {
  if (!o || typeof o !== 'object') throw new ConfigError('throttle', 'options must be an object')
  for (const m of ['hit', 'peek', 'reset']) {
    if (typeof (o.store as any)?.[m] !== 'function') throw new ConfigError('throttle.store', `must implement ThrottleStore (missing ${m}())`)
  }
  const secret = typeof o.secret === 'string' ? o.secret : Array.isArray(o.secret) ? o.secret[0] : undefined
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) throw new ConfigError('throttle.secret', `is required: at least ${MIN_SECRET_LENGTH} characters`)
  const D = DEFAULT_THROTTLE_POLICY
  const int = (name: string, v: unknown, d: number, min = 1) => {
    if (v == null) return d
    if (!Number.isInteger(v) || (v as number) < min) throw new ConfigError(`throttle.${name}`, `must be an integer ≥ ${min}`)
    return v as number
  }
  const dur = (name: string, v: Duration | undefined, d: number) => (v == null ? d : optionSeconds(`throttle.${name}`, v))
  const pa = o.perAddress ?? {}
  const pp = o.perAccountAddress ?? {}
  const ac = o.perAccount ?? {}
  const base = dur('perAccount.baseDelay', ac.baseDelay, D.perAccount.baseDelay)
  const max = dur('perAccount.maxDelay', ac.maxDelay, D.perAccount.maxDelay)
  if (max < base) throw new ConfigError('throttle.perAccount.maxDelay', 'must not be shorter than baseDelay')
  for (const k of ['onLoginFailure', 'onThrottled', 'now'] as const) {
    if (o[k] != null && typeof o[k] !== 'function') throw new ConfigError(`throttle.${k}`, 'must be a function')
  }
  return {
    store: o.store,
    secret,
    address: { limit: int('perAddress.limit', pa.limit, D.perAddress.limit), window: dur('perAddress.window', pa.window, D.perAddress.window) },
    pair: { limit: int('perAccountAddress.limit', pp.limit, D.perAccountAddress.limit), window: dur('perAccountAddress.window', pp.window, D.perAccountAddress.window) },
    account: {
      free: int('perAccount.freeAttempts', ac.freeAttempts, D.perAccount.freeAttempts, 0),
      window: dur('perAccount.window', ac.window, D.perAccount.window),
      base,
      max,
      untrustedLimit: ac.untrustedLimit == null ? null : int('perAccount.untrustedLimit', ac.untrustedLimit, 0),
    },
    trust: o.trustDuration === false ? 0 : dur('trustDuration', o.trustDuration, D.trustDuration),
    ipv6Prefix: Math.min(int('ipv6Prefix', o.ipv6Prefix, D.ipv6Prefix), 128),
    now: o.now ?? Date.now,
    onLoginFailure: o.onLoginFailure,
    onThrottled: o.onThrottled,
  }
}

/**
 * Create a login throttle. Call `check` before verifying a password (it reserves the attempt, so
 * a burst of parallel requests cannot all slip through), then exactly one of `failure` or
 * `success`. Store failures are thrown as `StoreError` (503): the throttle fails closed.
 *
 * @param options - the store, the secret and optional limits; checked now.
 * @returns the throttle.
 */
export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const o = resolve(options)
  let key: Promise<PreparedKey> | undefined
  const hash = async (text: string) => mac(await (key ??= Promise.resolve(prepareKey(o.secret, 'throttle'))), text)
  const seconds = () => Math.floor(o.now() / 1000)

  // An outage is logged once when it starts and once when it ends, not per refused login.
  const health = new StoreHealth('login-throttle store')
  const store = {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      let out: T
      try {
        out = await fn()
      } catch (e) {
        if (e instanceof AuthError) throw e
        health.failed(e)
        throw new StoreError('doorman/throttle: the throttle store failed', { cause: e })
      }
      health.succeeded()
      return out
    },
    hit: (k: string, win: number, now: number, d?: ThrottleDelta) => store.run(() => o.store.hit(k, win, now, d)),
    peek: (k: string, now: number) => store.run(() => o.store.peek(k, now)),
    reset: (k: string) => store.run(() => o.store.reset(k)),
  }

  async function keys(a: LoginAttempt) {
    const user = normalizeUsername(a.username)
    const network = clientNetwork(a.ip, o.ipv6Prefix)
    const [acct, addr, pair] = await Promise.all([hash(JSON.stringify(['a', user])), hash(JSON.stringify(['n', network])), hash(JSON.stringify(['p', user, network]))])
    return { network, acct: `a:${acct}`, addr: `n:${addr}`, pair: `p:${pair}`, trust: `t:${pair}`, clock: `c:${pair}` }
  }

  const attemptOf = (a: LoginAttempt | string, ip?: string | null): LoginAttempt =>
    typeof a === 'string' ? { username: a, ip } : a && typeof a === 'object' ? a : { username: '', ip: undefined }

  const deny = (reason: ThrottleVerdict['reason'], wait: number): ThrottleVerdict => ({ allowed: false, retryAfter: Math.max(1, Math.ceil(wait)), reason })

  async function check(input: LoginAttempt | string, ip?: string | null): Promise<ThrottleVerdict> {
    const a = attemptOf(input, ip)
    const k = await keys(a)
    const now = seconds()
    const [addr, pair, acct, trust, clock] = await Promise.all([
      store.peek(k.addr, now),
      store.peek(k.pair, now),
      store.peek(k.acct, now),
      a.trusted || !o.trust ? null : store.peek(k.trust, now),
      store.peek(k.clock, now),
    ])
    const refusals: ThrottleVerdict[] = []
    if (addr && addr.count + addr.pending >= o.address.limit) refusals.push(deny('address', addr.expiresAt - now))
    if (pair && pair.count + pair.pending >= o.pair.limit) refusals.push(deny('account-address', pair.expiresAt - now))
    const trusted = a.trusted === true || trust !== null
    if (!trusted && acct) {
      if (o.account.untrustedLimit !== null && acct.count >= o.account.untrustedLimit) refusals.push(deny('account', acct.expiresAt - now))
      // Backoff is paced per client network, from that network's own last failure on the account
      // (its clock bucket lives `maxDelay` past it): an attacker elsewhere raises the delay, up
      // to the cap, but never takes the victim's turn.
      if (acct.count > o.account.free && clock) {
        const delay = Math.min(o.account.base * 2 ** Math.min(acct.count - o.account.free - 1, 40), o.account.max)
        if (clock.last + delay > now) refusals.push(deny('account', clock.last + delay - now))
      }
    }
    if (!refusals.length) {
      // Reserve: concurrent checks all see the same counts, so the limits hold on the counts after
      // this attempt is added; the losers give their reservation back.
      const [a2, p2] = await Promise.all([store.hit(k.addr, o.address.window, now, { pending: 1 }), store.hit(k.pair, o.pair.window, now, { pending: 1 })])
      if (a2.count + a2.pending <= o.address.limit && p2.count + p2.pending <= o.pair.limit) return { allowed: true, retryAfter: 0 }
      await release(k, now)
      refusals.push(a2.count + a2.pending > o.address.limit ? deny('address', a2.expiresAt - now) : deny('account-address', p2.expiresAt - now))
    }
    const verdict = refusals.reduce((x, y) => (y.retryAfter > x.retryAfter ? y : x))
    o.onThrottled?.({ username: a.username, ip: a.ip, network: k.network, verdict })
    return verdict
  }

  async function release(k: Awaited<ReturnType<typeof keys>>, now: number): Promise<void> {
    await Promise.all([store.hit(k.addr, o.address.window, now, { pending: -1 }), store.hit(k.pair, o.pair.window, now, { pending: -1 })])
  }

  async function failure(input: LoginAttempt | string, ip?: string | null): Promise<void> {
    const a = attemptOf(input, ip)
    const k = await keys(a)
    const now = seconds()
    const [addr, pair, acct] = await Promise.all([
      store.hit(k.addr, o.address.window, now, { count: 1, pending: -1 }),
      store.hit(k.pair, o.pair.window, now, { count: 1, pending: -1 }),
      store.hit(k.acct, o.account.window, now, { count: 1 }),
      // Restart this network's clock: a window that opens now and lasts the longest backoff.
      store.reset(k.clock).then(() => store.hit(k.clock, o.account.max, now)),
    ])
    o.onLoginFailure?.({ username: a.username, ip: a.ip, network: k.network, failures: { account: acct.count, accountAddress: pair.count, address: addr.count } })
  }

  async function success(input: LoginAttempt | string, ip?: string | null): Promise<void> {
    const a = attemptOf(input, ip)
    const k = await keys(a)
    const now = seconds()
    await Promise.all([store.hit(k.addr, o.address.window, now, { pending: -1 }), store.reset(k.pair), store.reset(k.clock), o.trust ? store.reset(k.trust) : null])
    if (o.trust) await store.hit(k.trust, o.trust, now)
  }

  return {
    check,
    failure,
    success,
    async enforce(attempt: LoginAttempt) {
      const v = await check(attempt)
      if (!v.allowed) throw new ThrottledError(v.retryAfter)
    },
  } as LoginThrottle
}

/**
 * The 429 for a refused attempt, with `Retry-After` (RFC 9110 §10.2.3); JSON when asked for.
 *
 * @example
 * ```ts
 * if (!verdict.allowed) return throttledResponse(verdict.retryAfter)
 * ```
 */
export function throttledResponse(retry: number | ThrottledError, options: { json?: boolean } = {}): Response {
  const seconds = typeof retry === 'number' ? Math.max(1, Math.ceil(retry)) : retry.retryAfter
  const message = 'Too many attempts. Try again later.'
  const body = options.json ? JSON.stringify({ error: 'throttled', code: 'DOORMAN_THROTTLED', message, retryAfter: seconds }) : message
  return new Response(body, {
    status: 429,
    headers: { 'content-type': `${options.json ? 'application/json' : 'text/plain'}; charset=utf-8`, 'retry-after': String(seconds), 'cache-control': 'no-store' },
  })
}
