/**
 * Instructions per request of one bench server, counted by Valgrind's callgrind: a measure that
 * does not move when other work shares the machine (req/s and CPU time do), for A/B work on a busy
 * host. Run: `npx tsx bench/icount.ts <framework> <variant> <path> [warm-up] [requests]`, e.g.
 * `npx tsx bench/icount.ts fastify doorman /private`. Needs `valgrind` (apt-get install valgrind).
 *
 * The server (bundled as `npm run bench` bundles it, into bench/.build/) runs under callgrind with
 * `--single-threaded`, so V8's compiler and GC work lands on the counted thread rather than on
 * helper threads whose share varies run to run. After the warm-up (4,000 requests: the hot path
 * is optimised by then) the counters are zeroed, the measured requests sent (4 keep-alive
 * connections, the route's expected answer checked), and the counters dumped. Doorman's routes get
 * the session cookie of a `POST /login` first, as in the bench; `FORCE_COOKIE` sets another (or
 * `none`). Repeat runs of the same build agree within ~1%; the count is user-space only (system
 * calls are not in it), and one instruction is not one cycle, so read it beside CPU time.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { BUILD_DIR, buildServers } from './lib/servers.ts'

const [framework = 'fastify', variant = 'doorman', route = '/private', warm = '4000', count = '2000'] = process.argv.slice(2)
const buildDir = process.env.ICOUNT_BUILD ?? BUILD_DIR
if (!process.env.ICOUNT_BUILD) await buildServers([framework])
const out = mkdtempSync(path.join(os.tmpdir(), 'doorman-icount-'))
const server = spawn(
  'valgrind',
  ['--tool=callgrind', `--callgrind-out-file=${out}/cg.%p`, process.execPath, '--single-threaded', path.join(buildDir, `${framework}.mjs`)],
  { env: { ...process.env, VARIANT: variant, BACKEND: process.env.BACKEND ?? 'sealed' }, stdio: ['ignore', 'pipe', 'pipe'] },
)
let stderr = ''
server.stderr!.on('data', (d) => (stderr += d))
const port = await new Promise<number>((resolve, reject) => {
  let text = ''
  server.stdout!.on('data', (d) => {
    text += d
    const m = /LISTENING (\d+)/.exec(text)
    if (m) resolve(Number(m[1]))
  })
  server.once('exit', () => reject(new Error(`server exited before listening:\n${stderr}`)))
})
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })

interface Answer {
  status: number
  setCookie: string[] | undefined
}
function send(method: string, p: string, cookie: string | null): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': 'wrk' }
    if (cookie) headers.cookie = cookie
    const r = http.request({ host: '127.0.0.1', port, method, path: p, agent, headers }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] }))
    })
    r.on('error', reject)
    r.end()
  })
}

let cookie: string | null = null
if (process.env.FORCE_COOKIE !== undefined) cookie = process.env.FORCE_COOKIE === 'none' ? null : process.env.FORCE_COOKIE
else if (!variant.startsWith('bare')) cookie = ((await send('POST', '/login', null)).setCookie ?? []).map((c) => c.split(';')[0]).join('; ')

async function run(n: number): Promise<void> {
  let i = 0
  let bad = 0
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (i++ < n) {
        const a = await send('GET', route, cookie)
        if (a.status !== 200 || (a.setCookie && variant === 'doorman')) bad++
      }
    }),
  )
  if (bad) throw new Error(`${bad} answers were not a 200 without Set-Cookie`)
}

try {
  await run(Number(warm))
  execFileSync('callgrind_control', ['-z', String(server.pid)], { stdio: 'ignore' })
  await run(Number(count))
  execFileSync('callgrind_control', ['-d', String(server.pid)], { stdio: 'ignore' })
} finally {
  server.kill('SIGKILL')
  agent.destroy()
}
// The dump requested above is the file with a part number (cg.<pid>.1).
const dump = readdirSync(out).find((f) => /\.\d+\.\d+$/.test(f))
const total = dump ? Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(path.join(out, dump), 'utf8'))?.[1]) : NaN
rmSync(out, { recursive: true, force: true })
console.log(`${framework} ${variant} ${route}: ${Math.round(total / Number(count))} instructions/request (${count} requests after ${warm})`)
