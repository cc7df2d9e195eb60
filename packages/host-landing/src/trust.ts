import { BlockList, isIP } from 'node:net'
import type { FastifyRequest } from 'fastify'

export interface TrustedProxies {
  /** trust peers connected over a unix socket (where nginx usually sits); default true */
  unixSocket?: boolean
  /** trust 127.0.0.0/8 and ::1; default true. Turn off when other local users can reach the TCP port. */
  loopback?: boolean
  /** further trusted proxy addresses or CIDR ranges, e.g. `10.0.0.0/8`, `fd00::/8`, `192.0.2.7` */
  cidrs?: readonly string[]
}

export type PeerCheck = (request: FastifyRequest) => boolean

/** Parses `addr` or `addr/prefix`; throws an Error naming the entry. */
function addCidr (list: BlockList, entry: string): void {
  const [address, prefixText, extra] = entry.trim().split('/')
  const family = isIP(address ?? '')
  if (family === 0 || extra !== undefined) throw new Error(`"trustedProxies.cidrs" entry ${JSON.stringify(entry)} is not an IP address or CIDR range`)
  const type = family === 4 ? 'ipv4' : 'ipv6'
  if (prefixText === undefined) {
    list.addAddress(address!, type)
    return
  }
  const prefix = Number(prefixText)
  if (!/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) {
    throw new Error(`"trustedProxies.cidrs" entry ${JSON.stringify(entry)} has an invalid prefix length`)
  }
  list.addSubnet(address!, prefix, type)
}

/**
 * Builds the check deciding whether the socket peer of a request is a trusted proxy. It looks only at the TCP
 * peer (never at X-Forwarded-For), so a client cannot talk its way in.
 */
export function createPeerCheck (options: TrustedProxies = {}): PeerCheck {
  const unixSocket = options.unixSocket ?? true
  const list = new BlockList()
  if (options.loopback ?? true) {
    list.addSubnet('127.0.0.0', 8, 'ipv4')
    list.addAddress('::1', 'ipv6')
  }
  for (const entry of options.cidrs ?? []) addCidr(list, entry)
  const check = (address: string) => {
    if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) return list.check(address.slice(7), 'ipv4')
    return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')
  }
  // BlockList.check allocates a SocketAddress per call; peers repeat (the proxy), so remember the answers.
  const seen = new Map<string, boolean>()
  return (request) => {
    const address = request.socket.remoteAddress
    // A unix-socket peer has no remote address.
    if (address === undefined) return unixSocket && request.socket.remoteFamily === undefined
    let trusted = seen.get(address)
    if (trusted === undefined) {
      trusted = check(address)
      if (seen.size >= 10_000) seen.clear()
      seen.set(address, trusted)
    }
    return trusted
  }
}
