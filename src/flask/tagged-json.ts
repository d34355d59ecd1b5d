/**
 * @module internal/flask/tagged-json: Flask's tagged JSON (`flask.json.tag.TaggedJSONSerializer`).
 *
 * A value Python's JSON cannot hold is written as a one-key object whose key is a tag: `' t'`
 * tuple, `' b'` bytes (base64), `' m'` Markup, `' u'` UUID (hex), `' d'` datetime (HTTP date),
 * and `' di'` for a one-key dict whose own key happens to be a tag. Reading undoes it innermost
 * first, as Flask's `object_hook` does. A one-key object under an unknown tag stays a plain object,
 * as in Flask; a known tag around a value Flask never writes (a tuple of a number…) makes the
 * whole cookie read as no session, where Flask would raise.
 */
import { FlaskMarkup, FlaskTuple, FlaskUUID, parseUuidHex } from './types.ts'
import { dumpPythonJson, parsePythonJson, PythonJsonError, MAX_DEPTH, PythonJsonTypeError } from './python-json.ts'

const TAGS = new Set([' di', ' t', ' b', ' m', ' u', ' d'])

/** Flask's `TaggedJSONSerializer.loads`; throws {@link PythonJsonError} on anything Flask would not read. */
export function loadsTagged(text: string): unknown {
  return parsePythonJson(text, untag)
}

/** Flask's `TaggedJSONSerializer.dumps` (compact, sorted keys, ASCII only). */
export function dumpsTagged(value: unknown): string {
  return dumpPythonJson(tag(value, 0))
}

function untag(value: Record<string, unknown>, key: string | undefined, size: number): unknown {
  if (size !== 1 || key === undefined || !TAGS.has(key)) return value
  const v = value[key]
  switch (key) {
    case ' t':
      if (!Array.isArray(v)) break
      return FlaskTuple.from(v)
    case ' b': {
      const bytes = typeof v === 'string' ? fromBase64(v) : null
      if (!bytes) break
      return bytes
    }
    case ' m':
      if (typeof v !== 'string') break
      return new FlaskMarkup(v)
    case ' u': {
      const hex = parseUuidHex(v)
      if (!hex) break
      return new FlaskUUID(hex)
    }
    case ' d':
      // werkzeug's parse_date answers None for what it cannot read; so does this.
      return typeof v === 'string' ? parseHttpDate(v) : null
    case ' di': {
      if (!v || typeof v !== 'object' || Array.isArray(v)) break
      const inner = Object.keys(v)[0]
      if (inner === undefined) break
      const out: Record<string, unknown> = {}
      Object.defineProperty(out, inner.slice(0, -2), { value: (v as Record<string, unknown>)[inner], enumerable: true, writable: true, configurable: true })
      return out
    }
  }
  throw new PythonJsonError(`malformed ${JSON.stringify(key)} tag`)
}

/** Flask's `TaggedJSONSerializer.tag`: JavaScript values to JSON types with tags where needed. */
export function tag(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new PythonJsonTypeError('session data is nested too deeply (or circular)')
  if (value === null || typeof value !== 'object') {
    // What JSON.stringify leaves out of an object it writes as null in an array; objects skip them below.
    return typeof value === 'function' || typeof value === 'symbol' || value === undefined ? null : value
  }
  if (value instanceof FlaskTuple) return { ' t': Array.from(value, (v) => tag(v, depth + 1)) }
  if (Array.isArray(value)) return value.map((v) => tag(v, depth + 1))
  if (value instanceof Uint8Array) return { ' b': toBase64(value) }
  if (value instanceof FlaskMarkup) return { ' m': value.value }
  if (value instanceof FlaskUUID) return { ' u': value.hex }
  if (value instanceof Date) {
    const text = httpDate(value)
    return text === null ? null : { ' d': text }
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return tag((value as { toJSON(): unknown }).toJSON(), depth + 1)
  const keys = Object.keys(value).filter((k) => {
    const v = (value as Record<string, unknown>)[k]
    return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol'
  })
  const out: Record<string, unknown> = {}
  const put = (k: string, v: unknown) => Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
  if (keys.length === 1 && TAGS.has(keys[0])) {
    put(`${keys[0]}__`, tag((value as Record<string, unknown>)[keys[0]], depth + 1))
    return { ' di': out }
  }
  for (const k of keys) put(k, tag((value as Record<string, unknown>)[k], depth + 1))
  return out
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function fromBase64(text: string): Uint8Array | null {
  if (!B64.test(text)) return null
  const bin = atob(text)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

function toBase64(bytes: Uint8Array): string {
  let bin = ''
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(bin)
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const two = (n: number) => String(n).padStart(2, '0')

/** werkzeug's `http_date` (`Wed, 21 Oct 2015 07:28:00 GMT`), or null for a Date Python cannot hold. */
export function httpDate(d: Date): string | null {
  const t = d.getTime()
  const y = d.getUTCFullYear()
  if (Number.isNaN(t) || y < 1 || y > 9999) return null
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${String(y).padStart(4, '0')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`
}

const DATE = /^\s*(?:[A-Za-z]{3},?\s+)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:(GMT|UTC|UT|Z)|([+-])(\d{2})(\d{2}))?\s*$/i

/** werkzeug's `parse_date` for the RFC 5322 dates Flask writes (numeric zones too); null otherwise. */
export function parseHttpDate(text: string): Date | null {
  const m = DATE.exec(text)
  if (!m) return null
  const month = MONTHS.findIndex((x) => x.toLowerCase() === m[2].toLowerCase())
  if (month < 0) return null
  let year = Number(m[3])
  // email.utils: a year under 100 is 19xx/20xx, however many digits spell it (so Flask reads back
  // its own year 7 as 2007).
  if (year < 100) year += year > 68 ? 1900 : 2000
  const [day, hour, minute, second] = [Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)]
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || year < 1 || year > 9999) return null
  const offset = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0
  const d = new Date(0)
  d.setUTCFullYear(year, month, day)
  // A day past the month's end (31 Feb) is a ValueError in Python, so None from parse_date.
  if (d.getUTCMonth() !== month) return null
  d.setUTCHours(hour, minute - offset, second, 0)
  return d
}
