/**
 * @module test/helpers/adapters: one way to send a request to an app, whatever its framework.
 *
 * - Hono: in process through `app.request()`, with `@hono/node-server`'s `env.incoming` so the
 *   adapter sees a socket address exactly as in production.
 * - Fastify: in process through `inject()`, converted to a Web `Response`.
 * - Express: on a loopback port (127.0.0.1, port 0) with real `fetch` (no redirect following);
 *   `raw: true` sends the path byte for byte over `node:http` instead, so dot segments and double
 *   slashes reach the app unnormalized (fetch, `app.request()` and `inject()` all normalize them).
 *
 * The client address is 127.0.0.1 on every adapter; Hono and Fastify can fake another one
 * (`remoteAddress`), Express cannot (tests that need a new client change the User-Agent instead).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'
import type { FastifyInstance } from 'fastify'
import type { Hono } from 'hono'
import type { LoginManager } from '../../src/manager.ts'
import type { Calls, TestAppOptions, TestUser } from '../apps/common.ts'
import { createTestApp as honoApp } from '../apps/hono.ts'
import { createTestApp as expressApp } from '../apps/express.ts'
import { createTestApp as fastifyApp } from '../apps/fastify.ts'
import { createTestApp as fetchApp } from '../apps/fetch.ts'

export type Framework = 'hono' | 'express' | 'fastify'
export const FRAMEWORKS: readonly Framework[] = ['hono', 'express', 'fastify']
/** The three frameworks plus the fetch adapter (test/apps/fetch.ts serves a subset of the routes). */
export type AnyFramework = Framework | 'fetch'
export const ALL_FRAMEWORKS: readonly AnyFramework[] = [...FRAMEWORKS, 'fetch']

/** A request as tests describe it. */
export interface TargetInit {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Client address (Hono and Fastify only). @default '127.0.0.1' */
  remoteAddress?: string
  /** Send the path unnormalized (Express only; the others normalize like any fetch client). */
  raw?: boolean
}

/** An app behind a uniform `request()`. */
export interface Target {
  readonly name: AnyFramework
  request(path: string, init?: TargetInit): Promise<Response>
  close(): Promise<void>
}

/** A test app with its manager and loader counters. */
export interface TestTarget extends Target {
  readonly manager: LoginManager<TestUser>
  readonly calls: Calls
}

/** Wrap a Hono app. */
export function honoTarget(app: Hono): Target {
  return {
    name: 'hono',
    async request(path, init = {}) {
      const env = { incoming: { socket: { remoteAddress: init.remoteAddress ?? '127.0.0.1' } } }
      return app.request(`http://localhost${path}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body }, env)
    },
    async close() {},
  }
}

/** Wrap a fetch handler, called in process with a Web `Request`. */
export function fetchTarget(app: (request: Request) => Promise<Response>): Target {
  return {
    name: 'fetch',
    async request(path, init = {}) {
      return app(new Request(`http://localhost${path}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body }))
    },
    async close() {},
  }
}

/** Wrap a Fastify app (readied here). */
export async function fastifyTarget(app: FastifyInstance): Promise<Target> {
  await app.ready()
  return {
    name: 'fastify',
    async request(path, init = {}) {
      const res = await app.inject({
        method: (init.method ?? 'GET') as 'GET',
        url: path,
        headers: init.headers,
        payload: init.body,
        remoteAddress: init.remoteAddress ?? '127.0.0.1',
      })
      const headers = new Headers()
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const x of v) headers.append(k, String(x))
        else if (v !== undefined) headers.set(k, String(v))
      }
      const empty = res.statusCode === 204 || res.statusCode === 304 || init.method === 'HEAD'
      return new Response(empty ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers })
    },
    async close() {
      await app.close()
    },
  }
}

/** Wrap an Express app: it listens on 127.0.0.1, a free port. */
export async function expressTarget(app: Express): Promise<Target> {
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    name: 'express',
    async request(path, init = {}) {
      if (init.raw) return rawRequest(port, path, init)
      return fetch(`http://127.0.0.1:${port}${path}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body, redirect: 'manual' })
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function rawRequest(port: number, path: string, init: TargetInit): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const headers = new Headers()
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i], res.rawHeaders[i + 1])
        const status = res.statusCode ?? 500
        resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers }))
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

/** Wrap any of the three frameworks' apps. */
export function targetFor(name: 'hono', app: Hono): Promise<Target>
export function targetFor(name: 'express', app: Express): Promise<Target>
export function targetFor(name: 'fastify', app: FastifyInstance): Promise<Target>
export function targetFor(name: Framework, app: unknown): Promise<Target>
export async function targetFor(name: Framework, app: any): Promise<Target> {
  if (name === 'hono') return honoTarget(app)
  if (name === 'express') return expressTarget(app)
  return fastifyTarget(app)
}

/** Build the configurable test app of `name` with these manager options. */
export async function testTarget(name: AnyFramework, options: TestAppOptions = {}): Promise<TestTarget> {
  if (name === 'fetch') {
    const built = fetchApp(options)
    return Object.assign(fetchTarget(built.app), { manager: built.manager, calls: built.calls })
  }
  const built = name === 'hono' ? honoApp(options) : name === 'express' ? expressApp(options) : fastifyApp(options)
  const target = await targetFor(name, built.app as any)
  return Object.assign(target, { manager: built.manager, calls: built.calls })
}
