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

/** Declaration-merging point for the app's types (`user`). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Register {}

/** The app's registered user type, or `object` when none is registered. */
export type RegisteredUser = Register extends { user: infer U extends object } ? U : object
