/**
 * Memory per live session in the memory store, and the sealed cookie's size after a typical login.
 * Run with `--expose-gc` (bench/run.ts does); prints `RESULT {json}`.
 */
import { createHash } from 'node:crypto'
import { createLoginManager } from '../src/index.ts'
import { memoryStore } from '../src/stores/memory.ts'
import { loginAs } from '../src/testing/login-as.ts'
import type { SessionRecord } from '../src/session/store.ts'
import { FIXED_USER, loadUser, SECRET } from './servers/shared.ts'

const N = Number(process.env.BENCH_MEMORY_SESSIONS ?? 100_000)
const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const gc = (globalThis as any).gc as (() => void) | undefined
if (!gc) throw new Error('run with --expose-gc')

// The sealed cookie of a typical login: user id, fresh flag and time, client identifier.
const sealed = createLoginManager({ secret: SECRET, userLoader: loadUser })
const login = await loginAs(sealed, FIXED_USER, { userAgent: BROWSER_UA })
const cookie = login.cookies.find((c) => c.name === sealed.sessionCookie.name)!
const opened = await sealed.keyring('session').open(cookie.value)
const sessionKeys = Object.keys(JSON.parse(opened!.text).d)

// One record as doorman writes it after that login, then N of them under random store keys.
const store = memoryStore()
const m = createLoginManager({ secret: SECRET, userLoader: loadUser, store })
await loginAs(m, FIXED_USER, { userAgent: BROWSER_UA })
const template: SessionRecord = (await store.listUserSessions(FIXED_USER.id))[0].record
const heap = () => {
  for (let i = 0; i < 3; i++) gc!()
  return process.memoryUsage().heapUsed
}
const before = heap()
// The keys are made inside the loop so that they count: the store holds them.
for (let i = 0; i < N; i++) await store.create(createHash('sha256').update(`k${i}`).digest('base64url'), { ...template, userId: String(i % 1000) }, 7200)
const after = heap()
if (store.size !== N + 1) throw new Error(`expected ${N + 1} sessions, have ${store.size}`)

const result = {
  sessions: N,
  bytesPerSession: (after - before) / N,
  cookieValueBytes: cookie.value.length,
  setCookieBytes: login.setCookie.find((c) => c.startsWith(`${cookie.name}=`))!.length,
  sessionKeys,
}
console.log(`  memory store: ${result.bytesPerSession.toFixed(0)} bytes/session; sealed cookie ${result.cookieValueBytes} bytes`)
console.log(`RESULT ${JSON.stringify(result)}`)
