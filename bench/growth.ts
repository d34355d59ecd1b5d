/**
 * How a store lookup's cost grows with the number of live sessions: for SQLite, Redis and
 * PostgreSQL, fill the store to each size (bulk: one transaction per batch in SQLite, pipelines in
 * Redis, `INSERT … SELECT generate_series` in PostgreSQL), then time `store.get` on random existing
 * ids: p50/p99 of one lookup at a time, and lookups/s with 32 in flight. Prints `RESULT {json}`.
 *
 * SQLite is measured twice at each size, on the same file: with the handle as opened (WAL), and with
 * the `mmap_size` docs/stores/sqlite.md recommends, reported as its own store.
 *
 * Environment: BENCH_GROWTH_SIZES (default 1000,100000,1000000), BENCH_SQLITE_FILE, REDIS_URL,
 * DATABASE_URL.
 */
import { createHash, randomInt } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { createLoginManager } from '../src/index.ts'
import { memoryStore } from '../src/stores/memory.ts'
import { loginAs } from '../src/testing/login-as.ts'
import type { SessionRecord, SessionStore } from '../src/session/store.ts'
import { FIXED_USER, loadUser, SECRET } from './servers/shared.ts'
import { percentile } from './lib/stats.ts'

const SIZES = (process.env.BENCH_GROWTH_SIZES ?? '1000,100000,1000000').split(',').map(Number).sort((a, b) => a - b)
const LOOKUPS = Number(process.env.BENCH_GROWTH_LOOKUPS ?? 20_000)
const INFLIGHT = 32
const TPUT_SECONDS = Number(process.env.BENCH_GROWTH_TPUT_SECONDS ?? 2)
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

/** The store key of session number i: base64url SHA-256, like the real keys. */
export const keyOf = (i: number) => createHash('sha256').update(`s${i}`).digest('base64url')

/** A record as doorman writes it after a login (real data: user id, fresh, fresh-at, identifier). */
async function templateRecord(): Promise<SessionRecord> {
  const store = memoryStore()
  const m = createLoginManager({ secret: SECRET, userLoader: loadUser, store })
  await loginAs(m, FIXED_USER, { userAgent: BROWSER_UA })
  const rec = (await store.listUserSessions(FIXED_USER.id))[0].record
  const now = Math.floor(Date.now() / 1000)
  return { ...rec, createdAt: now, lastSeenAt: now, expiresAt: now + 7200 }
}

/** A store under test: how to fill it from `from` to `to` sessions, and how to clean up. */
interface Subject {
  store: SessionStore
  fill(from: number, to: number, rec: SessionRecord): Promise<void>
  close(): Promise<void>
  /**
   * Client settings to time in turn at each size, as suffix of the store's name → apply; without
   * it, the store is timed once as it is. One fill serves them all, so they compare like for like.
   */
  settings?: [string, () => void][]
}

interface SizeResult {
  n: number
  p50: number
  p99: number
  rps: number
  insertSeconds: number
}

async function measure(subject: Subject, n: number): Promise<Omit<SizeResult, 'insertSeconds'>> {
  const ids = Array.from({ length: 4096 }, () => keyOf(randomInt(n)))
  const get = async (i: number) => {
    const r = await subject.store.get(ids[i & 4095])
    if (!r) throw new Error(`lookup of an existing session (of ${n}) found nothing`)
  }
  // Every id once before timing: what is timed is a lookup of a session that has been seen, not
  // the first touch of its pages (a fault into a fresh mmap, a first read into the page cache).
  for (let i = 0; i < ids.length; i++) await get(i)
  const lat: number[] = []
  for (let i = 0; i < LOOKUPS; i++) {
    const id = ids[randomInt(4096)]
    const t = performance.now()
    const r = await subject.store.get(id)
    lat.push(performance.now() - t)
    if (!r) throw new Error('lookup found nothing')
  }
  let count = 0
  const end = performance.now() + TPUT_SECONDS * 1000
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: INFLIGHT }, async (_, w) => {
      let i = w * 97
      while (performance.now() < end) {
        await get(i++)
        count++
      }
    }),
  )
  return { n, p50: percentile(lat, 50), p99: percentile(lat, 99), rps: count / ((performance.now() - t0) / 1000) }
}

// ---------------------------------------------------------------- subjects

async function importStore(name: string): Promise<any | string> {
  try {
    return await import(`../src/stores/${name}.ts`)
  } catch (e: any) {
    if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(`stores/${name}`)) return `src/stores/${name}.ts has not landed`
    throw e
  }
}

async function sqliteSubject(): Promise<Subject | string> {
  const mod = await importStore('sqlite')
  if (typeof mod === 'string') return mod
  const file = process.env.BENCH_SQLITE_FILE
  if (!file) return 'BENCH_SQLITE_FILE is not set'
  const { default: Database } = await import('better-sqlite3')
  const db: any = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  const store: SessionStore = mod.sqliteStore({ db })
  return {
    store,
    settings: [
      ['', () => db.pragma('mmap_size = 0')],
      [' (mmap_size 1 GiB)', () => db.pragma(`mmap_size = ${2 ** 30}`)],
    ],
    async fill(from, to, rec) {
      // The store's own create() once, so it makes its schema; then the rest in big transactions.
      if (from === 0) await store.create(keyOf(from++), rec, 7200)
      const { SESSION_COLS, sessionParams } = await import('../src/stores/sql.ts')
      const ins = db.prepare(`INSERT INTO doorman_sessions (id, ${SESSION_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      const params = sessionParams(rec)
      const batch = db.transaction((a: number, b: number) => {
        for (let i = a; i < b; i++) {
          params[0] = String(i % 10_000)
          ins.run(keyOf(i), ...params)
        }
      })
      // A big page cache while filling only (random keys into a B-tree), then the default again
      // for the lookups, which are what is measured.
      const cache = db.pragma('cache_size', { simple: true })
      db.pragma('cache_size = -524288')
      for (let a = from; a < to; a += 50_000) batch(a, Math.min(to, a + 50_000))
      db.pragma(`cache_size = ${cache}`)
    },
    async close() {
      db.close()
    },
  }
}

async function redisSubject(): Promise<Subject | string> {
  const mod = await importStore('redis')
  if (typeof mod === 'string') return mod
  const url = process.env.REDIS_URL
  if (!url) return 'no Redis (REDIS_URL unset and redis-server not installed)'
  const { createClient } = await import('redis')
  const client: any = createClient({ url })
  await client.connect()
  const prefix = `doorman-bench-growth-${process.pid}:`
  const store: SessionStore = mod.redisStore({ client, prefix })
  const send = (args: string[]) => client.sendCommand(args)
  return {
    store,
    async fill(from, to, rec) {
      // The store writes one record itself; the rest are copies of its exact bytes under other
      // keys, pipelined (node-redis sends the commands of one tick together).
      if (from === 0) await store.create(keyOf(from++), rec, 7200)
      const raw = await send(['GET', `${prefix}s:${keyOf(0)}`])
      if (typeof raw !== 'string') throw new Error(`the Redis store's key layout changed: no ${prefix}s:<id>`)
      for (let a = from; a < to; a += 10_000) {
        const b = Math.min(to, a + 10_000)
        const batch: Promise<unknown>[] = []
        for (let i = a; i < b; i++) batch.push(send(['SET', `${prefix}s:${keyOf(i)}`, raw, 'EX', '7200']))
        await Promise.all(batch)
      }
    },
    async close() {
      // Only this run's keys: REDIS_URL may be a shared server.
      let cursor = '0'
      do {
        const [next, keys] = (await send(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '10000'])) as [string, string[]]
        cursor = next
        if (keys.length) await send(['UNLINK', ...keys])
      } while (cursor !== '0')
      await client.quit()
    },
  }
}

async function postgresSubject(): Promise<Subject | string> {
  const mod = await importStore('postgres')
  if (typeof mod === 'string') return mod
  const url = process.env.DATABASE_URL
  if (!url) return 'no PostgreSQL (DATABASE_URL unset and PostgreSQL not installed)'
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({ connectionString: url, max: INFLIGHT })
  // A schema of its own, dropped at the end: DATABASE_URL may be a shared database.
  const schema = `doorman_bench_growth_${process.pid}`
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  const fresh = new pg.Pool({ connectionString: url, max: INFLIGHT, options: `-c search_path=${schema}` } as any)
  await pool.end()
  const store: SessionStore = await mod.postgresStore({ pool: fresh })
  return {
    store,
    async fill(from, to, rec) {
      if (from === 0) await store.create(keyOf(from++), rec, 7200)
      // Copy the store's own row under generated ids (SHA-256, base64url, as keyOf makes them),
      // 100k rows per INSERT … SELECT generate_series.
      const cols = (await fresh.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'doorman_sessions' ORDER BY ordinal_position`, [schema])).rows.map((r: any) => r.column_name as string)
      if (!cols.includes('id') || !cols.includes('user_id')) throw new Error(`the PostgreSQL store's table changed: ${cols.join(', ')}`)
      const rest = cols.filter((c: string) => c !== 'id' && c !== 'user_id')
      const idExpr = "translate(rtrim(encode(sha256(convert_to('s' || g, 'UTF8')), 'base64'), '='), '+/', '-_')"
      for (let a = from; a < to; a += 100_000) {
        const b = Math.min(to, a + 100_000)
        await fresh.query(
          `INSERT INTO doorman_sessions (id, user_id, ${rest.join(', ')}) SELECT ${idExpr}, (g % 10000)::text, ${rest.map((c: string) => `t.${c}`).join(', ')} ` +
            `FROM generate_series($1::int, $2::int) g, (SELECT * FROM doorman_sessions WHERE id = $3) t`,
          [a, b - 1, keyOf(0)],
        )
      }
      await fresh.query('ANALYZE doorman_sessions')
    },
    async close() {
      await fresh.query(`DROP SCHEMA ${schema} CASCADE`)
      await fresh.end()
    },
  }
}

// ---------------------------------------------------------------- main

const rec = await templateRecord()
const stores: Record<string, { sizes: SizeResult[] } | { skip: string }> = {}
for (const [name, make] of [
  ['SQLite', sqliteSubject],
  ['Redis', redisSubject],
  ['PostgreSQL', postgresSubject],
] as const) {
  const subject = await make()
  if (typeof subject === 'string') {
    stores[name] = { skip: subject }
    console.log(`  ${name}: skipped (${subject})`)
    continue
  }
  const settings = subject.settings ?? [['', () => {}]]
  const sizes = new Map<string, SizeResult[]>(settings.map(([suffix]) => [name + suffix, []]))
  try {
    let have = 0
    for (const n of SIZES) {
      const t = performance.now()
      await subject.fill(have, n, rec)
      const insertSeconds = (performance.now() - t) / 1000
      have = n
      // Let the server settle after a bulk load (background rehashing, checkpoints) before timing.
      await new Promise((r) => setTimeout(r, 1000))
      for (const [suffix, apply] of settings) {
        apply()
        const r = { ...(await measure(subject, n)), insertSeconds }
        sizes.get(name + suffix)!.push(r)
        console.log(`  ${name + suffix} ${String(n).padStart(8)} sessions: p50 ${(r.p50 * 1000).toFixed(1)} µs, p99 ${(r.p99 * 1000).toFixed(1)} µs, ${Math.round(r.rps)} lookups/s (filled in ${insertSeconds.toFixed(1)} s)`)
      }
    }
    for (const [key, s] of sizes) stores[key] = { sizes: s }
  } finally {
    await subject.close()
  }
}
console.log(`RESULT ${JSON.stringify({ requested: SIZES, stores })}`)
