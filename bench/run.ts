/**
 * `npm run bench`: doorman against the bare frameworks and its peers, in one run.
 *
 * Every server is its own process (pinned to core 0), driven by wrk (pinned to core 1). Rounds are
 * interleaved: in each round, each framework's bare route runs first and last, with every other
 * route of that framework in between (in an order that rotates from round to round), and each
 * route's ratio is its req/s over the mean of those two bare runs. The table shows the median
 * ratio over rounds, with absolute req/s alongside. Then: store lookups at 1k/100k/1M sessions,
 * the sealed cookie's size, memory per session in the memory store, and a CPU profile of the
 * Fastify sealed-cookie route. See bench/README.md.
 *
 * Environment: BENCH_QUICK=1 (about 2 minutes), BENCH_ONLY=fastify[,hono,express,growth,memory,profile],
 * BENCH_ROUNDS, BENCH_SECONDS, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_RUNNER=build|tsx,
 * BENCH_GROWTH_SIZES=1000,100000,1000000, REDIS_URL, DATABASE_URL, BENCH_NO_WRITE=1 (print only).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { spawn, spawnSync } from 'node:child_process'
import { buildServers, BENCH_DIR, ROOT, startServer, type Running, type Runner } from './lib/servers.ts'
import { canPin, runWrk, which, type WrkResult } from './lib/wrk.ts'
import { median, fmtRatio, fmtInt, fmtMs } from './lib/stats.ts'
import { summariseProfile, type ProfileSummary } from './lib/profile.ts'
import { cpuSeconds, servicePid, treeCpuSeconds } from './lib/cpu.ts'

// ------------------------------------------------------------------------------ settings

const QUICK = process.env.BENCH_QUICK === '1'
const envNum = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d)
const ROUNDS = envNum('BENCH_ROUNDS', QUICK ? 1 : 3)
const SECONDS = envNum('BENCH_SECONDS', QUICK ? 1 : 4)
const WARMUP = envNum('BENCH_WARMUP', QUICK ? 1 : 1)
const CONNECTIONS = envNum('BENCH_CONNECTIONS', 32)
const RUNNER: Runner = process.env.BENCH_RUNNER === 'tsx' ? 'tsx' : 'build'
const GROWTH_SIZES = (process.env.BENCH_GROWTH_SIZES ?? (QUICK ? '1000,20000' : '1000,100000,1000000')).split(',').map(Number)
const PROFILE_SECONDS = envNum('BENCH_PROFILE_SECONDS', QUICK ? 3 : 8)
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
const FRAMEWORKS = ['hono', 'fastify', 'express'] as const
type Fw = (typeof FRAMEWORKS)[number]
const PARTS = ['http', 'growth', 'memory', 'profile'] as const
const fwSel = FRAMEWORKS.filter((f) => !ONLY.length || ONLY.includes(f) || !ONLY.some((o) => (FRAMEWORKS as readonly string[]).includes(o)))
const partOn = (p: (typeof PARTS)[number]) => {
  if (!ONLY.length) return true
  const parts = ONLY.filter((o) => (PARTS as readonly string[]).includes(o))
  if (parts.length) return parts.includes(p)
  // Only frameworks were named: the HTTP matrix, plus the profile when Fastify is among them.
  return p === 'http' || (p === 'profile' && ONLY.includes('fastify'))
}
/** Only these routes (ids as in the table's code: sealed, memory, public, login, hmac, secure-session, …); bare always runs. */
const CELLS = (process.env.BENCH_CELLS ?? '').split(',').map((s) => s.trim()).filter(Boolean)
const UA = 'doorman-bench/1'
/** How many routes run between two runs of the bare route. */
const BARE_EVERY = envNum('BENCH_BARE_EVERY', QUICK ? 4 : 3)
const PIN = canPin()

// ------------------------------------------------------------------------------ the matrix

/** A server process: a framework running one variant. */
interface ServerSpec {
  key: string
  fw: Fw
  env: Record<string, string>
}

/** One measured route. */
interface Cell {
  fw: Fw
  id: string
  label: string
  server: string
  method: 'GET' | 'POST'
  path: string
  /** Log in first and send the cookie (as a browser would, also to routes that ignore it). */
  cookieFrom: string | null
  expect: string
  /** doorman answers an unchanged session with no Set-Cookie; a cookie here means the bench is broken. */
  noSetCookie: boolean
}

const BACKENDS = ['sealed', 'memory', 'sqlite', 'redis', 'postgres'] as const
const BACKEND_LABEL: Record<string, string> = {
  sealed: 'doorman /private, sealed cookie',
  memory: 'doorman /private, memory store',
  sqlite: 'doorman /private, SQLite store',
  redis: 'doorman /private, Redis store',
  postgres: 'doorman /private, PostgreSQL store',
}
const PEERS: Record<Fw, { variant: string; label: string; publicToo?: boolean }[]> = {
  hono: [{ variant: 'signed-cookie', label: "Hono's signed cookie (hono/cookie getSignedCookie)" }],
  fastify: [
    { variant: 'secure-session', label: '@fastify/secure-session' },
    { variant: 'session', label: '@fastify/session (in-memory store)' },
  ],
  express: [
    { variant: 'passport', label: 'express-session + passport', publicToo: true },
    { variant: 'iron-session', label: 'iron-session' },
  ],
}

function matrix(fws: readonly Fw[]): { servers: ServerSpec[]; cells: Cell[] } {
  const servers: ServerSpec[] = []
  const cells: Cell[] = []
  for (const fw of fws) {
    const srv = (name: string, env: Record<string, string>) => {
      servers.push({ key: `${fw}:${name}`, fw, env })
      return `${fw}:${name}`
    }
    const bare = srv('bare', { VARIANT: 'bare' })
    cells.push({ fw, id: 'bare', label: 'bare route', server: bare, method: 'GET', path: '/bare', cookieFrom: null, expect: 'ok', noSetCookie: true })
    for (const b of BACKENDS) {
      const s = srv(`doorman-${b}`, { VARIANT: 'doorman', BACKEND: b })
      cells.push({ fw, id: b, label: BACKEND_LABEL[b], server: s, method: 'GET', path: '/private', cookieFrom: s, expect: 'Hi Alice', noSetCookie: true })
    }
    // The benchmark replays one cookie, so the seal cache (session.sealCache) hits every time, as it
    // does for a browser between two session writes; this row decrypts on every request instead.
    const nc = srv('doorman-sealed-nocache', { VARIANT: 'doorman', BACKEND: 'sealed', BENCH_SEAL_CACHE: '0' })
    cells.push({ fw, id: 'sealed-nocache', label: 'doorman /private, sealed cookie, seal cache off (decrypts every request)', server: nc, method: 'GET', path: '/private', cookieFrom: nc, expect: 'Hi Alice', noSetCookie: true })
    const mw = srv('bare-mw', { VARIANT: 'bare-mw' })
    cells.push({ fw, id: 'bare-mw', label: 'bare route behind a no-op middleware/hooks (no doorman)', server: mw, method: 'GET', path: '/bare', cookieFrom: null, expect: 'ok', noSetCookie: true })
    const sealed = `${fw}:doorman-sealed`
    // What a browser's cookie costs by itself (header parsing), with nothing mounted to read it.
    cells.push({ fw, id: 'bare-cookie', label: 'bare route, sent the sealed session cookie (no doorman)', server: bare, method: 'GET', path: '/bare', cookieFrom: sealed, expect: 'ok', noSetCookie: true })
    cells.push({ fw, id: 'public', label: 'doorman-mounted route that never asks for the user', server: sealed, method: 'GET', path: '/public', cookieFrom: sealed, expect: 'public', noSetCookie: true })
    cells.push({ fw, id: 'login', label: 'doorman login (POST, loginUser, sealed cookie; no password hashing)', server: sealed, method: 'POST', path: '/login', cookieFrom: null, expect: 'ok', noSetCookie: false })
    const hmac = srv('hmac', { VARIANT: 'hmac' })
    cells.push({ fw, id: 'hmac', label: 'hand-written HMAC-SHA256 cookie (node:crypto)', server: hmac, method: 'GET', path: '/private', cookieFrom: hmac, expect: 'Hi Alice', noSetCookie: false })
    for (const p of PEERS[fw]) {
      const s = srv(p.variant, { VARIANT: p.variant })
      cells.push({ fw, id: p.variant, label: p.label, server: s, method: 'GET', path: '/private', cookieFrom: s, expect: 'Hi Alice', noSetCookie: false })
      if (p.publicToo) cells.push({ fw, id: `${p.variant}-public`, label: `${p.label}: route that never asks for the user`, server: s, method: 'GET', path: '/public', cookieFrom: s, expect: 'public', noSetCookie: false })
    }
  }
  return { servers, cells }
}

// ------------------------------------------------------------------------------ services

interface Services {
  env: Record<string, string>
  notes: string[]
  stop(): Promise<void>
}

async function startBackingServices(tmp: string): Promise<Services> {
  const env: Record<string, string> = {}
  const notes: string[] = []
  let stop = async () => {}
  for (const fw of FRAMEWORKS) env[`BENCH_SQLITE_FILE_${fw}`] = path.join(tmp, `${fw}.sqlite`)
  const want = { redis: !process.env.REDIS_URL, postgres: !process.env.DATABASE_URL }
  if (process.env.REDIS_URL) env.REDIS_URL = process.env.REDIS_URL
  if (process.env.DATABASE_URL) env.DATABASE_URL = process.env.DATABASE_URL
  const storeExists = (n: string) => readdirSync(path.join(ROOT, 'src', 'stores')).includes(`${n}.ts`)
  if (!storeExists('redis')) want.redis = false
  if (!storeExists('postgres')) want.postgres = false
  if (want.redis || want.postgres) {
    const mod: any = await import(pathToFileURL(path.join(ROOT, 'scripts', 'services.mjs')).href)
    for (const kind of ['redis', 'postgres'] as const) {
      if (!want[kind]) continue
      try {
        const svc = await mod.startServices({ [kind]: true })
        Object.assign(env, svc.env)
        const prev = stop
        stop = async () => {
          await svc.stop()
          await prev()
        }
        notes.push(`${kind === 'redis' ? 'Redis' : 'PostgreSQL'}: started for this run by scripts/services.mjs`)
      } catch (e: any) {
        notes.push(`${kind === 'redis' ? 'Redis' : 'PostgreSQL'}: could not be started (${String(e.message).split('\n')[0]})`)
      }
    }
  }
  return { env, notes, stop }
}

// ------------------------------------------------------------------------------ one cell

async function login(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/login`, { method: 'POST', headers: { 'user-agent': UA } })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`login answered ${res.status}`)
  const pairs = res.headers.getSetCookie().map((c) => c.split(';')[0])
  if (!pairs.length) throw new Error('login set no cookie')
  return pairs.join('; ')
}

async function check(cell: Cell, port: number, headers: Record<string, string>): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${cell.path}`, { method: cell.method, headers })
  const body = await res.text()
  if (res.status !== 200 || !body.startsWith(cell.expect)) throw new Error(`${cell.method} ${cell.path} answered ${res.status} ${JSON.stringify(body.slice(0, 60))}`)
  if (cell.noSetCookie && res.headers.getSetCookie().length) throw new Error(`${cell.path} set a cookie on a request that changed nothing: ${res.headers.getSetCookie()[0]}`)
}

interface Sample extends WrkResult {
  round: number
  /** Server CPU time per request (µs), store server included for Redis/PostgreSQL when it runs here. */
  cpuUs: number
  /** req/s ÷ the mean of the neighbouring bare runs; CPU µs of bare ÷ CPU µs of this route. */
  ratio?: number
  cpuRatio?: number
  invalid?: string
}

/** Pids whose CPU time counts toward a route's cost besides the server's own (a store's server). */
let storePids: Record<string, number | null> = {}

function cpuOf(cell: Cell, srv: Running): number | null {
  const own = cpuSeconds(srv.pid)
  if (own === null) return null
  const extra = cell.id === 'redis' || cell.id === 'postgres' ? storePids[cell.id] : null
  return own + (extra ? (treeCpuSeconds(extra) ?? 0) : 0)
}

async function measure(cell: Cell, running: Map<string, Running>, round: number, warmup: number): Promise<Sample> {
  const srv = running.get(cell.server)!
  const headers: Record<string, string> = { 'User-Agent': UA }
  // A fresh login for every run: the session is well inside its touch interval, so an unchanged
  // session is never re-sealed or re-written while wrk replays the same cookie.
  if (cell.cookieFrom) headers.Cookie = await login(running.get(cell.cookieFrom)!.port)
  await check(cell, srv.port, { 'user-agent': UA, ...(headers.Cookie ? { cookie: headers.Cookie } : {}) })
  const base = { url: `http://127.0.0.1:${srv.port}${cell.path}`, method: cell.method, headers, connections: CONNECTIONS, pin: PIN }
  if (warmup > 0) await runWrk({ ...base, seconds: warmup })
  const cpu0 = cpuOf(cell, srv)
  const r = await runWrk({ ...base, seconds: SECONDS })
  const cpu1 = cpuOf(cell, srv)
  const s: Sample = { ...r, round, cpuUs: cpu0 !== null && cpu1 !== null && r.requests ? ((cpu1 - cpu0) * 1e6) / r.requests : Number.NaN }
  if (r.non2xx || r.errors) s.invalid = `${r.non2xx} non-2xx responses, ${r.errors} socket errors`
  return s
}

function failed(round: number, e: unknown): Sample {
  return { round, rps: 0, p50: NaN, p99: NaN, non2xx: 0, errors: 0, requests: 0, cpuUs: NaN, invalid: String((e as Error)?.message ?? e).split('\n')[0] }
}

// ------------------------------------------------------------------------------ report

interface CellResult {
  cell: Cell
  skip?: string
  samples: Sample[]
}

const ratios = (r: CellResult | undefined) => (r ? r.samples.filter((s) => !s.invalid && s.ratio !== undefined).map((s) => s.ratio!) : [])
const cpuRatios = (r: CellResult | undefined) =>
  r ? r.samples.filter((s) => !s.invalid && s.cpuRatio !== undefined && Number.isFinite(s.cpuRatio)).map((s) => s.cpuRatio!) : []

interface Target {
  what: string
  want: string
  value: number | null
  cpu: number | null
  ok: (v: number) => boolean
  /** Which figure the verdict goes by: req/s, CPU time per request, or both (issue #11 names it per target). */
  by: 'rps' | 'cpu' | 'both'
  note?: string
}

function rotate<T>(list: readonly T[], by: number): T[] {
  if (!list.length) return []
  const k = by % list.length
  return [...list.slice(k), ...list.slice(0, k)]
}

/** Per round, a's ratio to bare over b's (both already normalised by their neighbouring bare runs). */
function quotients(a: CellResult | undefined, b: CellResult | undefined, cpu: boolean): number[] {
  if (!a || !b) return []
  const out: number[] = []
  for (const sa of a.samples) {
    const sb = b.samples.find((s) => s.round === sa.round)
    const x = cpu ? sa.cpuRatio : sa.ratio
    const y = cpu ? sb?.cpuRatio : sb?.ratio
    if (sb && !sa.invalid && !sb.invalid && x !== undefined && y !== undefined && y > 0 && Number.isFinite(x / y)) out.push(x / y)
  }
  return out
}

const med = (xs: number[]) => (xs.length ? median(xs) : null)

// The targets of issue #11 (performance round 3); issue #5's targets that still hold are kept.
function targetsFor(results: Map<string, CellResult>, growth: GrowthResult | null): Target[] {
  const t: Target[] = []
  const get = (fw: string, id: string) => results.get(`${fw}:${id}`)
  type Opt = { by?: Target['by']; note?: string; invert?: boolean }
  // a's figure over b's (b null: over bare's). `invert` turns a ratio of speeds into one of costs
  // (CPU per request of a ÷ CPU per request of b), for the targets the issue states as costs.
  const add = (what: string, want: string, a: CellResult | undefined, b: CellResult | undefined | null, ok: (v: number) => boolean, o: Opt = {}) => {
    let value = b === null ? med(ratios(a)) : med(quotients(a, b, false))
    let cpu = b === null ? med(cpuRatios(a)) : med(quotients(a, b, true))
    if (o.invert) {
      value = value ? 1 / value : null
      cpu = cpu ? 1 / cpu : null
    }
    t.push({ what, want, value, cpu, ok, by: o.by ?? 'both', note: o.note ?? a?.skip ?? (b ? b.skip : undefined) })
  }
  for (const fw of fwSel) {
    add(`${fw}: route that never asks for the user ÷ the bare route sent the same cookie`, '≥ 0.97', get(fw, 'public'), get(fw, 'bare-cookie'), (v) => v >= 0.97, { by: 'cpu' })
    add(`${fw}: sealed-cookie /private, seal-cache hit: cost per request ÷ bare behind a no-op middleware/hook`, '≤ 1.25', get(fw, 'sealed'), get(fw, 'bare-mw'), (v) => v <= 1.25, { by: 'cpu', invert: true })
    const missWanted = fw !== 'express'
    add(`${fw}: seal cache off (decrypts every request) ÷ bare`, missWanted ? '≥ 0.50' : '(shown)', get(fw, 'sealed-nocache'), null, (v) => !missWanted || v >= 0.5, missWanted ? {} : { note: 'not a target on Express' })
  }
  if (fwSel.includes('fastify')) {
    add('fastify: sealed-cookie ÷ @fastify/secure-session', '≥ 1.30', get('fastify', 'sealed'), get('fastify', 'secure-session'), (v) => v >= 1.3)
    add('fastify: sealed-cookie ÷ hand-written HMAC check', '> 1.00', get('fastify', 'sealed'), get('fastify', 'hmac'), (v) => v > 1)
    add('fastify: Redis store ÷ @fastify/session', '> 1.00', get('fastify', 'redis'), get('fastify', 'session'), (v) => v > 1)
  }
  if (fwSel.includes('express')) {
    add('express: sealed-cookie ÷ express-session + passport', '≥ 1.70', get('express', 'sealed'), get('express', 'passport'), (v) => v >= 1.7)
  }
  if (growth) {
    for (const [store, g] of Object.entries(growth.stores)) {
      // Issue #11 holds Redis and PostgreSQL to flat lookups; SQLite's growth is shown (bench/PROFILE.md explains it).
      const held = store === 'Redis' || store === 'PostgreSQL'
      const what = `${store}: lookup p99 at ${fmtSize(maxSize(growth))} ÷ at ${fmtSize(Math.min(...growth.requested))}`
      if ('skip' in g) {
        t.push({ what, want: '≤ 1.50', value: null, cpu: null, ok: () => false, by: 'rps', note: g.skip })
        continue
      }
      const first = g.sizes[0]
      const last = g.sizes[g.sizes.length - 1]
      if (!first || !last || first === last) continue
      t.push({ what, want: held ? '≤ 1.50' : '(shown)', value: last.p99 / first.p99, cpu: null, ok: (v) => !held || v <= 1.5, by: 'rps', note: `p50 ${fmtRatio(last.p50 / first.p50)}×${held ? '' : '; not a target'}` })
    }
  }
  return t
}

function maxSize(g: GrowthResult): number {
  return Math.max(...g.requested)
}

function fmtSize(n: number): string {
  return n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n)
}

const verdict = (v: number | null, ok: (v: number) => boolean) => (v === null || !Number.isFinite(v) ? 'n/a' : ok(v) ? 'PASS' : 'MISS')

function httpTable(results: Map<string, CellResult>): string {
  const lines: string[] = []
  for (const fw of fwSel) {
    lines.push(`### ${fw}${fw === 'hono' ? ' (@hono/node-server)' : ''}`, '')
    lines.push('| route | req/s ÷ bare (median) | CPU-time ratio (median) | req/s (median) | CPU µs/request | p99 ms | req/s ÷ bare per round | note |')
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |')
    for (const r of results.values()) {
      if (r.cell.fw !== fw) continue
      if (r.skip) {
        lines.push(`| ${r.cell.label} | skipped | | | | | | ${r.skip} |`)
        continue
      }
      const valid = r.samples.filter((s) => !s.invalid)
      const bad = r.samples.filter((s) => s.invalid).map((s) => `round ${s.round}: ${s.invalid}`)
      const m = (f: (s: Sample) => number) => (valid.length ? median(valid.map(f).filter(Number.isFinite)) : Number.NaN)
      const bare = r.cell.id === 'bare'
      const ratio = bare ? '1 (reference)' : fmtRatio(med(ratios(r)) ?? NaN)
      const cpu = bare ? '1' : fmtRatio(med(cpuRatios(r)) ?? NaN)
      const per = bare ? '' : ratios(r).map(fmtRatio).join(', ')
      const note = [...bad, r.cell.id === 'redis' || r.cell.id === 'postgres' ? (storePids[r.cell.id] ? 'CPU includes the store server' : 'CPU excludes the store server') : ''].filter(Boolean).join('; ')
      lines.push(`| ${r.cell.label} | ${ratio} | ${cpu} | ${fmtInt(m((s) => s.rps))} | ${m((s) => s.cpuUs).toFixed(1)} | ${fmtMs(m((s) => s.p99))} | ${per} | ${note} |`)
    }
    lines.push('')
  }
  return lines.join('\n')
}

const TARGETS_INTRO =
  'Each figure is the median over rounds of per-round ratios, so drift on a shared machine cancels out. Rows marked "÷" are speed ratios (higher is better), except the two "cost per request" rows: CPU time per request of the route over that of the reference (lower is better). "by" says which figure the verdict goes by, as issue #11 states each target.'

function targetTable(targets: Target[]): string {
  const lines = [
    '| target | wanted | by | req/s figure | CPU-time figure | result | note |',
    '| --- | --- | --- | ---: | ---: | --- | --- |',
  ]
  for (const t of targets) {
    const v = t.value === null ? 'n/a' : fmtRatio(t.value)
    const c = t.cpu === null ? '' : fmtRatio(t.cpu)
    if (t.want === '(shown)') {
      lines.push(`| ${t.what} | — | ${t.by === 'cpu' ? 'CPU time' : t.by === 'rps' ? 'req/s' : 'req/s and CPU'} | ${v} | ${c} | (not a target) | ${t.note ?? ''} |`)
      continue
    }
    const vr = verdict(t.value, t.ok)
    const vc = t.cpu === null ? 'n/a' : verdict(t.cpu, t.ok)
    const result = t.by === 'rps' ? vr : t.by === 'cpu' ? vc : vr === 'PASS' && vc === 'PASS' ? 'PASS' : vr === 'n/a' || vc === 'n/a' ? 'n/a' : 'MISS'
    const by = t.by === 'both' ? 'req/s and CPU' : t.by === 'cpu' ? 'CPU time' : 'req/s'
    lines.push(`| ${t.what} | ${t.want} | ${by} | ${v} | ${c} | **${result}** | ${t.note ?? ''} |`)
  }
  return lines.join('\n')
}

// ------------------------------------------------------------------------------ growth, memory, profile

interface GrowthSize {
  n: number
  p50: number
  p99: number
  rps: number
  insertSeconds: number
}
interface GrowthResult {
  requested: number[]
  stores: Record<string, { sizes: GrowthSize[] } | { skip: string }>
}
interface MemoryResult {
  sessions: number
  bytesPerSession: number
  cookieValueBytes: number
  setCookieBytes: number
  sessionKeys: string[]
}

function runScript(file: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<any> {
  const args = [...nodeArgs, '--import', 'tsx', path.join(BENCH_DIR, file)]
  const [cmd, argv] = PIN ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args]
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv as string[], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      process.stdout.write(String(d).replace(/^RESULT .*\n?/gm, ''))
    })
    child.on('close', (code) => {
      const m = /^RESULT (.*)$/m.exec(out)
      if (code === 0 && m) resolve(JSON.parse(m[1]))
      else reject(new Error(`${file} exited ${code}`))
    })
  })
}

async function profile(tmp: string): Promise<ProfileSummary | { skip: string }> {
  const file = path.join(tmp, 'fastify-sealed.cpuprofile')
  const srv = await startServer({
    framework: 'fastify',
    env: { VARIANT: 'doorman', BACKEND: 'sealed', BENCH_CPU_PROFILE: file },
    // The bundle, as measured (its source map gives src/ names back); tsx would add its own
    // per-closure __name() calls to the picture.
    runner: 'build',
    pin: PIN,
  })
  if ('skip' in srv) return srv
  try {
    const cookie = await login(srv.port)
    const base = { url: `http://127.0.0.1:${srv.port}/private`, method: 'GET' as const, headers: { 'User-Agent': UA, Cookie: cookie }, connections: CONNECTIONS, pin: PIN }
    await runWrk({ ...base, seconds: 2 })
    const profiling = new Promise<void>((r) => srv.child.stdout!.on('data', (d) => String(d).includes('PROFILING') && r()))
    srv.child.kill('SIGUSR2')
    await profiling
    await runWrk({ ...base, seconds: PROFILE_SECONDS })
  } finally {
    await srv.stop()
  }
  if (!existsSync(file)) return { skip: 'no profile was written' }
  return summariseProfile(JSON.parse(readFileSync(file, 'utf8')), ROOT)
}

// ------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  if (!which('wrk')) {
    console.error('npm run bench needs wrk, the HTTP load generator. On Debian/Ubuntu: apt-get install -y wrk')
    process.exit(2)
  }
  const tmp = mkdtempSync(path.join(tmpdir(), 'doorman-bench-'))
  const started = Date.now()
  const load0 = loadavg()[0]
  console.log(`doorman bench: ${QUICK ? 'QUICK, ' : ''}${ROUNDS} round(s) × ${SECONDS}s per route (+${WARMUP}s warm-up), ${CONNECTIONS} connections, ` +
    `runner ${RUNNER}, ${PIN ? 'server on core 0, wrk on core 1' : 'no taskset: not pinned'}; frameworks: ${fwSel.join(', ')}`)
  const services = await startBackingServices(tmp)
  for (const n of services.notes) console.log(`  ${n}`)
  const running = new Map<string, Running>()
  const results = new Map<string, CellResult>()
  let stopping = false
  const shutdown = async () => {
    stopping = true
    await Promise.allSettled([...running.values()].map((r) => r.stop()))
    running.clear()
    await services.stop().catch((e) => console.error(`could not stop the services: ${e.message}`))
    rmSync(tmp, { recursive: true, force: true })
  }
  process.once('SIGINT', () => {
    console.error('\ninterrupted: stopping servers')
    shutdown().finally(() => process.exit(130))
  })

  let growth: GrowthResult | null = null
  let memory: MemoryResult | null = null
  let prof: ProfileSummary | { skip: string } | null = null
  try {
    if (RUNNER === 'build' && partOn('http')) await buildServers(fwSel)
    if (partOn('http')) {
      const { servers, cells } = matrix(fwSel)
      // Start every server once (they idle between their runs), a few at a time.
      const skips = new Map<string, string>()
      const wanted = new Set(cells.filter((c) => c.id === 'bare' || !CELLS.length || CELLS.includes(c.id)).flatMap((c) => [c.server, c.cookieFrom ?? c.server]))
      const toStart = servers.filter((s) => wanted.has(s.key))
      for (let i = 0; i < toStart.length; i += 4) {
        const batch = await Promise.allSettled(
          toStart.slice(i, i + 4).map(async (s) => {
            const env: Record<string, string> = { ...s.env, BENCH_SQLITE_FILE: services.env[`BENCH_SQLITE_FILE_${s.fw}`], BENCH_REDIS_PREFIX: `bench:${s.fw}:` }
            if (services.env.REDIS_URL) env.REDIS_URL = services.env.REDIS_URL
            if (services.env.DATABASE_URL) env.DATABASE_URL = services.env.DATABASE_URL
            const r = await startServer({ framework: s.fw, env, runner: RUNNER, pin: PIN })
            if ('skip' in r) skips.set(s.key, r.skip)
            else running.set(s.key, r)
          }),
        )
        const failed = batch.find((b) => b.status === 'rejected')
        if (failed) throw (failed as PromiseRejectedResult).reason
      }
      for (const c of cells) {
        if (CELLS.length && c.id !== 'bare' && !CELLS.includes(c.id)) continue
        const skip = skips.get(c.server) ?? (c.cookieFrom ? skips.get(c.cookieFrom) : undefined)
        results.set(`${c.fw}:${c.id}`, { cell: c, skip, samples: [] })
      }
      for (const [k, v] of skips) console.log(`  skip ${k}: ${v}`)
      storePids = { redis: servicePid(services.env.DOORMAN_REDIS_CTL), postgres: servicePid(services.env.DOORMAN_PG_CTL) }
      for (let round = 1; round <= ROUNDS; round++) {
        for (const fw of rotate(fwSel, round - 1)) {
          const own = cells.filter((c) => c.fw === fw && c.id !== 'bare' && results.has(`${fw}:${c.id}`) && !results.get(`${fw}:${c.id}`)!.skip)
          const bareCell = cells.find((c) => c.fw === fw && c.id === 'bare')!
          // The bare route runs before, between every BARE_EVERY routes, and after: each route is
          // compared with the bare runs right next to it, minutes of drift apart never meet.
          const order: Cell[] = [bareCell]
          rotate(own, round - 1).forEach((c, i, all) => {
            order.push(c)
            if ((i + 1) % BARE_EVERY === 0 || i === all.length - 1) order.push(bareCell)
          })
          const seq: Sample[] = []
          for (const cell of order) {
            if (stopping) return
            let s: Sample
            try {
              // Warm up before every run (wrk takes whole seconds).
              s = await measure(cell, running, round, WARMUP)
            } catch (e) {
              s = failed(round, e)
            }
            seq.push(s)
            process.stdout.write(`  round ${round} ${fw.padEnd(7)} ${cell.id.padEnd(22)} ${fmtInt(s.rps).padStart(7)} req/s ${s.cpuUs.toFixed(1).padStart(6)} µs CPU/req${s.invalid ? `  INVALID: ${s.invalid}` : ''}\n`)
          }
          const bareIdx = order.map((c, i) => (c === bareCell ? i : -1)).filter((i) => i >= 0)
          const okBare = (i: number) => !seq[i].invalid && seq[i].rps > 0
          const validBares = bareIdx.filter(okBare)
          const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
          // The round's bare figure, for the table: the mean of its bare runs.
          if (validBares.length) {
            results.get(`${fw}:bare`)!.samples.push({ ...seq[validBares[0]], round, rps: mean(validBares.map((i) => seq[i].rps)), cpuUs: mean(validBares.map((i) => seq[i].cpuUs)), p99: mean(validBares.map((i) => seq[i].p99)) })
            const lo = Math.min(...validBares.map((i) => seq[i].rps))
            const hi = Math.max(...validBares.map((i) => seq[i].rps))
            if ((hi - lo) / hi > 0.15) console.log(`  note: ${fw} bare ranged ${fmtInt(lo)}–${fmtInt(hi)} req/s within round ${round}: the machine is busy; trust the CPU-time ratios more`)
          } else {
            results.get(`${fw}:bare`)!.samples.push(seq[bareIdx[0]])
          }
          order.forEach((c, i) => {
            if (c === bareCell) return
            const s = seq[i]
            results.get(`${fw}:${c.id}`)!.samples.push(s)
            const near = [bareIdx.filter((b) => b < i).pop(), bareIdx.find((b) => b > i)].filter((b): b is number => b !== undefined && okBare(b))
            if (s.invalid || !near.length) return
            s.ratio = s.rps / mean(near.map((b) => seq[b].rps))
            const cpu = near.map((b) => seq[b].cpuUs).filter(Number.isFinite)
            if (cpu.length && Number.isFinite(s.cpuUs) && s.cpuUs > 0) s.cpuRatio = mean(cpu) / s.cpuUs
          })
        }
      }
      await Promise.allSettled([...running.values()].map((r) => r.stop()))
      running.clear()
    }
    if (partOn('profile') && fwSel.includes('fastify')) {
      if (RUNNER !== 'build' || !partOn('http')) await buildServers(['fastify'])
      console.log(`profiling the Fastify sealed-cookie route for ${PROFILE_SECONDS}s …`)
      prof = await profile(tmp)
    }
    if (partOn('memory')) {
      console.log('memory per session and cookie size …')
      memory = await runScript('memory.ts', {}, ['--expose-gc'])
    }
    if (partOn('growth')) {
      console.log(`store lookups at ${GROWTH_SIZES.map(fmtSize).join(', ')} live sessions …`)
      growth = await runScript('growth.ts', { ...services.env, BENCH_GROWTH_SIZES: GROWTH_SIZES.join(','), BENCH_SQLITE_FILE: path.join(tmp, 'growth.sqlite') })
    }
  } finally {
    await shutdown()
  }

  const targets = targetsFor(results, growth)
  const minutes = ((Date.now() - started) / 60000).toFixed(1)
  const md = report({ results, targets, growth, memory, prof, notes: services.notes, minutes, load0, load1: loadavg()[0] })
  console.log('\n' + md)
  if (process.env.BENCH_NO_WRITE !== '1') {
    writeFileSync(path.join(BENCH_DIR, 'RESULTS.md'), md)
    console.log(`written to bench/RESULTS.md (${minutes} min)`)
  }
}

function report(o: {
  results: Map<string, CellResult>
  targets: Target[]
  growth: GrowthResult | null
  memory: MemoryResult | null
  prof: ProfileSummary | { skip: string } | null
  notes: string[]
  minutes: string
  load0: number
  load1: number
}): string {
  const wrkVersion = (spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout || '').split('\n')[0].trim()
  const out: string[] = []
  out.push('# doorman benchmark results', '')
  out.push('Generated by `npm run bench` (see bench/README.md for how to read it). Figures are ratios within a round;')
  out.push('absolute numbers are only for scale: they move with whatever else the machine is doing.', '')
  out.push(`- ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${o.minutes} min; node ${process.version}; ${cpus().length} × ${cpus()[0]?.model.trim()}; ${wrkVersion}`)
  out.push(`- ${QUICK ? 'QUICK run: ' : ''}${ROUNDS} round(s) × ${SECONDS} s per route after ${WARMUP} s of warm-up; wrk 1 thread, ${CONNECTIONS} connections; ` +
    `${PIN ? 'server pinned to core 0, wrk to core 1 (Redis/PostgreSQL unpinned)' : 'not pinned (no taskset)'}; servers run ${RUNNER === 'build' ? 'from an esbuild bundle' : 'through tsx'}`)
  out.push(`- load average ${o.load0.toFixed(2)} at the start, ${o.load1.toFixed(2)} at the end`)
  for (const n of o.notes) out.push(`- ${n}`)
  out.push('')
  if (o.targets.length) out.push('## Targets (issue #11)', '', TARGETS_INTRO, '', targetTable(o.targets), '')
  if (o.results.size) {
    out.push('## Requests per second, as a ratio of the same framework\'s bare route in the same round', '')
    out.push(httpTable(o.results))
  }
  if (o.growth) {
    out.push('## Store lookups as sessions grow (`store.get` of random existing ids)', '')
    out.push('| store | live sessions | p50 µs | p99 µs | lookups/s (32 in flight) | insert time |', '| --- | ---: | ---: | ---: | ---: | ---: |')
    for (const [store, g] of Object.entries(o.growth.stores)) {
      if ('skip' in g) out.push(`| ${store} | skipped | | | | ${g.skip} |`)
      else for (const s of g.sizes) out.push(`| ${store} | ${fmtSize(s.n)} | ${(s.p50 * 1000).toFixed(1)} | ${(s.p99 * 1000).toFixed(1)} | ${fmtInt(s.rps)} | ${s.insertSeconds.toFixed(1)} s |`)
    }
    out.push('')
  }
  if (o.memory) {
    out.push('## Size and memory', '')
    out.push(`- sealed session cookie after a login (keys ${o.memory.sessionKeys.join(', ')}): value ${o.memory.cookieValueBytes} bytes; whole Set-Cookie header value ${o.memory.setCookieBytes} bytes`)
    out.push(`- memory store: ${fmtInt(o.memory.bytesPerSession)} bytes of heap per live session (heap delta ÷ ${fmtInt(o.memory.sessions)} sessions, after GC)`, '')
  }
  if (o.prof) {
    out.push('## CPU profile: Fastify, sealed-cookie /private under load', '')
    if ('skip' in o.prof) out.push(`skipped: ${o.prof.skip}`, '')
    else out.push(o.prof.markdown, '')
  }
  return out.join('\n')
}

await main()
