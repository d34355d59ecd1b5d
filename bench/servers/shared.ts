/**
 * What every benchmark server shares: the users, the async user loader, the secrets, the
 * hand-written HMAC cookie (the baseline "roll your own" check), the store factory, and how a
 * server tells the runner its port.
 *
 * A server is configured through its environment:
 * - `VARIANT`: `bare`, `doorman-login`, `hmac`, or a peer's name (see each framework's server);
 * - `BACKEND` (doorman only): `sealed`, `memory`, `sqlite`, `redis`, `postgres`;
 * - `REDIS_URL`, `DATABASE_URL`, `BENCH_SQLITE_FILE` for the store backends.
 * It listens on a free port of 127.0.0.1 and prints `LISTENING <port>`, or prints `SKIP <reason>`
 * and exits 0 when its variant cannot run here (a store module or a server not there yet).
 */
import { existsSync, writeFileSync } from 'node:fs'
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto'
import type { SessionStore } from '../../src/session/store.ts'

export interface User {
  id: string
  name: string
}

/** The users, in memory: the loader's "database". */
export const users = new Map<string, User>([
  ['1', { id: '1', name: 'Alice' }],
  ['2', { id: '2', name: 'Bob' }],
])

/** The fixed user every login logs in. */
export const FIXED_USER = users.get('1')!

/** An async user loader, as an app with a real database has. */
export async function loadUser(id: string): Promise<User | null> {
  return users.get(id) ?? null
}

/** The secret every library gets (each needs at least 32 characters). */
export const SECRET = 'bench-9f8e7d6c5b4a39281706f5e4d3c2b1a0-secret-key'

export const VARIANT = process.env.VARIANT ?? 'bare'
/** doorman's options beyond the secret, loader and store: `BENCH_SEAL_CACHE` sets `session.sealCache`. */
export const DOORMAN_OPTIONS = process.env.BENCH_SEAL_CACHE ? { session: { sealCache: Number(process.env.BENCH_SEAL_CACHE) } } : {}
export const BACKEND = process.env.BACKEND ?? 'sealed'

/** Print the port for the runner, and exit cleanly on SIGTERM (so `--cpu-prof` writes its file). */
export function announce(port: number): void {
  process.stdout.write(`LISTENING ${port}\n`)
}

/** Tell the runner this variant cannot run here, and stop. */
export function skip(reason: string): never {
  process.stdout.write(`SKIP ${reason.replace(/\s+/g, ' ')}\n`)
  process.exit(0)
}

const cleanups: Array<() => unknown> = []
/** Something to close before exiting (a database handle, a Redis client). */
export function onExit(fn: () => unknown): void {
  cleanups.push(fn)
}
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    ;(async () => {
      for (const f of cleanups) await Promise.resolve().then(f).catch(() => {})
    })().finally(() => process.exit(0))
    setTimeout(() => process.exit(0), 10_000).unref()
  })
}

// With BENCH_CPU_PROFILE=<file>, SIGUSR2 starts V8's sampling profiler (the one `--cpu-prof` uses)
// and SIGTERM writes the profile: the runner starts it after the warm-up, so start-up and module
// loading stay out of the picture.
const profileFile = process.env.BENCH_CPU_PROFILE
if (profileFile) {
  const { Session } = await import('node:inspector')
  const session = new Session()
  session.connect()
  const post = (method: string, params: object = {}) =>
    new Promise<any>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))))
  let started: Promise<unknown> | null = null
  process.on('SIGUSR2', () => {
    started ??= post('Profiler.enable')
      .then(() => post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_CPU_PROFILE_INTERVAL ?? 200) }))
      .then(() => post('Profiler.start'))
      .then(() => process.stdout.write('PROFILING\n'))
  })
  cleanups.unshift(async () => {
    if (!started) return
    await started
    const { profile } = await post('Profiler.stop')
    writeFileSync(profileFile, JSON.stringify(profile))
  })
}

// ---------------------------------------------------------------- hand-written HMAC cookie

/** Cookie name of the hand-written HMAC check. */
export const HMAC_COOKIE = 'hsid'
const hmacKey: KeyObject = createSecretKey(Buffer.from(SECRET, 'utf8'))

/** `base64url({"u":id,"e":exp}).base64url(HMAC-SHA256)`: what people write by hand. */
export function hmacIssue(userId: string): string {
  const payload = Buffer.from(JSON.stringify({ u: userId, e: Math.floor(Date.now() / 1000) + 7200 })).toString('base64url')
  const mac = createHmac('sha256', hmacKey).update(payload).digest('base64url')
  return `${payload}.${mac}`
}

function cookieValue(header: string | undefined | null, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const p = part.trim()
    if (p.startsWith(name) && p.charCodeAt(name.length) === 61 /* = */) return p.slice(name.length + 1)
  }
  return undefined
}

/** Verify the hand-written cookie and load its user, or null. */
export async function hmacUser(cookieHeader: string | undefined | null): Promise<User | null> {
  const v = cookieValue(cookieHeader, HMAC_COOKIE)
  if (!v) return null
  const dot = v.lastIndexOf('.')
  if (dot < 0) return null
  const payload = v.slice(0, dot)
  const given = Buffer.from(v.slice(dot + 1), 'base64url')
  const expected = createHmac('sha256', hmacKey).update(payload).digest()
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  let claim: any
  try {
    claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (!claim || typeof claim.u !== 'string' || !(claim.e > Date.now() / 1000)) return null
  return loadUser(claim.u)
}

// ---------------------------------------------------------------- doorman's stores

/**
 * The session store for a doorman backend: null for the sealed cookie. Skips the server (exit 0
 * with a reason) when the store module has not landed or its server is not reachable.
 */
export async function makeStore(backend: string): Promise<SessionStore | null> {
  switch (backend) {
    case 'sealed':
      return null
    case 'memory': {
      const { memoryStore } = await import('../../src/stores/memory.ts')
      return memoryStore()
    }
    case 'sqlite': {
      const mod: any = await importStore('sqlite')
      const { default: Database } = await import('better-sqlite3')
      const file = process.env.BENCH_SQLITE_FILE
      if (!file) skip('BENCH_SQLITE_FILE is not set')
      const db = new Database(file)
      // As the store's documentation sets it up.
      db.pragma('journal_mode = WAL')
      onExit(() => db.close())
      return await mod.sqliteStore({ db })
    }
    case 'redis': {
      const mod: any = await importStore('redis')
      const url = process.env.REDIS_URL
      if (!url) skip('no Redis (REDIS_URL unset and redis-server not installed)')
      const client = await redisClient(url)
      onExit(() => client.quit())
      return await mod.redisStore({ client, prefix: process.env.BENCH_REDIS_PREFIX })
    }
    case 'postgres': {
      const mod: any = await importStore('postgres')
      const url = process.env.DATABASE_URL
      if (!url) skip('no PostgreSQL (DATABASE_URL unset and PostgreSQL not installed)')
      const { default: pg } = await import('pg')
      const pool = new pg.Pool({ connectionString: url, max: Number(process.env.BENCH_PG_POOL ?? 10) })
      onExit(() => pool.end())
      return await mod.postgresStore({ pool })
    }
    default:
      throw new Error(`unknown BACKEND ${backend}`)
  }
}

/** Import `src/stores/<name>.ts`, or skip the server when that module has not landed yet. */
export async function importStore(name: string): Promise<unknown> {
  // bench/servers/ and the bundles in bench/.build/ both sit two folders below the repository.
  const file = new URL(`../../src/stores/${name}.ts`, import.meta.url)
  if (!existsSync(file)) skip(`src/stores/${name}.ts has not landed`)
  // A template literal, so that esbuild bundles every store that exists at build time.
  return import(`../../src/stores/${name}.ts`)
}

/** A connected Redis client as src/stores/redis.ts's example makes it (node-redis). */
export async function redisClient(url: string): Promise<any> {
  const { createClient } = await import('redis')
  const client = createClient({ url, disableOfflineQueue: true })
  client.on('error', (e: Error) => process.stderr.write(`redis: ${e.message}\n`))
  await client.connect()
  return client
}
