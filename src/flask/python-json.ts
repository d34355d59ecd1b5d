/**
 * @module internal/flask/python-json: JSON exactly as Flask's session serializer reads and writes it.
 *
 * Flask dumps the session with `json.dumps(..., separators=(',', ':'), sort_keys=True,
 * ensure_ascii=True)` (its default JSON provider inside the app context) and loads it with
 * `json.loads`. `JSON.stringify` differs on every one of those points (key order, non-ASCII and
 * DEL characters, float spelling such as `1e+16` and `1.0`), so encoding has its own writer; the
 * reader is our own too, so that Python's integers past 2^53 come back exact (as `bigint`),
 * `NaN`/`Infinity` are accepted as Python accepts them, and nesting is bounded.
 * Nothing from a cookie is ever evaluated: this is a plain recursive-descent parser.
 */

/** Deepest nesting read or written; deeper data reads as no session (Python itself stops near 1000). */
export const MAX_DEPTH = 128

/** Thrown for text that is not JSON as Python reads it (caught by the codec: no session). */
export class PythonJsonError extends Error {}

/** Called on every object once its members are read, in document order (Python's `object_hook`). */
export type ObjectHook = (value: Record<string, unknown>, firstKey: string | undefined, size: number) => unknown

/** Python's `json.loads`, with `hook` applied to every object, innermost first. */
export function parsePythonJson(text: string, hook: ObjectHook): unknown {
  const p = new Parser(text, hook)
  p.ws()
  const v = p.value(0)
  p.ws()
  if (p.i !== text.length) p.fail()
  return v
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y
const PLAIN = /[^"\\\x00-\x1f]*/y

class Parser {
  i = 0
  constructor(readonly s: string, readonly hook: ObjectHook) {}

  fail(): never {
    throw new PythonJsonError(`invalid JSON at ${this.i}`)
  }

  ws(): void {
    const s = this.s
    let c = s.charCodeAt(this.i)
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++this.i)
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail()
    const s = this.s
    const c = s[this.i]
    if (c === '{') return this.object(depth)
    if (c === '[') return this.array(depth)
    if (c === '"') return this.string()
    for (const [word, v] of LITERALS) {
      if (s.startsWith(word, this.i)) {
        this.i += word.length
        return v
      }
    }
    NUMBER.lastIndex = this.i
    const m = NUMBER.exec(s)
    if (!m) this.fail()
    this.i += m[0].length
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(m[0])
      return Number.isSafeInteger(n) ? n : BigInt(m[0])
    }
    return Number(m[0])
  }

  object(depth: number): unknown {
    const out: Record<string, unknown> = {}
    let first: string | undefined
    let size = 0
    this.i++
    this.ws()
    if (this.s[this.i] === '}') {
      this.i++
      return this.hook(out, undefined, 0)
    }
    for (;;) {
      if (this.s[this.i] !== '"') this.fail()
      const key = this.string()
      this.ws()
      if (this.s[this.i++] !== ':') this.fail()
      this.ws()
      const v = this.value(depth + 1)
      if (!Object.prototype.hasOwnProperty.call(out, key)) {
        size++
        first ??= key
      }
      // An own property even for `__proto__`: never the prototype.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
      this.ws()
      const c = this.s[this.i++]
      if (c === '}') return this.hook(out, first, size)
      if (c !== ',') this.fail()
      this.ws()
    }
  }

  array(depth: number): unknown[] {
    const out: unknown[] = []
    this.i++
    this.ws()
    if (this.s[this.i] === ']') {
      this.i++
      return out
    }
    for (;;) {
      out.push(this.value(depth + 1))
      this.ws()
      const c = this.s[this.i++]
      if (c === ']') return out
      if (c !== ',') this.fail()
      this.ws()
    }
  }

  string(): string {
    const s = this.s
    let out = ''
    this.i++
    for (;;) {
      PLAIN.lastIndex = this.i
      const run = PLAIN.exec(s)![0]
      out += run
      this.i += run.length
      const c = s[this.i++]
      if (c === '"') return out
      if (c !== '\\') this.fail() // end of text, or a raw control character (Python's strict mode)
      const e = s[this.i++]
      if (e === 'u') {
        const hex = s.slice(this.i, this.i + 4)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail()
        out += String.fromCharCode(parseInt(hex, 16))
        this.i += 4
      } else {
        const r = ESCAPES[e]
        if (r === undefined) this.fail()
        out += r
      }
    }
  }
}

const LITERALS: [string, unknown][] = [
  ['true', true], ['false', false], ['null', null], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
]
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

/** A value the writer cannot spell (the tagging step turns everything else into JSON types first). */
export class PythonJsonTypeError extends TypeError {}

/**
 * Python's `json.dumps(value, separators=(',', ':'), sort_keys=True, ensure_ascii=True)` for
 * values made of null, booleans, numbers, bigints, strings, arrays and plain objects.
 * A safe integer is written as a Python int; any other number as Python's `repr(float)`.
 */
export function dumpPythonJson(value: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) throw new PythonJsonTypeError('session data is nested too deeply (or circular)')
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      return pythonNumber(value)
    case 'bigint':
      return value.toString()
    case 'string':
      return pythonString(value)
    case 'object':
      if (Array.isArray(value)) return `[${value.map((v) => dumpPythonJson(v, depth + 1)).join(',')}]`
      return `{${Object.keys(value).sort(byCodePoint).map((k) => `${pythonString(k)}:${dumpPythonJson((value as Record<string, unknown>)[k], depth + 1)}`).join(',')}}`
  }
  throw new PythonJsonTypeError(`a ${typeof value} cannot be written to a Flask session`)
}

/** Python's `repr` of an int or a float, as `json.dumps` writes numbers. */
export function pythonNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  if (Object.is(x, -0)) return '-0.0'
  if (Number.isSafeInteger(x)) return String(x)
  // repr(float): the shortest round-tripping digits (as JavaScript's), fixed notation when the
  // decimal exponent is in [-4, 16), else d.ddde±XX with at least two exponent digits.
  const [mantissa, expText] = x.toExponential().split('e')
  const exp = Number(expText)
  const neg = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  const sign = neg ? '-' : ''
  if (exp < -4 || exp >= 16) {
    const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${e}`
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0')
  const frac = digits.slice(exp + 1)
  return `${sign}${whole}.${frac || '0'}`
}

const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x08: '\\b', 0x0c: '\\f' }
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f-\uffff]/

/** A JSON string as Python writes it with `ensure_ascii=True`: only printable ASCII stays as is. */
export function pythonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) out += s[i]
    else out += SHORT_ESCAPES[c] ?? `\\u${c.toString(16).padStart(4, '0')}`
  }
  return out + '"'
}

/** Python's `sorted()` order for str: by code point (UTF-16 order differs past the surrogates). */
export function byCodePoint(a: string, b: string): number {
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : a > b ? 1 : 0
  const x = [...a], y = [...b]
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!
    if (d !== 0) return d
  }
  return x.length - y.length
}
