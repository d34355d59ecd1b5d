/**
 * @module test/scenarios/minimal-two-instances: two real processes of the minimal examples on
 * different ports, sharing one store (a SQLite file, Redis, PostgreSQL), as behind a load
 * balancer. A user who logs in through one is logged in on the other, request after request (the
 * auth epoch and the user table come from the shared store, not from each process's start-up),
 * and a password change through one ends the other sessions on both.
 * Each store pairs two different frameworks, so every example serves as both halves once.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Framework } from '../helpers/adapters.ts'
import { Client } from '../helpers/client.ts'
import { exampleStores, type ExampleStoreKind } from '../helpers/example-stores.ts'
import { ProcessDoor, startExample, type ExampleProcess } from '../helpers/example-processes.ts'
import { login } from '../helpers/examples.ts'
import { closeBrowser } from '../helpers/scenario.ts'
import { testNamespace } from '../helpers/services.ts'

const PAIRS: Partial<Record<ExampleStoreKind, [Framework, Framework]>> = {
  sqlite: ['hono', 'express'],
  redis: ['express', 'fastify'],
  postgres: ['fastify', 'hono'],
}
const ROUNDS = 40

const stores = exampleStores(testNamespace(import.meta.url)).filter((s) => PAIRS[s.kind])

for (const store of stores) {
  const [fwA, fwB] = PAIRS[store.kind]!
  describe(`two processes of the minimal example on one ${store.kind} store (${fwA} + ${fwB})`, { skip: store.skip, timeout: 180_000 }, () => {
    let a: ExampleProcess
    let b: ExampleProcess
    before(async () => {
      if (!store.skip) await store.cleanup()
      const env = store.env() // one namespace: both processes share it
      // One after the other, then both at once would also do: the user table's set-up is idempotent.
      ;[a, b] = await Promise.all([startExample(fwA, env), startExample(fwB, env)])
    })
    after(async () => {
      await Promise.allSettled([a?.stop(), b?.stop()])
      await store.cleanup()
    })

    /** A browser whose requests go to the process the test names. */
    const browser = (ua: string) => {
      const door = new ProcessDoor(a)
      return { door, client: new Client(door, { headers: { 'user-agent': ua } }) }
    }
    const hello = async (door: ProcessDoor, c: Client, via: ExampleProcess) => {
      door.via = via
      return (await c.get('/')).text()
    }
    /** Alternate `rounds` requests between the two processes; how many found the user logged out. */
    const logouts = async (door: ProcessDoor, c: Client, name: string, rounds = ROUNDS) => {
      let out = 0
      for (let i = 0; i < rounds; i++) if ((await hello(door, c, i % 2 ? b : a)) !== `Hello, ${name}`) out++
      return out
    }

    test('are two processes on two ports', () => {
      assert.notEqual(a.child.pid, b.child.pid)
      assert.notEqual(a.base, b.base)
    })

    test(`log in through one, use the session through the other: ${ROUNDS} requests alternating, 0 logouts`, async () => {
      for (const [first, name, password] of [[a, 'alice', 'wonderland'], [b, 'sato', 'sato-pass']] as const) {
        const { door, client } = browser(`first ${first.framework}`)
        door.via = first
        assert.equal((await login(client, name, password)).status, 303)
        assert.equal(await logouts(door, client, name), 0, `${name}, logged in through ${first.framework}`)
        // The device list is the same through either process.
        door.via = b
        const viaB: { id: string }[] = await client.json('/sessions')
        door.via = a
        const viaA: { id: string }[] = await client.json('/sessions')
        assert.equal(viaA.length, 1)
        assert.deepEqual(viaB, viaA)
      }
      // Remember-me: log in through b, close the browser, come back through a, alternate.
      const { door, client } = browser('remembered')
      door.via = b
      assert.equal((await login(client, 'alice', 'wonderland', { remember: true })).status, 303)
      closeBrowser(client)
      assert.equal(await logouts(door, client, 'alice'), 0)
      // API tokens are looked up in the shared table too.
      for (const via of [a, b]) {
        const res = await fetch(`${via.base}/api/me`, { headers: { authorization: 'Bearer alice-token' } })
        assert.deepEqual(await res.json(), { id: '1', username: 'alice' })
      }
    })

    test('a password change through one ends the other sessions on both; this one carries on through either', async () => {
      const mine = browser('changes the password')
      const other = browser('other device')
      mine.door.via = a
      assert.equal((await login(mine.client, 'alice', 'wonderland')).status, 303)
      other.door.via = b
      assert.equal((await login(other.client, 'alice', 'wonderland', { remember: true })).status, 303)
      const otherRemember = other.client.cookie('remember_token')!
      assert.equal(await logouts(other.door, other.client, 'alice', 6), 0)

      mine.door.via = a
      const res = await mine.client.post('/password', { password: 'a new password' })
      assert.equal(res.status, 303)

      for (const via of [a, b]) assert.equal(await hello(other.door, other.client, via), 'Hello, anonymous', `other device via ${via.framework}`)
      for (const via of [a, b]) {
        const c = new Client(new ProcessDoor(via))
        c.setCookie('remember_token', otherRemember)
        assert.equal(await hello(c.target as ProcessDoor, c, via), 'Hello, anonymous', `old remember cookie via ${via.framework}`)
      }
      assert.equal(await logouts(mine.door, mine.client, 'alice'), 0)
      // Both processes know the new password, and neither the old one.
      for (const via of [a, b]) {
        const c = new Client(new ProcessDoor(via))
        assert.equal((await login(c, 'alice', 'wonderland')).status, 401, `old password via ${via.framework}`)
        assert.equal((await login(c, 'alice', 'a new password')).status, 303, `new password via ${via.framework}`)
        assert.equal(await logouts(c.target as ProcessDoor, c, 'alice', 10), 0)
      }
    })
  })
}
