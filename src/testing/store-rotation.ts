/**
 * @module internal/testing/store-rotation: the part of the `SessionStore` conformance suite about
 * `rotate` (docs/stores/writing-a-store.md, rule 2): a rotation moves a record that still exists,
 * in one atomic step, and never brings back one a logout or a revocation ended.
 */
import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { SessionRecord, SessionStore } from '../session/store.ts'
import { randomToken } from '../crypto/primitives.ts'

const id = () => randomToken(32)

/** Register the rotation tests inside the current `describe` (called by `testStore`). */
export function rotationTests(
  makeStore: () => Promise<SessionStore> | SessionStore,
  record: (userId: string, over?: Partial<SessionRecord>) => SessionRecord,
): void {
  it('rotate moves a live record to its new id, and the old id is gone', async () => {
    const s = await makeStore()
    const user = `u-${randomToken(6)}`
    const [from, to] = [id(), id()]
    await s.create(from, record(user), 3600)
    const next = record(user, { data: { _user_id: user, fresh: true }, ip: '10.0.0.2', userAgent: 'after', rememberSelector: randomToken(16) })
    assert.equal(await s.rotate(from, to, next, 3600), true)
    assert.equal(await s.get(from), null)
    assert.deepEqual(await s.get(to), next)
    assert.deepEqual((await s.listUserSessions(user)).map((x) => x.id), [to])
    assert.equal(await s.update(from, record(user), 3600), false)
    assert.equal(await s.get(from), null)
  })

  it('rotate of a destroyed, revoked, expired or unknown record is false and creates nothing (logout is final)', async () => {
    const s = await makeStore()
    const user = `u-${randomToken(6)}`
    const now = Math.floor(Date.now() / 1000)
    const [gone, revoked, old] = [id(), id(), id()]
    await s.create(gone, record(user), 3600)
    await s.destroy(gone)
    await s.create(revoked, record(user), 3600)
    await s.destroyUserSessions(user)
    await s.create(old, record(user, { createdAt: now - 100, lastSeenAt: now - 100, expiresAt: now - 1 }), 3600)
    for (const from of [gone, revoked, old, id()]) {
      const to = id()
      assert.equal(await s.rotate(from, to, record(user), 3600), false)
      assert.equal(await s.get(to), null)
    }
    assert.deepEqual(await s.listUserSessions(user), [])
  })

  it('rotations racing a destroy: never a live session afterwards, in 40 rounds', async () => {
    const s = await makeStore()
    const user = `u-${randomToken(6)}`
    let resurrected = 0
    let rotatedFirst = 0
    for (let round = 0; round < 40; round++) {
      const from = id()
      await s.create(from, record(user), 3600)
      const to = id()
      // Start both at once; which lands first varies from round to round.
      const [moved] = await Promise.all([s.rotate(from, to, record(user, { data: { round } }), 3600), s.destroy(from)])
      // A rotation that lost must have created nothing; one that won moved the record before the
      // destroy ran (which then found nothing), and the new record is its to keep.
      if ((!moved && (await s.get(to)) !== null) || (await s.get(from)) !== null) resurrected++
      if (moved) rotatedFirst++
      await s.destroy(to)
    }
    assert.equal(resurrected, 0, `${resurrected}/40 rounds left a live session (${rotatedFirst} rotations landed first)`)
    assert.deepEqual(await s.listUserSessions(user), [])
  })

  it('a rotation that comes after a destroy never lands, in 40 rounds', async () => {
    const s = await makeStore()
    const user = `u-${randomToken(6)}`
    let landed = 0
    for (let round = 0; round < 40; round++) {
      const from = id()
      await s.create(from, record(user), 3600)
      const destroyed = s.destroy(from)
      const to = id()
      // The in-flight request read the session before the destroy and writes after it.
      await destroyed
      if (await s.rotate(from, to, record(user), 3600)) landed++
      if ((await s.get(to)) !== null) landed++
    }
    assert.equal(landed, 0, `${landed} rotations of a destroyed session landed`)
    assert.deepEqual(await s.listUserSessions(user), [])
  })

  it('concurrent rotations of one session: exactly one wins', async () => {
    const s = await makeStore()
    const user = `u-${randomToken(6)}`
    const from = id()
    await s.create(from, record(user), 3600)
    const targets = Array.from({ length: 10 }, id)
    const results = await Promise.all(targets.map((to) => s.rotate(from, to, record(user), 3600)))
    assert.equal(results.filter(Boolean).length, 1)
    const winner = targets[results.indexOf(true)]
    assert.deepEqual((await s.listUserSessions(user)).map((x) => x.id), [winner])
  })

  it('destroyUserSessions racing a rotation of one of the user’s sessions leaves none, in 40 rounds', async () => {
    const s = await makeStore()
    const user = `u-${randomToken(6)}`
    let left = 0
    for (let round = 0; round < 40; round++) {
      const from = id()
      await s.create(from, record(user), 3600)
      // "Sign out everywhere" on one device while another re-authenticates: whichever lands
      // first, the moved session must be found and ended too.
      await Promise.all([s.rotate(from, id(), record(user, { data: { round } }), 3600), s.destroyUserSessions(user)])
      left += (await s.listUserSessions(user)).length
      await s.destroyUserSessions(user)
    }
    assert.equal(left, 0, `${left} sessions outlived "log out everywhere" in 40 rounds`)
  })
}
