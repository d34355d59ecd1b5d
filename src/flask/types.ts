/**
 * @module internal/flask/types: the JavaScript faces of the Python values Flask's session can hold.
 *
 * Flask's tagged JSON keeps tuples, bytes, `Markup`, `UUID` and `datetime` apart from plain JSON.
 * A doorman handler sees them as below, and each writes back with the same tag, so whatever the
 * Flask side stored survives a round trip through doorman:
 *
 * | Python            | tag     | doorman                                  |
 * | ----------------- | ------- | ---------------------------------------- |
 * | `tuple`           | `' t'`  | {@link FlaskTuple} (an `Array` subclass) |
 * | `bytes`           | `' b'`  | `Uint8Array`                             |
 * | `markupsafe.Markup` | `' m'` | {@link FlaskMarkup}                     |
 * | `uuid.UUID`       | `' u'`  | {@link FlaskUUID}                        |
 * | `datetime`        | `' d'`  | `Date` (whole seconds, UTC)              |
 * | `list`, `dict`, `str`, `int`, `float`, `bool`, `None` | — | arrays, plain objects, strings, numbers (`bigint` past 2^53), booleans, `null` |
 */

/**
 * A Python tuple: an array that Flask's session writes back as a tuple (`' t'`), not a list.
 * Flask's flashes are tuples of `(category, message)`.
 *
 * @example
 * ```ts
 * session.set('point', FlaskTuple.of(3, 4)) // Python sees (3, 4)
 * ```
 */
export class FlaskTuple<T = unknown> extends Array<T> {
  // map/filter/slice of a tuple give plain arrays, as Python's comprehensions give lists.
  static override get [Symbol.species](): ArrayConstructor {
    return Array
  }
}

/**
 * `markupsafe.Markup`: HTML that Jinja must not escape again. doorman keeps the text as it is and
 * writes it back as Markup (`' m'`); it is the app's to decide whether to trust it.
 *
 * @example
 * ```ts
 * const notice = session.get<FlaskMarkup>('notice')?.value
 * ```
 */
export class FlaskMarkup {
  constructor(
    /** The HTML text. */
    readonly value: string,
  ) {
    if (typeof value !== 'string') throw new TypeError('FlaskMarkup needs a string')
  }

  /** The HTML text, the way Markup's `__html__` gives it. */
  toString(): string {
    return this.value
  }

  /** The HTML text (how the sealed format and `JSON.stringify` see it). */
  toJSON(): string {
    return this.value
  }
}

const UUID_HEX = /^[0-9a-f]{32}$/

/**
 * `uuid.UUID`: written back as Flask writes it (`' u'` with 32 lowercase hex digits).
 *
 * @example
 * ```ts
 * session.set('cart', new FlaskUUID(crypto.randomUUID()))
 * ```
 */
export class FlaskUUID {
  /** 32 lowercase hex digits, Python's `UUID.hex`. */
  readonly hex: string

  /** Accepts what Python's `UUID(str)` accepts: hex with or without hyphens, braces or a `urn:uuid:` prefix. */
  constructor(text: string) {
    const hex = parseUuidHex(text)
    if (hex === null) throw new TypeError('FlaskUUID needs a UUID string')
    this.hex = hex
  }

  /** The hyphenated form, Python's `str(uuid)`. */
  toString(): string {
    const h = this.hex
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }

  /** The hyphenated form (how the sealed format and `JSON.stringify` see it). */
  toJSON(): string {
    return this.toString()
  }
}

/** Python's `UUID(text).hex`, or null where Python raises. */
export function parseUuidHex(text: unknown): string | null {
  if (typeof text !== 'string') return null
  const hex = text.replaceAll('urn:', '').replaceAll('uuid:', '').replace(/^[{}]+|[{}]+$/g, '').replaceAll('-', '').toLowerCase()
  return UUID_HEX.test(hex) ? hex : null
}
