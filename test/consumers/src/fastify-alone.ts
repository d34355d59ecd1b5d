/** Fastify without @fastify/jwt: `request.user` is the registered user or null. */
import Fastify from 'fastify'
import { doorman } from 'doorman-login/fastify'
import { manager, type User } from './user.js'

const app = Fastify()
await app.register(doorman, { manager })
app.get('/public', async (req) => {
  const maybe: User | null = req.user
  // @ts-expect-error no guard: the user may be null
  const user: User = req.user
  return { maybe, user }
})
