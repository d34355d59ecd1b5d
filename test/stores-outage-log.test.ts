// Issue #10 item 5: during a store outage, Hono's default error handler logged a full stack trace
// for every 503 on a route that asks for the user (60,000 lines in 10 s). Here, with Redis (both
// clients), then PostgreSQL, really stopped, each framework (Hono, Express, Fastify, fetch)
// answers a burst of requests with 503 (from a logged-in browser, and from one holding only its
// remember-me cookie, whose restore needs the store too) while everything written to the console
// and to stderr is counted: doorman writes one line when the store goes down and one when it is back, and nothing
// else is logged. The `storeStatus` event replaces the lines when the app listens to it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ALL_FRAMEWORKS } from './helpers/adapters.ts'
import { Client } from './helpers/client.ts'
import { closeBrowser, loginAs, withApp } from './helpers/scenario.ts'
import { storeCases, type OpenStore } from './helpers/stores.ts'
import { outageSkip, startPostgres, startRedis, stopPostgres, stopRedis, testNamespace } from './helpers/services.ts'

const BURST = 200
const outages = {
  redis: { stop: stopRedis, start: startRedis },
  postgres: { stop: stopPostgres, start: startPostgres },
}

/** Record every console call and stderr write until `stop()`; stdout carries the test reporter. */
function captureLogs(): { lines: string[]; stop(): void } {
  const lines: string[] = []
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const
  const saved = methods.map((m) => console[m])
  for (const m of methods) console[m] = (...args: unknown[]) => void lines.push(args.map(String).join(' '))
  const write = process.stderr.write
  process.stderr.write = ((chunk: unknown) => (lines.push(String(chunk)), true)) as typeof process.stderr.write
  return {
    lines,
    stop() {
      methods.forEach((m, i) => (console[m] = saved[i] as never))
      process.stderr.write = write
    },
  }
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

for (const c of storeCases(testNamespace(import.meta.url)).filter((x) => x.kind === 'redis' || x.kind === 'postgres')) {
  const kind = c.kind as 'redis' | 'postgres'
  describe(`an outage logs one line per transition: ${c.name}`, { skip: outageSkip(kind), timeout: 300_000 }, () => {
    let open: OpenStore
    before(async () => (open = await c.open()))
    after(async () => {
      await outages[kind].start() // never leave the shared server down
      await open?.close()
    })

    for (const fw of ALL_FRAMEWORKS) {
      it(`[${fw}] ${BURST} requests that ask for the user during the outage: 503s, one "down" line, one "back" line`, () =>
        withApp(fw, { store: open.store, loginView: '/login' }, async (t, client) => {
          await loginAs(client, '1')
          assert.equal(await (await client.get('/private')).text(), 'private:1')
          // A second browser holding only its remember-me cookie: restoring it needs the store too.
          const remembered = new Client(t)
          await loginAs(remembered, '3', { remember: '1' })
          closeBrowser(remembered)
          assert.ok(remembered.cookie('remember_token') && !remembered.cookie('session'))
          const log = captureLogs()
          try {
            await outages[kind].stop()
            const statuses = new Map<number, number>()
            for (let i = 0; i < BURST; i++) {
              const who = i % 4 === 3 ? remembered : client
              const res = await who.get(i % 2 ? '/private' : '/', { headers: i % 3 ? {} : { accept: 'application/json' } })
              await res.arrayBuffer()
              statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
            }
            assert.deepEqual([...statuses], [[503, BURST]])
            await outages[kind].start()
            await until('the store answers again', async () => (await client.get('/private')).status === 200)
            for (let i = 0; i < 20; i++) assert.equal((await client.get('/private')).status, 200)
            assert.equal(await (await remembered.get('/private')).text(), 'private:3')
          } finally {
            log.stop()
          }
          const down = log.lines.filter((l) => /^doorman: the session store is unavailable \(\w+/.test(l))
          const back = log.lines.filter((l) => l === 'doorman: the session store is back')
          assert.equal(down.length, 1, log.lines.slice(0, 5).join('\n'))
          assert.equal(back.length, 1, log.lines.slice(0, 5).join('\n'))
          assert.equal(log.lines.length, 2, `nothing else is logged:\n${log.lines.slice(0, 5).join('\n')}`)
          // No secret, address or stack in the line.
          assert.doesNotMatch(down[0], /\bat |:\d{2,5}\b|password|redis:\/\/|postgres(ql)?:\/\//i)
        }))
    }

    it('[hono] with a storeStatus listener, the app hears each transition once and doorman logs nothing', () =>
      withApp('hono', { store: open.store, loginView: '/login' }, async (t, client) => {
        const heard: string[] = []
        t.manager.on('storeStatus', ({ status, store }) => void heard.push(`${store} ${status}`))
        await loginAs(client, '1')
        const log = captureLogs()
        try {
          await outages[kind].stop()
          for (let i = 0; i < 50; i++) assert.equal((await client.get('/private')).status, 503)
          await outages[kind].start()
          await until('the store answers again', async () => (await client.get('/private')).status === 200)
        } finally {
          log.stop()
        }
        assert.deepEqual(heard, ['session store down', 'session store up'])
        assert.deepEqual(log.lines, [])
      }))
  })
}
