/** @module internal/password/load: load an optional hashing package on first use, with a clear error. */

import { ConfigError } from '../errors.ts'

/**
 * Imports `specifier` and returns its CommonJS `module.exports` (or the namespace for pure ESM).
 *
 * Loading happens on first use, not at import, so an app that never sees a bcrypt hash does not
 * need `bcryptjs` installed. A failure is a deployment error and must not read as "wrong
 * password", which would silently lock every user out: it throws.
 *
 * @param specifier - the module to import, e.g. `argon2`.
 * @param importer - the function that performs the import (a literal `import()` at the call site,
 *   so bundlers and type-checkers can see the dependency).
 * @returns the module object whose members are looked up at call time.
 * @example
 * ```ts
 * const bcrypt = await loadOptional('bcryptjs', () => import('bcryptjs'))
 * ```
 */
export async function loadOptional<T>(specifier: string, importer: () => Promise<T>): Promise<T> {
  let mod: T
  try {
    mod = await importer()
  } catch (cause) {
    const error = new ConfigError(
      specifier,
      `names an npm package that doorman/password needs for this hash but that failed to load; ` +
        `install it with \`npm install ${specifier}\``,
    )
    error.cause = cause
    throw error
  }
  // Node gives a CommonJS package's module.exports as `default`. Calling through that object (not
  // through a frozen namespace snapshot) is what lets tests observe the calls.
  const withDefault = mod as T & { default?: T }
  return withDefault.default ?? mod
}

/**
 * Caches {@link loadOptional} per package, forgetting failures so a later install is picked up.
 *
 * @param specifier - the module to import.
 * @param importer - the function that performs the import.
 * @returns a function that resolves to the loaded module.
 * @example
 * ```ts
 * const argon2 = lazyModule('argon2', () => import('argon2'))
 * const mod = await argon2()
 * ```
 */
export function lazyModule<T>(specifier: string, importer: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined
  return () => {
    pending ??= loadOptional(specifier, importer).catch((error: unknown) => {
      pending = undefined
      throw error
    })
    return pending
  }
}
