/**
 * @module internal/node-builtin: a Node built-in module when the runtime has one, else null.
 *
 * Through `process.getBuiltinModule`, so the core has no static `node:` import and loads on
 * runtimes without Node's modules. Some of those define `process.getBuiltinModule` only to throw
 * (Next.js's edge runtime: "A Node.js API is used … which is not supported"), so a throw reads as
 * "not here", like a missing function.
 */
export function nodeBuiltin(name: string): unknown {
  try {
    return (globalThis as any).process?.getBuiltinModule?.(name) ?? null
  } catch {
    return null
  }
}
