/**
 * @module internal/duration: durations as seconds, from numbers or short strings.
 */
import { ArgumentError, ConfigError } from './errors.ts'

/** A duration: seconds as a number, a string such as `'30d'`, `'12h'`, `'15m'`, `'90s'`, or parts. */
export type Duration = number | string | { days?: number; hours?: number; minutes?: number; seconds?: number }

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }

/** Seconds in a duration, or null when it is not a valid positive duration. */
export function toSeconds(d: unknown): number | null {
  let s: number
  if (typeof d === 'number') s = d
  else if (typeof d === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(d.trim())
    if (!m) return null
    s = Number(m[1]) * UNITS[m[2]]
  } else if (d && typeof d === 'object' && !Array.isArray(d)) {
    const o = d as Record<string, unknown>
    const keys = Object.keys(o)
    if (!keys.length || keys.some((k) => !['days', 'hours', 'minutes', 'seconds'].includes(k))) return null
    if (keys.some((k) => typeof o[k] !== 'number' || !Number.isFinite(o[k] as number) || (o[k] as number) < 0)) return null
    s = ((o.days as number) ?? 0) * 86400 + ((o.hours as number) ?? 0) * 3600 + ((o.minutes as number) ?? 0) * 60 + ((o.seconds as number) ?? 0)
  } else return null
  if (!Number.isFinite(s) || s <= 0) return null
  return Math.floor(s)
}

/** Seconds in an option's duration; a ConfigError naming the option when invalid. */
export function optionSeconds(option: string, d: unknown): number {
  const s = toSeconds(d)
  if (s === null) throw new ConfigError(option, `must be a positive duration (seconds, or '30d'/'12h'/'15m'/'90s'), got ${describe(d)}`)
  return s
}

/** Seconds in a call argument's duration; an ArgumentError naming it when invalid. */
export function argumentSeconds(name: string, d: unknown): number {
  const s = toSeconds(d)
  if (s === null) throw new ArgumentError(`\`${name}\` must be a positive duration (seconds, or '30d'/'12h'/'15m'/'90s'), got ${describe(d)}`)
  return s
}

function describe(v: unknown): string {
  try {
    return typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v) ?? v)
  } catch {
    return typeof v
  }
}
