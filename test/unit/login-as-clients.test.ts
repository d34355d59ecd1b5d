/**
 * @module test/unit/login-as-clients: `loginAs` with each framework's own test client, exactly
 * as docs/guides/*.md show it (so the guides stay true): Hono's `app.request()`, Fastify's
 * `inject()`, Node's `fetch` against Express, and a bare fetch handler, in strong mode.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { createLoginManager } from '../../src/manager.ts'
import * as hono from '../../src/adapters/hono.ts'
import * as fastify from '../../src/adapters/fastify.ts'
import * as expressAdapter from '../../src/adapters/express.ts'
import { loginRequired, withAuth } from '../../src/adapters/fetch.ts'
import { loginAs } from '../../src/testing/login-as.ts'

type U = { id: string }
const manager = createLoginManager<U>({ secret: 'test-secret-0123456789-abcdefghijklmnop', userLoader: (id) => ({ id }), sessionProtection: 'strong' })
const alice = { id: '1' }

test('Hono app.request(): loginAs(manager, user, { ip: "" })', async () => {
  const app = new Hono()
  app.use(hono.doorman(manager))
  app.get('/private', hono.loginRequired(), (c) => c.text('ok'))
  const login = await loginAs(manager, alice, { ip: '' })
  assert.equal((await app.request('/private', { headers: { cookie: login.cookieHeader } })).status, 200)
  const env = { incoming: { socket: { remoteAddress: '127.0.0.1' } } }
  const byDefault = await loginAs(manager, alice)
  assert.equal((await app.request('/private', { headers: { cookie: byDefault.cookieHeader } }, env)).status, 200)
})

test('Fastify inject(): loginAs(manager, user, { userAgent: "lightMyRequest" })', async () => {
  const app = Fastify()
  await app.register(fastify.doorman, { manager })
  app.get('/private', { preHandler: fastify.loginRequired() }, async () => 'ok')
  const login = await loginAs(manager, alice, { userAgent: 'lightMyRequest' })
  assert.equal((await app.inject({ url: '/private', headers: { cookie: login.cookieHeader } })).statusCode, 200)
  await app.close()
})

test('Express with Node fetch: loginAs(manager, user, { userAgent: "node" })', async () => {
  const app = express()
  app.use(expressAdapter.doorman(manager))
  app.get('/private', expressAdapter.loginRequired(), (_req, res) => void res.send('ok'))
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  try {
    const login = await loginAs(manager, alice, { userAgent: 'node' })
    const port = (server.address() as AddressInfo).port
    assert.equal((await fetch(`http://127.0.0.1:${port}/private`, { headers: { cookie: login.cookieHeader } })).status, 200)
  } finally {
    server.closeAllConnections()
    server.close()
  }
})

test('fetch handler: loginAs(manager, user, { ip: "" })', async () => {
  const handler = withAuth(manager, loginRequired<U, unknown>(async () => new Response('ok')))
  const login = await loginAs(manager, alice, { ip: '' })
  assert.equal((await handler(new Request('http://localhost/private', { headers: { cookie: login.cookieHeader } }))).status, 200)
})
