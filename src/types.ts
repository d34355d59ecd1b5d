/**
 * @module internal/types: the app's own types, declared once.
 *
 * Augment {@link Register} with your user type and every doorman API (the ambient accessors,
 * `req.user` on Express, `request.user` on Fastify, `c.get('user')` on Hono) is typed with it:
 *
 * @example
 * ```ts
 * declare module 'doorman-login' {
 *   interface Register { user: User }
 * }
 * ```
 */
import type { AnonymousUser } from './user.ts'

/** Declaration-merging point for the app's types: `user`, and `anonymousUser` when the manager makes its own. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Register {}

/** The app's registered user type, or `object` when none is registered. Must be an object type (a class, an interface, a type literal). */
export type RegisteredUser = Register extends { user: infer U extends object } ? U : object

/**
 * The app's anonymous user type (`Register['anonymousUser']`), or doorman's {@link AnonymousUser}
 * when none is registered. Register one when the manager's `anonymousUser` option makes your own.
 *
 * @example
 * ```ts
 * declare module 'doorman-login' {
 *   interface Register { user: User; anonymousUser: Guest }
 * }
 * ```
 */
export type RegisteredAnonymousUser = Register extends { anonymousUser: infer A extends object } ? A : AnonymousUser

/**
 * What a framework's own user interface extends (Express's `Express.User`): the registered user,
 * or `{}` when none is registered (an interface cannot extend `object`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type UserBase = Register extends { user: infer U extends object } ? U : {}
