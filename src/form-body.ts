/**
 * @module internal/form-body: reading a form body from a Web `Request` with a size limit, for the
 * `csrf()` middlewares that read the token field themselves (Hono, fetch).
 *
 * A malformed body (a multipart body whose boundary never comes, bytes that are not a form) is the
 * client's mistake: a {@link BodyError} with status 400, never a 500. A body over the limit is a
 * 413, refused from its `Content-Length` before anything is read, or as soon as the bytes read pass
 * the limit (a chunked body has no length to check). The request itself is left unread, so the
 * handler can read the body again.
 */
import { BodyError } from './errors.ts'

/** Read `request`'s body (a clone of it) as form data, at most `maxBytes`. */
export async function readFormBody(request: Request, maxBytes: number): Promise<FormData> {
  const declared = request.headers.get('content-length')
  if (declared !== null && !/^\d+$/.test(declared.trim())) throw new BodyError('malformed', 'the Content-Length is not a number')
  if (declared !== null && Number(declared) > maxBytes) throw new BodyError('too-large', `the body is over ${maxBytes} bytes`)
  const bytes = await readLimited(request.clone().body, maxBytes)
  try {
    return await new Response(bytes, { headers: { 'content-type': request.headers.get('content-type') ?? '' } }).formData()
  } catch (e) {
    throw new BodyError('malformed', 'the form body could not be parsed', e)
  }
}

async function readLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!body) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) throw new BodyError('too-large', `the body is over ${maxBytes} bytes`)
      chunks.push(value)
    }
  } catch (e) {
    if (e instanceof BodyError) {
      // Not awaited: cancelling one branch of a cloned (teed) body settles only once the other
      // branch is cancelled too, which is the handler's to do.
      reader.cancel().catch(() => {})
      throw e
    }
    throw new BodyError('malformed', 'the body could not be read', e)
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) out.set(c, (at += c.byteLength) - c.byteLength)
  return out
}
