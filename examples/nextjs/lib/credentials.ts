// The password check of the login route (Node.js runtime: it hashes with node:crypto).
import { verifyPassword } from 'doorman-login/password'
import { USERS, type User } from './auth'

/** The user with these credentials, or null (the same work whether or not the name exists). */
export async function checkCredentials(username: unknown, password: unknown): Promise<User | null> {
  if (typeof username !== 'string' || typeof password !== 'string') return null
  const user = USERS.find((u) => u.username === username)
  const ok = await verifyPassword(user?.passwordHash, password)
  return ok && user ? user : null
}

