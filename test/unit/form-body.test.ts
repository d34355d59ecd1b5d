/**
 * @module test/unit/form-body: the size-limited form reader behind the Hono and fetch `csrf()`
 * middlewares: 413 from Content-Length before reading, 413 as soon as a chunked body passes the
 * limit (an endless body is not read to its end), 400 for a malformed body, and the request left
 * readable for the handler. Plus the `csrf.maxBodySize` option check.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readFormBody } from '../../src/form-body.ts'
import { BodyError, ConfigError } from '../../src/errors.ts'
import { resolveCsrfOptions } from '../../src/csrf.ts'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** A body that never ends, counting the bytes pulled from it. */
function endless(pulled: { bytes: number }): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      pulled.bytes += 1024
      controller.enqueue(new TextEncoder().encode('a'.repeat(1024)))
    },
  })
}

const rejectsWith = (reason: 'malformed' | 'too-large', status: number) => (e: unknown) =>
  e instanceof BodyError && e.reason === reason && e.status === status && e.getResponse().status === status

test('a Content-Length over the limit is a 413 before anything is read', async () => {
  const pulled = { bytes: 0 }
  const req = new Request('http://x/', { method: 'POST', headers: { ...FORM, 'content-length': '999999' }, body: endless(pulled), duplex: 'half' } as RequestInit)
  await assert.rejects(readFormBody(req, 1000), rejectsWith('too-large', 413))
  // A stream fills its queue once by itself (highWaterMark 1); nothing more was pulled.
  assert.ok(pulled.bytes <= 1024, `${pulled.bytes} bytes pulled`)
})

test('a chunked body is a 413 as soon as it passes the limit, not read to its end', async () => {
  const pulled = { bytes: 0 }
  const req = new Request('http://x/', { method: 'POST', headers: FORM, body: endless(pulled), duplex: 'half' } as RequestInit)
  await assert.rejects(readFormBody(req, 64 * 1024), rejectsWith('too-large', 413))
  assert.ok(pulled.bytes < 200 * 1024, `${pulled.bytes} bytes pulled`)
})

test('malformed bodies are a 400: broken multipart, no boundary, a bad Content-Length', async () => {
  const b = 'XyZ'
  for (const [type, body, extra] of [
    [`multipart/form-data; boundary=${b}`, `--${b}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${b}\r\nContent-Disp`, {}],
    ['multipart/form-data', 'a=1', {}],
    ['application/x-www-form-urlencoded', 'a=1', { 'content-length': 'ten' }],
  ] as const) {
    const req = new Request('http://x/', { method: 'POST', headers: { 'content-type': type, ...extra }, body })
    await assert.rejects(readFormBody(req, 1024), rejectsWith('malformed', 400), type)
  }
})

test('a good form is read from a clone: the handler can still read the body', async () => {
  const req = new Request('http://x/', { method: 'POST', headers: FORM, body: 'csrf_token=t1&csrf_token=t2&name=%C3%A9' })
  const form = await readFormBody(req, 1024)
  assert.deepEqual(form.getAll('csrf_token'), ['t1', 't2'])
  assert.equal(form.get('name'), 'é')
  assert.equal(await req.text(), 'csrf_token=t1&csrf_token=t2&name=%C3%A9')
})

test('csrf.maxBodySize is checked at start-up, naming the option', () => {
  for (const bad of [0, -1, 1.5, '1mb', Number.MAX_VALUE]) {
    assert.throws(() => resolveCsrfOptions({ maxBodySize: bad as number }), (e: unknown) => e instanceof ConfigError && e.option === 'csrf.maxBodySize')
  }
  assert.equal(resolveCsrfOptions({}).maxBodySize, 1024 * 1024)
  assert.equal(resolveCsrfOptions({ maxBodySize: 4096 }).maxBodySize, 4096)
})
