/** @module internal/crypto/encoding: base64url and UTF-8 helpers that run on every runtime. */

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })
const nodeBuffer: any = (globalThis as any).Buffer

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Decode UTF-8, or null when the bytes are not valid UTF-8 (never a lossy replacement). */
export function fromUtf8(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes)
  } catch {
    return null
  }
}

const B64URL = /^[A-Za-z0-9_-]*$/
// Value of each base64url character, for the canonical-encoding check.
const B64URL_VALUE = new Uint8Array(128)
for (let i = 0; i < 64; i++) B64URL_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i

/** Unpadded base64url of bytes (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  if (nodeBuffer) return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
  let bin = ''
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i])
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * Strict base64url decode: only the canonical unpadded alphabet, and the result must re-encode to
 * the same text, so a value with trailing junk or non-canonical bits is refused
 * (cookie-signature #40: accepting non-canonical encodings let altered values verify).
 */
export function fromBase64Url(text: string): Uint8Array | null {
  const rem = text.length % 4
  if (rem === 1 || !B64URL.test(text)) return null
  // Canonical means the bits past the last whole byte are zero: 4 bits of the last character
  // after 2 characters of a group, 2 bits after 3. That is exactly when re-encoding gives the same
  // text back, without encoding it again (this runs on every sealed cookie).
  if (rem !== 0 && (B64URL_VALUE[text.charCodeAt(text.length - 1)] & (rem === 2 ? 0x0f : 0x03)) !== 0) return null
  let bytes: Uint8Array
  if (nodeBuffer) {
    bytes = nodeBuffer.from(text, 'base64url')
  } else {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/')
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4))
    bytes = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  }
  return bytes
}
