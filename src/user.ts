/**
 * @module internal/user: what doorman needs to know about a user, and the anonymous user.
 *
 * Flask-Login asks a user for `get_id()`, `is_active`, `is_authenticated` and `is_anonymous`.
 * doorman accepts class instances built on {@link UserMixin} and plain objects alike: the manager's
 * `getId`/`isActive` options read any shape, with defaults that fit both.
 */
import { ArgumentError } from './errors.ts'

/** Any user object the app loads; doorman only reads its id and whether it is active. */
export type UserLike = object

/**
 * Base class for class-based users, Flask-Login's `UserMixin`: active by default, authenticated
 * when active, never anonymous, id read from `id` as a string.
 *
 * @example
 * ```ts
 * class User extends UserMixin { constructor(public id: number, public name: string) { super() } }
 * new User(1, 'alice').getId() // '1'
 * ```
 */
export class UserMixin {
  /** The user's id; `getId()` turns it into a string. */
  declare id?: unknown
  /** Whether the user may log in; inactive users are refused by `loginUser` unless forced. */
  get isActive(): boolean {
    return true
  }
  /** True when the user is active (Flask-Login 0.6: authentication follows activity). */
  get isAuthenticated(): boolean {
    return this.isActive
  }
  /** Always false for real users. */
  get isAnonymous(): boolean {
    return false
  }
  /** The id as a string; throws when the user has none, as Flask-Login does. */
  getId(): string {
    if (this.id === undefined || this.id === null) {
      throw new ArgumentError('the user has no `id`: override getId() or set id')
    }
    return String(this.id)
  }
}

/**
 * The user of a request nobody identified, Flask-Login's `AnonymousUserMixin`. Replace it with the
 * manager's `anonymousUser` option.
 *
 * @example
 * ```ts
 * const anon = new AnonymousUser()
 * anon.isAuthenticated // false
 * ```
 */
export class AnonymousUser {
  /** Never active. */
  get isActive(): boolean {
    return false
  }
  /** Never authenticated. */
  get isAuthenticated(): boolean {
    return false
  }
  /** Always anonymous. */
  get isAnonymous(): boolean {
    return true
  }
  /** Anonymous users have no id. */
  getId(): null {
    return null
  }
}

/** The default way to read an id: `getId()` when the object has it, else its `id` property. */
export function defaultGetId(input: unknown): string {
  const user = input as { getId?: unknown; id?: unknown } | null | undefined
  if (typeof user?.getId === 'function') {
    const id = user.getId()
    if (id === null || id === undefined) throw new ArgumentError('getId() returned no id')
    return String(id)
  }
  if (user?.id === undefined || user?.id === null) {
    throw new ArgumentError('the user has no `id`: pass the `getId` option to the manager')
  }
  return String(user.id)
}

/** The default activity test: active unless `isActive` (property or method) says otherwise. */
export function defaultIsActive(user: unknown): boolean {
  const v = (user as { isActive?: unknown } | null | undefined)?.isActive
  if (typeof v === 'function') return v.call(user) !== false
  return v !== false
}

/**
 * Whether two users are the same user, compared by id (Flask-Login's `UserMixin.__eq__`).
 *
 * @example
 * ```ts
 * sameUser(a, b) // true when a.getId() === b.getId()
 * ```
 */
export function sameUser<U>(a: U, b: unknown, getId: (user: U) => string = defaultGetId): boolean {
  if (a === b) return true
  if (!a || !b) return false
  try {
    // `b` may be anything (Flask-Login's __eq__ takes any object): a getId that cannot read it throws, and they differ.
    return getId(a) === getId(b as U)
  } catch {
    return false
  }
}
