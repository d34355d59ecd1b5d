/**
 * @module test/helpers/flask: a real Flask + Flask-Login app (test/fixtures/flask/app.py) as a
 * test {@link Target}, and one origin that serves it next to a doorman app.
 *
 * The app runs in its own Python process on 127.0.0.1 (a port the OS picks, announced by the
 * app), with its SQLite user table in a fresh temporary folder. {@link startFlask} returns once it
 * answers; `close()` kills it and removes the folder, and so does process exit, so a failing test
 * leaves no Python behind. The secret key reaches Python through its environment only; the app
 * never prints it, and what it prints on stderr is kept for error messages with the key masked.
 *
 * Usage:
 * ```ts
 * describe('live', { skip: flaskSkip() }, () => {
 *   const flask = await startFlask({ secretKey: KEY })
 *   const c = new Client(oneOrigin(flask, doormanTarget), { headers: { 'user-agent': 'UA' } })
 *   await c.post('/py/login-as?id=1')     // Flask
 *   await c.get('/state')                 // doorman, same cookies
 * })
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
// @ts-expect-error plain JS helper without types
import { findFlaskPython, NO_FLASK } from '../../scripts/flask-python.mjs'
import type { Target, TargetInit } from './adapters.ts'
import type { TestUser } from '../apps/common.ts'

const APP = fileURLToPath(new URL('../fixtures/flask/app.py', import.meta.url))

/** Versions of the Python stack the live tests ran against. */
export interface FlaskVersions {
  python: string
  flask: string
  flaskLogin: string
  werkzeug: string
  itsdangerous: string
}

function found(): { python: string; versions: FlaskVersions } | null {
  return findFlaskPython()
}

/** The Python stack in use, or null when there is no Flask. */
export function flaskVersions(): FlaskVersions | null {
  return found()?.versions ?? null
}

/**
 * Skip option for `describe(name, { skip: flaskSkip() }, ...)`: false when a Python with Flask
 * and Flask-Login is there, else a one-line reason. Under `CI=true` a missing Flask throws.
 */
export function flaskSkip(): string | false {
  if (found()) return false
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI=true and ${NO_FLASK}. CI must run every suite.`)
  return NO_FLASK
}

/** How to start the Flask app. */
export interface FlaskOptions {
  /** `SECRET_KEY` as text, or as bytes. */
  secretKey: string | Uint8Array
  /** Flask-Login's `session_protection`. @default 'basic' */
  protection?: 'basic' | 'strong' | 'off'
  /** `PERMANENT_SESSION_LIFETIME` in seconds (also the signature's max age). @default 31 days */
  lifetime?: number
  /** Use this user table instead of a fresh one (two Flask apps sharing users). */
  db?: string
}

/** Anything that answers requests: a doorman {@link Target} or a {@link FlaskApp}. */
export type Requester = Pick<Target, 'request'>

/** A running Flask app. */
export interface FlaskApp extends Requester {
  readonly port: number
  /** Path of its SQLite user table. */
  readonly db: string
  /** Stop the Python process (and remove its temporary folder). */
  close(): Promise<void>
}

const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Start the fixture app; resolves once it listens. */
export async function startFlask(options: FlaskOptions): Promise<FlaskApp> {
  const py = found()
  if (!py) throw new Error(NO_FLASK)
  const dir = options.db ? null : mkdtempSync(path.join(tmpdir(), 'doorman-flask-'))
  const db = options.db ?? path.join(dir!, 'users.sqlite')
  const key = options.secretKey
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    FLASK_TEST_DB: db,
    FLASK_TEST_PROTECTION: options.protection ?? 'basic',
    ...(options.lifetime === undefined ? {} : { FLASK_TEST_LIFETIME: String(options.lifetime) }),
    ...(typeof key === 'string' ? { FLASK_TEST_SECRET_KEY: key } : { FLASK_TEST_SECRET_KEY_HEX: Buffer.from(key).toString('hex') }),
  }
  // stdin stays open as a lifeline: the app exits when it closes, so even a test process killed
  // by a signal leaves no Python behind.
  const child = spawn(py.python, [APP], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  running.add(child)
  const masked = typeof key === 'string' ? key : Buffer.from(key).toString('hex')
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const stop = async () => {
    running.delete(child)
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await gone
      clearTimeout(timer)
    }
    if (dir) rmSync(dir, { recursive: true, force: true })
  }
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    const fail = (why: string) => {
      clearTimeout(timer)
      reject(new Error(`the Flask test app did not start (${why}): ${stderr.split(masked).join('***')}`))
    }
    // Importing Flask takes well under a second; a minute covers a loaded CI machine.
    const timer = setTimeout(() => fail('no PORT line within 60 s'), 60_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /^PORT (\d+)$/m.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.once('exit', (code, signal) => fail(`exited with ${code ?? signal}`))
  }).catch(async (e) => {
    await stop()
    throw e
  })
  return {
    port,
    db,
    request(p: string, init: TargetInit = {}) {
      return fetch(`http://127.0.0.1:${port}${p}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body, redirect: 'manual' })
    },
    close: stop,
  }
}

/**
 * One origin in front of both apps, as the reverse proxy of the guide makes it: `/py/...` goes to
 * Flask (prefix stripped), everything else to doorman. One browser {@link Client} over it keeps
 * one cookie jar for both, as a real browser would.
 */
export function oneOrigin(flask: Requester, doorman: Target): Target {
  return {
    name: doorman.name,
    request(p: string, init?: TargetInit) {
      return p === '/py' || p.startsWith('/py/') || p.startsWith('/py?') ? flask.request(p.slice(3) || '/', init) : doorman.request(p, init)
    },
    async close() {},
  }
}

/**
 * doorman's `userLoader` over the Flask app's user table: the same rows Flask-Login's
 * `user_loader` reads (`users(id, username, password_hash, active)`).
 */
export function sqliteUserLoader(dbPath: string): { load: (id: string) => TestUser | null; close: () => void } {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true })
  const byId = db.prepare<[string], { id: number; username: string; active: number }>('SELECT id, username, active FROM users WHERE id = ?')
  return {
    load(id) {
      const row = /^\d+$/.test(id) ? byId.get(id) : undefined
      return row ? { id: String(row.id), name: row.username, isActive: row.active === 1 } : null
    },
    close: () => db.close(),
  }
}
