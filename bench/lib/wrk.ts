/**
 * Driving a server with wrk (pinned to its own core when `taskset` exists) and reading its report.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/** One wrk run. */
export interface WrkResult {
  rps: number
  /** Latency percentiles in milliseconds. */
  p50: number
  p99: number
  /** Responses that were not 2xx/3xx, and socket errors: either makes the run invalid. */
  non2xx: number
  errors: number
  requests: number
}

/** Path of an executable on PATH, or null. */
export function which(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null
}

/** Whether `taskset` can pin to cores 0 and 1 here. */
export function canPin(): boolean {
  if (!which('taskset')) return false
  return spawnSync('taskset', ['-c', '1', 'true']).status === 0
}

let postScript: string | null = null
function luaPost(): string {
  if (!postScript) {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorman-bench-wrk-'))
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    postScript = path.join(dir, 'post.lua')
    writeFileSync(postScript, 'wrk.method = "POST"\n')
  }
  return postScript
}

function ms(value: string, unit: string): number {
  const v = Number(value)
  switch (unit) {
    case 'us':
      return v / 1000
    case 'ms':
      return v
    case 's':
      return v * 1000
    case 'm':
      return v * 60_000
    default:
      return Number.NaN
  }
}

/** Parse wrk's report. */
export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp) => {
    const m = re.exec(out)
    return m ? Number(m[1]) : 0
  }
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out)
    return m ? ms(m[1], m[2]) : Number.NaN
  }
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50: pct('50'),
    p99: pct('99'),
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/),
    errors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    requests: num(/(\d+) requests in/),
  }
}

/** Options of one run. */
export interface WrkOptions {
  url: string
  method: 'GET' | 'POST'
  headers: Record<string, string>
  seconds: number
  connections: number
  pin: boolean
}

/** Run wrk once and parse its report. */
export function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency', '--timeout', '5s']
  for (const [k, v] of Object.entries(o.headers)) args.push('-H', `${k}: ${v}`)
  if (o.method === 'POST') args.push('-s', luaPost())
  args.push(o.url)
  const [cmd, argv] = o.pin ? ['taskset', ['-c', '1', 'wrk', ...args]] : ['wrk', args]
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`wrk exited ${code}: ${out.trim()}`))
      else resolve(parseWrk(out))
    })
  })
}
