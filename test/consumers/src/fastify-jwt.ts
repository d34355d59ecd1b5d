/**
 * Fastify with @fastify/jwt in the program: jwt declares `request.user` itself; the app tells it
 * the user is the registered one (docs/guides/fastify.md), and the two declarations merge.
 */
import Fastify from 'fastify'
import jwt from '@fastify/jwt'
import { doorman, loginRequired, requireUser } from 'doorman-login/fastify'
import { manager, User } from './user.js'

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; name: string }
    user: User
  }
}

const app = Fastify()
await app.register(jwt, { secret: 'consumer-type-test-jwt-secret', formatUser: (p) => new User(p.sub, p.name) })
await app.register(doorman, { manager })
app.get('/api/me', { onRequest: async (req) => void (await req.jwtVerify()) }, async (req) => {
  const user: User = req.user
  return user.name
})
app.get('/account', { preHandler: loginRequired() }, async (req) => requireUser(req).name)
