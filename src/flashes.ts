/**
 * @module internal/flashes: the bounded list of flashed messages a session keeps (Flask's
 * `_flashes`), and what doorman may drop from a session so that its cookie fits.
 *
 * Flask stacks every flash until a page reads them. Each anonymous redirect to the login page
 * flashes the login message, so a login page that never reads flashes (static, single-page, a
 * crawler's target) used to grow the sealed cookie by one message per redirect until it passed
 * 4 KB, and then every request that wrote the session failed. Here the same message is kept once
 * (moved to the newest place), at most {@link MAX_FLASHES} wait, and the oldest go first.
 */
import { MAX_FLASHES, MAX_FLASH_SIZE, SESSION_KEYS as K } from './defaults.ts'
import { SessionTooLargeError } from './errors.ts'
import type { Session } from './session/session.ts'

/** One flashed message: `[category, message]`. */
export type Flash = [category: string, message: string]

const encoder = new TextEncoder()

function isFlash(f: unknown): f is Flash {
  return Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' && typeof f[1] === 'string'
}

/**
 * The well-formed flashes of a stored list, the same message kept once (at its newest place),
 * at most {@link MAX_FLASHES}, oldest first. Anything else reads as no flashes.
 */
export function boundedFlashes(raw: unknown): Flash[] {
  if (!Array.isArray(raw)) return []
  const seen = new Set<string>()
  const out: Flash[] = []
  for (let i = raw.length - 1; i >= 0 && out.length < MAX_FLASHES; i--) {
    const f = raw[i]
    if (!isFlash(f)) continue
    const key = JSON.stringify(f)
    if (seen.has(key)) continue
    seen.add(key)
    out.push([f[0], f[1]])
  }
  return out.reverse()
}

/**
 * The list with `flash` added as the newest. A message over {@link MAX_FLASH_SIZE} bytes is app
 * data that cannot fit a cookie: it throws here, where the app wrote it, not at the end of the request.
 *
 * @throws SessionTooLargeError (`DOORMAN_SESSION_TOO_LARGE`) naming the size and the limit.
 */
export function addFlash(raw: unknown, flash: Flash): Flash[] {
  const size = encoder.encode(flash[0]).length + encoder.encode(flash[1]).length
  if (size > MAX_FLASH_SIZE) {
    throw new SessionTooLargeError(
      size,
      MAX_FLASH_SIZE,
      `doorman: a flashed message of ${size} bytes (category and text) is over the ${MAX_FLASH_SIZE}-byte limit for one flash; ` +
        'flash a short message and keep the details elsewhere',
    )
  }
  const key = JSON.stringify(flash)
  const list = Array.isArray(raw) ? raw.filter((f) => !isFlash(f) || JSON.stringify(f) !== key) : []
  return boundedFlashes([...list, flash])
}

/**
 * Drop the next piece of doorman's own data from a session whose cookie is too large: stacked or
 * surplus flashes first, then the oldest flash, then a `next` kept in the session. Returns false
 * when nothing of doorman's is left to drop (what remains is the app's).
 */
export function shedDoormanData(session: Session): boolean {
  const raw = session.get<unknown>(K.flashes)
  if (raw !== undefined) {
    const list = boundedFlashes(raw)
    if (!Array.isArray(raw) || list.length < raw.length) {
      session.set(K.flashes, list.length ? list : undefined)
      return true
    }
    list.shift()
    session.set(K.flashes, list.length ? list : undefined)
    return true
  }
  return session.delete(K.next)
}
