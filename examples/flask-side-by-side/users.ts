/**
 * @module examples/flask-side-by-side/users: the Flask app's user table, read by doorman.
 *
 * The table is the one a Flask-SQLAlchemy model such as
 *
 * ```python
 * class User(db.Model, UserMixin):
 *     __tablename__ = "users"
 *     id = db.Column(db.Integer, primary_key=True)
 *     username = db.Column(db.String(80), unique=True, nullable=False)
 *     password_hash = db.Column(db.String(255), nullable=False)
 *     active = db.Column(db.Boolean, nullable=False, default=True)
 * ```
 *
 * creates (flask_app.py creates it with plain SQL). Flask-Login's `user_loader` and doorman's
 * `userLoader` read the same rows; the id travels as text (`get_id()` returns `str(self.id)`).
 */
import Database from 'better-sqlite3'
import { verifyPassword } from 'doorman-login/password'

/** A user as doorman sees it. */
export interface User {
  id: string
  username: string
  isActive: boolean
}

interface Row {
  id: number
  username: string
  password_hash: string
  active: number
}

/** The shared table, opened read-only: Flask owns the schema and the writes while it runs. */
export class SharedUsers {
  readonly #db: Database.Database
  readonly #byId: Database.Statement<[number], Row>
  readonly #byName: Database.Statement<[string], Row>

  constructor(path: string) {
    this.#db = new Database(path, { readonly: true, fileMustExist: true })
    this.#byId = this.#db.prepare('SELECT id, username, password_hash, active FROM users WHERE id = ?')
    this.#byName = this.#db.prepare('SELECT id, username, password_hash, active FROM users WHERE username = ?')
  }

  /** doorman's `userLoader`: the id from the cookie is text, the column an integer. */
  byId(id: string): User | null {
    if (!/^[1-9]\d{0,15}$/.test(id)) return null
    const row = this.#byId.get(Number(id))
    return row ? toUser(row) : null
  }

  /**
   * The user whose Werkzeug hash matches `password`, or null. The hash is not upgraded to Argon2id
   * here: Werkzeug (which Flask's login form still uses) cannot read Argon2 hashes, so the upgrade
   * waits for the day Flask is switched off (docs/migrating/flask-side-by-side.md).
   */
  async authenticate(username: unknown, password: unknown): Promise<User | null> {
    const row = typeof username === 'string' ? this.#byName.get(username) : undefined
    // verifyPassword(undefined, …) still takes a hash's time, so unknown names are not faster.
    const ok = await verifyPassword(row?.password_hash, typeof password === 'string' ? password : '')
    return ok && row ? toUser(row) : null
  }

  close(): void {
    this.#db.close()
  }
}

function toUser(row: Row): User {
  return { id: String(row.id), username: row.username, isActive: row.active === 1 }
}
