/**
 * @module examples/app/server: `npm start`, the example app on http://127.0.0.1:3000.
 *
 * Environment:
 * - `PORT` (default 3000), `HOST` (default 127.0.0.1)
 * - `DATABASE_PATH`: the SQLite file (default `./data/doorman-example.sqlite`, relative to the
 *   working directory; the folder is created)
 * - `SECRET_KEY`: doorman's secret (≥ 32 characters; several, newest first, separated by commas).
 *   When unset, one is generated on first start and kept next to the database in `secret.key`
 *   (mode 0600), so sessions and remember-me cookies survive restarts.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { serve } from '@hono/node-server'
import { createApp } from './app.tsx'

const dbPath = process.env.DATABASE_PATH || './data/doorman-example.sqlite'
const port = Number(process.env.PORT || 3000)
const host = process.env.HOST || '127.0.0.1'
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number (got ${process.env.PORT})`)

const dataDir = path.dirname(dbPath)
// The folder holds the secret and every session: keep it private when we create it.
mkdirSync(dataDir, { recursive: true, mode: 0o700 })

/** The secret from SECRET_KEY, or the one kept in the data folder (generated on first start). */
function loadSecret(): { secret: string[]; note: string } {
  const env = process.env.SECRET_KEY
  if (env) return { secret: env.split(',').map((s) => s.trim()).filter(Boolean), note: 'secret from SECRET_KEY' }
  const file = path.join(dataDir, 'secret.key')
  if (existsSync(file)) {
    if ((statSync(file).mode & 0o077) !== 0) {
      console.warn(`warning: ${file} can be read by other users; run chmod 600 ${file}`)
    }
    return { secret: [readFileSync(file, 'utf8').trim()], note: `secret from ${file}` }
  }
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
  return { secret: [secret], note: `generated a secret in ${file} (mode 0600; set SECRET_KEY to use your own)` }
}

const { secret, note } = loadSecret()
const site = await createApp({ dbPath, secret, seedDemo: true })

const server = serve({ fetch: site.app.fetch, port, hostname: host }, (info) => {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`
  const signIn = site.demo ? `register at /register, or sign in as ${site.demo.username} / ${site.demo.password}` : 'register at /register'
  console.log(`doorman example on ${url} — ${signIn}`)
  console.log(`  data: ${dbPath}; ${note}`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close()
    site.close()
    process.exit(0)
  })
}
