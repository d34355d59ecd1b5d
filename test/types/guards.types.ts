/**
 * Type-level tests: guards narrow the user on Hono, Express and Fastify (no `!`, no cast), and an
 * unguarded handler still sees a user that may be missing. Type-checked by `npm test`; never run.
 */
import { Hono } from 'hono'
import express from 'express'
import Fastify from 'fastify'
import * as hono from '../../src/adapters/hono.ts'
import * as ex from '../../src/adapters/express.ts'
import * as fy from '../../src/adapters/fastify.ts'

// ------------------------------------------------------------------------------------------ Hono
const h = new Hono()
h.get('/guarded', hono.loginRequired(), (c) => {
  const user: object = c.get('user')
  const viaVar: object = c.var.user
  return c.json({ user, viaVar })
})
h.get('/fresh', hono.freshLoginRequired({ within: '10m' }), (c) => {
  const user: object = c.get('user')
  return c.json(user)
})
h.get('/open', (c) => {
  // @ts-expect-error no guard: the user may be null
  const user: object = c.get('user')
  return c.json(user)
})

// --------------------------------------------------------------------------------------- Express
const e = express()
e.get(
  '/guarded',
  ex.loginRequired((req, res) => {
    const user: object = req.user
    res.json(user)
  }),
)
e.get(
  '/fresh',
  ex.freshLoginRequired((req, res) => {
    const user: object = req.user
    res.json(user)
  }, { within: 600 }),
)
e.get('/middleware', ex.loginRequired(), (req, res) => {
  const user: object = ex.requireUser(req)
  res.json(user)
})
e.get('/open', (req, res) => {
  // @ts-expect-error no guard: the user may be undefined
  const user: object = req.user
  res.json(user)
})
// A guarded handler can still say what its parameters and body are.
e.post(
  '/posts/:id',
  ex.loginRequired((req: ex.AuthenticatedRequest<{ id: string }, unknown, { title: string }>, res) => {
    const title: string = req.body.title
    const id: string = req.params.id
    res.json({ title, id, by: req.user })
  }),
)
e.post(
  '/untyped',
  ex.loginRequired((req, res) => {
    // @ts-expect-error the body is unknown until the handler says what it is (not `any`)
    const title: string = req.body.title
    res.json(title)
  }),
)

// --------------------------------------------------------------------------------------- Fastify
const f = Fastify()
f.get('/guarded', { preHandler: fy.loginRequired() }, async (req) => {
  const user: object = fy.requireUser(req)
  return user
})
f.get('/open', async (req) => {
  // @ts-expect-error no guard: the user may be null
  const user: object = req.user
  return user
})
