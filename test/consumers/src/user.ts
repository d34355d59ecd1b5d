/** The app's user, registered once for every doorman API; and a manager for it. */
import { createLoginManager } from 'doorman-login'

export class User {
  // A private field: Express.User extends this class, and must stay assignable to it.
  #passwordHash = ''
  constructor(
    readonly id: string,
    readonly name: string,
  ) {}
  hasPassword(): boolean {
    return this.#passwordHash !== ''
  }
}

/** Another app's user: a manager of it must be refused where the registered user is expected. */
export class Admin {
  constructor(
    readonly id: string,
    readonly level: number,
  ) {}
}

declare module 'doorman-login' {
  interface Register {
    user: User
  }
}

const secret = process.env.SECRET_KEY ?? 'consumer-type-test-secret-0123456789-abcdefghijklmnop'
export const manager = createLoginManager({ secret, userLoader: (id) => new User(id, 'alice'), loginView: '/login' })
export const adminManager = createLoginManager({ secret, userLoader: (id) => new Admin(id, 1) })
