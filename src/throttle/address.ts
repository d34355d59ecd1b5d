/**
 * @module internal/throttle/address: the client network a throttle counts against.
 *
 * One IPv6 host usually holds a whole /64 and can rotate through it freely, so counting raw IPv6
 * text gives every attempt a fresh bucket (better-auth CVE-2026-45364). Addresses are parsed, not
 * compared as text: every spelling of one address (`::1`, `0:0::1`, upper case, a zone id, brackets,
 * a port, IPv4-mapped `::ffff:1.2.3.4` or `::ffff:102:304`) lands in the same bucket.
 */

const V4_PART = /^(?:0|[1-9]\d{0,2})$/

function ipv4(text: string): number[] | null {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((p) => V4_PART.test(p) && Number(p) <= 255)) return null
  return parts.map(Number)
}

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
export function parseIpv6(text: string): number[] | null {
  let s = text
  let v4: number[] | null = null
  if (s.includes('.')) {
    // An embedded IPv4 address stands for the last two groups (RFC 4291 §2.2, form 3).
    const i = s.lastIndexOf(':')
    v4 = i < 0 ? null : ipv4(s.slice(i + 1))
    if (!v4) return null
    s = s.slice(0, i + 1) + '0:0'
  }
  const halves = s.split('::')
  if (halves.length > 2) return null
  const group = (g: string) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)
  const left = halves[0] ? halves[0].split(':').map(group) : []
  const right = halves.length === 2 && halves[1] ? halves[1].split(':').map(group) : []
  if ([...left, ...right].some(Number.isNaN)) return null
  if (halves.length === 1 ? left.length !== 8 : left.length + right.length > 7) return null
  const g = [...left, ...Array(8 - left.length - right.length).fill(0), ...right]
  if (v4) [g[6], g[7]] = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]]
  return g
}

/**
 * The bucket a client address counts against: `4:a.b.c.d` for IPv4 (IPv4-mapped IPv6 included),
 * `6:<first groups>/<prefix>` for IPv6 (the /64 by default), `unknown` when there is no address,
 * and `invalid` for anything that does not parse (all such clients share one bucket, so junk
 * cannot mint fresh ones).
 *
 * @example
 * ```ts
 * clientNetwork('2001:DB8::1') === clientNetwork('2001:db8:0:0:ffff::2') // same /64
 * clientNetwork('::ffff:203.0.113.9') === '4:203.0.113.9'
 * ```
 */
export function clientNetwork(ip: string | null | undefined, ipv6Prefix = 64): string {
  if (ip == null || ip === '') return 'unknown'
  let s = String(ip).trim().toLowerCase()
  const bracketed = /^\[([^\]]*)\](?::\d{1,5})?$/.exec(s)
  if (bracketed) s = bracketed[1]
  const v4 = ipv4(s.replace(/:\d{1,5}$/, ''))
  if (v4) return `4:${v4.join('.')}`
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  const g = parseIpv6(s)
  if (!g) return 'invalid'
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `4:${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`
  const masked = g.map((x, i) => {
    const bits = ipv6Prefix - 16 * i
    return bits >= 16 ? x : bits <= 0 ? 0 : x & (0xffff << (16 - bits)) & 0xffff
  })
  return `6:${masked.map((x) => x.toString(16)).join(':')}/${ipv6Prefix}`
}
