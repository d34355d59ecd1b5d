/**
 * @module internal/flask/itsdangerous: itsdangerous' `URLSafeTimedSerializer` as Flask's session
 * uses it: `payload.timestamp.signature`, each part unpadded base64url.
 *
 * - payload: the JSON's UTF-8 bytes, zlib-compressed (and prefixed with `.`) when that saves more
 *   than one byte, as `URLSafeSerializerMixin.dump_payload` decides;
 * - timestamp: the signing time in whole seconds, big-endian without leading zero bytes;
 * - signature: HMAC-SHA1 of `payload.timestamp` under the key derived as
 *   `HMAC-SHA1(secret_key, salt)` (`key_derivation='hmac'`, `digest_method=sha1`).
 *
 * Signatures are compared in constant time against every accepted key (the current one first,
 * then the fallbacks). Compression uses the runtime's zlib, so a compressed payload inflates to
 * the same JSON as Flask's but its deflate bytes may differ from CPython's zlib build.
 */
import { fromBase64Url, toBase64Url, utf8 } from '../crypto/encoding.ts'
import { nodeBuiltin } from '../node-builtin.ts'
import { concat, hmacBytes, timingSafeEqual, type HmacKey, type MaybePromise } from '../crypto/primitives.ts'

/** A Flask secret key: text (UTF-8 for itsdangerous) or bytes. */
export type FlaskSecretKey = string | Uint8Array

/** Flask's session salt (`SecureCookieSessionInterface.salt`). */
export const FLASK_SESSION_SALT = 'cookie-session'

/** Largest payload inflated from a compressed cookie; bigger ones read as no session (zip bombs). */
export const MAX_INFLATED = 64 * 1024

const nodeZlib: any = nodeBuiltin('node:zlib')

/** itsdangerous' `want_bytes`: text as UTF-8. */
export function keyBytes(key: FlaskSecretKey): Uint8Array {
  return typeof key === 'string' ? utf8(key) : key
}

/** `Signer.derive_key` with `key_derivation='hmac'`: HMAC-SHA1(secret, salt). */
export function deriveKey(secret: FlaskSecretKey, salt = FLASK_SESSION_SALT): MaybePromise<Uint8Array> {
  return hmacBytes('sha1', keyBytes(secret), utf8(salt))
}

/** `int_to_bytes`: big-endian, leading zero bytes dropped (0 is empty). */
function intToBytes(n: number): Uint8Array {
  const out: number[] = []
  for (let v = BigInt(n); v > 0n; v >>= 8n) out.unshift(Number(v & 0xffn))
  return Uint8Array.from(out)
}

function bytesToInt(b: Uint8Array): number | null {
  if (b.length > 8) return null
  let v = 0n
  for (const x of b) v = (v << 8n) | BigInt(x)
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(v)
}

/** `TimestampSigner.sign` at `timestamp` (seconds): `value.timestamp.signature`. */
export function signTimed(value: string, timestamp: number, derivedKey: Uint8Array | HmacKey): MaybePromise<string> {
  const signed = `${value}.${toBase64Url(intToBytes(timestamp))}`
  const sig = hmacBytes('sha1', derivedKey, utf8(signed))
  return sig instanceof Promise ? sig.then((s) => `${signed}.${toBase64Url(s)}`) : `${signed}.${toBase64Url(sig)}`
}

/** A verified signed value: the payload, its signing time, and which key verified it (0: current). */
export interface Unsigned {
  payload: string
  timestamp: number
  keyIndex: number
}

/**
 * `TimestampSigner.unsign`: null unless the signature verifies under one of `derivedKeys` and the
 * timestamp is well formed. Age is checked by the caller (Flask's `max_age`).
 */
export function unsignTimed(signed: string, derivedKeys: readonly (Uint8Array | HmacKey)[]): MaybePromise<Unsigned | null> {
  const dot = signed.lastIndexOf('.')
  if (dot <= 0) return null
  const value = signed.slice(0, dot)
  const sig = fromBase64Url(signed.slice(dot + 1))
  // HMAC-SHA1 is 20 bytes; anything else cannot match, and is not worth hashing for.
  if (!sig || sig.length !== 20) return null
  const tsDot = value.lastIndexOf('.')
  if (tsDot < 0) return null
  const tsBytes = fromBase64Url(value.slice(tsDot + 1))
  const timestamp = tsBytes && bytesToInt(tsBytes)
  if (timestamp === null || timestamp === undefined) return null
  const data = utf8(value)
  const macs = derivedKeys.map((k) => hmacBytes('sha1', k, data))
  const pick = (all: Uint8Array[]): Unsigned | null => {
    let found = -1
    // Every key is compared, so the time taken does not say which one matched.
    for (let i = all.length - 1; i >= 0; i--) if (timingSafeEqual(all[i], sig)) found = i
    return found < 0 ? null : { payload: value.slice(0, tsDot), timestamp, keyIndex: found }
  }
  if (macs.some((m) => m instanceof Promise)) return Promise.all(macs).then(pick)
  return pick(macs as Uint8Array[])
}

/** `URLSafeSerializerMixin.dump_payload` for JSON text: base64url, compressed with a `.` when smaller. */
export function dumpPayload(json: string): MaybePromise<string> {
  const raw = utf8(json)
  const finish = (compressed: Uint8Array) =>
    compressed.length < raw.length - 1 ? `.${toBase64Url(compressed)}` : toBase64Url(raw)
  if (nodeZlib) return finish(new Uint8Array(nodeZlib.deflateSync(raw)))
  return streamAll(new CompressionStream('deflate'), raw, Infinity).then((c) => finish(c!))
}

/** `URLSafeSerializerMixin.load_payload` up to the JSON bytes; null when not decodable or over {@link MAX_INFLATED}. */
export function loadPayload(payload: string): MaybePromise<Uint8Array | null> {
  const compressed = payload.startsWith('.')
  const bytes = fromBase64Url(compressed ? payload.slice(1) : payload)
  if (!bytes) return null
  if (!compressed) return bytes
  if (nodeZlib) {
    try {
      return new Uint8Array(nodeZlib.inflateSync(bytes, { maxOutputLength: MAX_INFLATED }))
    } catch {
      return null
    }
  }
  return streamAll(new DecompressionStream('deflate'), bytes, MAX_INFLATED)
}

// Web Crypto runtimes (Workers): the Compression Streams API, reading at most `cap` bytes out.
async function streamAll(stream: CompressionStream | DecompressionStream, input: Uint8Array, cap: number): Promise<Uint8Array | null> {
  const writer = stream.writable.getWriter()
  writer.write(input as unknown as BufferSource).catch(() => {})
  writer.close().catch(() => {})
  const reader = stream.readable.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.length
      if (size > cap) {
        await reader.cancel().catch(() => {})
        return null
      }
      parts.push(value)
    }
  } catch {
    return null
  }
  return concat(parts)
}
