/**
 * @module test/helpers/scenario: the glue of the scenario suites: run a body once per adapter
 * with a fresh test app and client, and record events.
 */
import { describe } from 'node:test'
import type { AuthEvents } from '../../src/events.ts'
import type { LoginManager } from '../../src/manager.ts'
import type { TestAppOptions, TestUser } from '../apps/common.ts'
import { FRAMEWORKS, testTarget, type AnyFramework, type Framework, type TestTarget } from './adapters.ts'
import { Client, type ClientOptions } from './client.ts'

/** `describe(title [fw])` once per adapter. */
export function eachAdapter(title: string, body: (fw: Framework) => void): void {
  for (const fw of FRAMEWORKS) describe(`${title} [${fw}]`, () => body(fw))
}

/** Build the test app of `fw` with `options`, hand it and a fresh client to `body`, close it. */
export async function withApp(
  fw: AnyFramework,
  options: TestAppOptions,
  body: (t: TestTarget, c: Client) => Promise<void>,
  clientOptions?: ClientOptions,
): Promise<void> {
  const t = await testTarget(fw, options)
  try {
    await body(t, new Client(t, clientOptions))
  } finally {
    await t.close()
  }
}

/** Record every payload of `event` on `manager`. */
export function record<K extends keyof AuthEvents<TestUser>>(manager: LoginManager<TestUser>, event: K): AuthEvents<TestUser>[K][] {
  const heard: AuthEvents<TestUser>[K][] = []
  manager.on(event, (p) => void heard.push(p))
  return heard
}

/** The body of a response as text. */
export const body = (res: Response) => res.text()

/** Log in through `/login-as` with query fields; returns the response. */
export function loginAs(c: Client, id: string, fields: Record<string, string> = {}): Promise<Response> {
  return c.request(`/login-as?${new URLSearchParams({ id, ...fields })}`, { method: 'POST' })
}

/** GET `/state` as JSON. */
export function state(c: Client, init?: Parameters<Client['get']>[1]): Promise<{
  user: string | null
  anonymous: boolean
  fresh: boolean
  freshWithin: boolean | null
  remembered: boolean
  viaRequestLoader: boolean
  keys: string[]
}> {
  return c.json('/state', init)
}

/** Simulate the browser closing: session cookies (no Max-Age/Expires) are forgotten. */
export function closeBrowser(c: Client): void {
  for (const [k, v] of c.jar) if (v.maxAge === undefined && v.expires === undefined) c.jar.delete(k)
}
