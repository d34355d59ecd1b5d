/**
 * @module examples/minimal/store: the session store named by `SESSION_STORE`.
 *
 * `cookie` (the default) keeps sessions in sealed cookies and needs nothing; `memory` keeps
 * logged-in sessions in this process (lost on restart). It is async so that stores which must
 * connect first fit the same call.
 */
import type { SessionStore } from 'doorman'
import { memoryStore } from 'doorman/stores/memory'

/** The store for `env.SESSION_STORE`, or undefined for sealed cookies. */
export async function storeFromEnv(env: Record<string, string | undefined> = process.env): Promise<SessionStore | undefined> {
  const kind = env.SESSION_STORE || 'cookie'
  switch (kind) {
    case 'cookie':
      return undefined
    case 'memory':
      return memoryStore()
    default:
      throw new Error(`SESSION_STORE must be one of cookie, memory (got ${JSON.stringify(kind)})`)
  }
}
