/**
 * @module test/helpers/examples: the minimal example apps (examples/minimal/*) behind the
 * uniform {@link Target} interface, built in process with a given environment.
 */
import { describe } from 'node:test'
import { createApp as honoApp } from '../../examples/minimal/hono.ts'
import { createApp as expressApp } from '../../examples/minimal/express.ts'
import { createApp as fastifyApp } from '../../examples/minimal/fastify.ts'
import { FRAMEWORKS, targetFor, type Framework, type Target } from './adapters.ts'
import { Client, type ClientOptions } from './client.ts'

/** A fixed secret, so two builds of an example can share cookies when a test wants them to. */
export const EXAMPLE_SECRET = 'example-secret-for-tests-0123456789abcdef'

/**
 * Build the example app of `fw` with `env` (SECRET_KEY defaults to {@link EXAMPLE_SECRET}).
 * Closing the target also closes the app's store connection.
 */
export async function exampleTarget(fw: Framework, env: Record<string, string | undefined> = {}): Promise<Target> {
  const e = { SECRET_KEY: EXAMPLE_SECRET, ...env }
  const { app, close } = fw === 'hono' ? await honoApp(e) : fw === 'express' ? await expressApp(e) : await fastifyApp(e)
  const target = await targetFor(fw, app)
  return {
    name: target.name,
    request: (path, init) => target.request(path, init),
    async close() {
      try {
        await target.close()
      } finally {
        await close()
      }
    },
  }
}

/** `describe(title [fw])` once per example. */
export function eachExample(title: string, body: (fw: Framework) => void): void {
  for (const fw of FRAMEWORKS) describe(`${title} [${fw}]`, () => body(fw))
}

/** Run `body` with a fresh example app and client. */
export async function withExample(
  fw: Framework,
  env: Record<string, string | undefined>,
  body: (c: Client, t: Target) => Promise<void>,
  clientOptions?: ClientOptions,
): Promise<void> {
  const t = await exampleTarget(fw, env)
  try {
    await body(new Client(t, clientOptions), t)
  } finally {
    await t.close()
  }
}

/** POST /login with these credentials (and an optional query string). */
export function login(c: Client, username: string, password: string, opts: { remember?: boolean; query?: string } = {}): Promise<Response> {
  const form: Record<string, string> = { username, password }
  if (opts.remember) form.remember = 'on'
  return c.post(`/login${opts.query ?? ''}`, form)
}
