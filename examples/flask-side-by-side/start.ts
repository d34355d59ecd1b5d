/**
 * @module examples/flask-side-by-side/start: `npm run example:flask` starts the Flask app, the
 * doorman app and the proxy in front of both; Ctrl-C stops all three.
 *
 * | Variable            | Default                        | Meaning |
 * | ------------------- | ------------------------------ | ------- |
 * | `PORT`              | `3000`                         | the proxy's port (the one origin); `HOST` (127.0.0.1) its address |
 * | `DATA_DIR`          | `./data/flask-side-by-side`    | the user table `users.sqlite` and the generated keys |
 * | `FLASK_SECRET_KEY`  | generated, kept in `DATA_DIR`  | Flask's SECRET_KEY, given to doorman as `flaskSecretKey` |
 * | `SECRET_KEY`        | generated, kept in `DATA_DIR`  | doorman's own secret |
 * | `FLASK_OFF`         | unset                          | `1`: the day after: no Flask; doorman alone adopts Flask cookies |
 * | `FLASK_PYTHON`      | `/usr/bin/python3`, `python3`  | a Python that can `import flask, flask_login` |
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
// @ts-expect-error plain JS helper without types
import { findFlaskPython, NO_FLASK } from '../../scripts/flask-python.mjs'
import { createDoormanApp } from './doorman.ts'
import { startProxy } from './proxy.ts'

const FLASK_APP = fileURLToPath(new URL('./flask_app.py', import.meta.url))

/** A key from the environment, else one generated once and kept in `file` (mode 0600). */
function keyFrom(value: string | undefined, file: string): { key: string; generated: boolean } {
  if (value) return { key: value, generated: false }
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), generated: false }
  const key = randomBytes(32).toString('base64url')
  writeFileSync(file, key + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  return { key, generated: true }
}

/** Start Flask on a free loopback port; resolves once it listens. */
async function startFlask(python: string, env: Record<string, string>, quiet: boolean): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(python, [FLASK_APP], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', HOST: '127.0.0.1', PORT: '0', EXIT_WITH_PARENT: '1', ...env },
    // Werkzeug's request log goes to stderr: shown when running the example, not in tests.
    // stdin stays open as a lifeline: Python exits when it closes (this process ended, even by SIGKILL).
    stdio: ['pipe', 'pipe', quiet ? 'pipe' : 'inherit'],
  })
  let errors = ''
  child.stderr?.on('data', (d: Buffer) => void (errors = (errors + d.toString()).slice(-2000)))
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /^PORT (\d+)$/m.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.once('exit', (code) => reject(new Error(`the Flask app exited (${code}) before listening${errors ? `:\n${errors}` : ''}`)))
  })
  child.stdout!.resume()
  // Never leave Python behind, whatever ends this process.
  process.once('exit', () => child.kill('SIGTERM'))
  return { url: `http://127.0.0.1:${port}`, child }
}

/** Everything the example started, and how to stop it. */
export interface RunningExample {
  url: string
  close(): Promise<void>
}

/**
 * Start the example (tests call this with `PORT=0`, their own `DATA_DIR` and `quiet`, which
 * silences the start-up lines and Flask's request log).
 */
export async function startExample(env: Record<string, string | undefined> = process.env, { quiet = false } = {}): Promise<RunningExample> {
  const dataDir = path.resolve(env.DATA_DIR ?? 'data/flask-side-by-side')
  mkdirSync(dataDir, { recursive: true })
  const usersDb = path.join(dataDir, 'users.sqlite')
  const flaskKey = keyFrom(env.FLASK_SECRET_KEY, path.join(dataDir, 'flask-secret.key'))
  const doormanKey = keyFrom(env.SECRET_KEY, path.join(dataDir, 'doorman-secret.key'))
  const flaskOff = env.FLASK_OFF === '1'
  const stops: (() => Promise<void> | void)[] = []
  const close = async () => {
    for (const stop of stops.reverse()) await stop()
  }
  try {
    let flaskUrl: string | undefined
    if (!flaskOff) {
      const found = findFlaskPython()
      if (!found) throw new Error(NO_FLASK)
      const flask = await startFlask(found.python, { FLASK_SECRET_KEY: flaskKey.key, USERS_DB: usersDb }, quiet)
      stops.push(() => {
        if (flask.child.exitCode === null) flask.child.kill('SIGTERM')
      })
      flaskUrl = flask.url
    } else if (!existsSync(usersDb)) {
      throw new Error(`FLASK_OFF=1 needs the user table Flask made: run once without it (${usersDb} is missing)`)
    }
    const { app, close: closeApp } = createDoormanApp({
      secret: doormanKey.key,
      flaskSecretKey: flaskKey.key,
      usersDb,
      mode: flaskOff ? 'flask-off' : 'beside-flask',
    })
    stops.push(closeApp)
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
    })
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const doormanUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const proxy = await startProxy({ flask: flaskUrl, doorman: doormanUrl, port: Number(env.PORT ?? 3000), host: env.HOST })
    stops.push(proxy.close)
    const generated = [flaskKey.generated && 'flask-secret.key', doormanKey.generated && 'doorman-secret.key'].filter(Boolean)
    if (!quiet) console.log(
      `flask side-by-side example on ${proxy.url}: sign in as alice / wonderland\n` +
        `  ${flaskOff ? 'Flask is switched off: doorman alone, adopting Flask cookies' : `Flask on ${flaskUrl}, doorman on ${doormanUrl}`}\n` +
        `  data: ${usersDb}${generated.length ? `; generated ${generated.join(', ')} there (mode 0600)` : ''}`,
    )
    return { url: proxy.url, close }
  } catch (e) {
    await close()
    throw e
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const running = await startExample().catch((e: Error) => {
    console.error(e.message)
    process.exit(1)
  })
  const stop = () => void running.close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
