/**
 * CPU time of processes from /proc (Linux): a measure of cost per request that, unlike req/s,
 * barely moves when other work shares the machine.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

/** Clock ticks per second of /proc's utime/stime (100 on every Linux we run on). */
const HZ = 100

/** User + system CPU seconds of one process (all its threads), or null without /proc. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields 14 and 15 of stat(5), counted from the state field (3) here.
    return (Number(f[11]) + Number(f[12])) / HZ
  } catch {
    return null
  }
}

function ppid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return null
  }
}

/** A process and its direct children (PostgreSQL's backends are children of the postmaster). */
export function treeCpuSeconds(pid: number): number | null {
  const own = cpuSeconds(pid)
  if (own === null) return null
  let total = own
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || ppid(Number(d)) !== pid) continue
    total += cpuSeconds(Number(d)) ?? 0
  }
  return total
}

/**
 * The pid of a Redis or PostgreSQL server started by scripts/services.mjs, from its descriptor
 * file (DOORMAN_REDIS_CTL / DOORMAN_PG_CTL), or null.
 */
export function servicePid(descriptorFile: string | undefined): number | null {
  if (!descriptorFile || !existsSync(descriptorFile)) return null
  try {
    const d = JSON.parse(readFileSync(descriptorFile, 'utf8'))
    const file = d.kind === 'redis' ? path.join(d.dir, 'redis.pid') : path.join(d.dataDir, 'postmaster.pid')
    const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0], 10)
    return Number.isFinite(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}
