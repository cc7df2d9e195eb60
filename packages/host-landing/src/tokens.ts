import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export type TokenPurpose = 'unsubscribe' | 'confirm'

/**
 * Signed links: `<id>.<expiry base36 or 0>.<HMAC-SHA256 base64url>`, the MAC binding purpose, site, id and
 * expiry, so an unsubscribe token cannot confirm, and a token for one site is refused on another.
 */
export function signToken (secret: string, purpose: TokenPurpose, site: string, id: string, expiresAt = 0): string {
  const expiry = expiresAt === 0 ? '0' : Math.ceil(expiresAt / 1000).toString(36)
  return `${id}.${expiry}.${mac(secret, purpose, site, id, expiry)}`
}

export type TokenCheck = { ok: true, id: string } | { ok: false, reason: 'invalid' | 'expired' }

export function verifyToken (secret: string, purpose: TokenPurpose, site: string, token: unknown, now = Date.now()): TokenCheck {
  if (typeof token !== 'string' || token.length > 200) return { ok: false, reason: 'invalid' }
  const parts = token.split('.')
  if (parts.length !== 3) return { ok: false, reason: 'invalid' }
  const [id, expiry, signature] = parts as [string, string, string]
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id) || !/^[0-9a-z]{1,12}$/.test(expiry)) return { ok: false, reason: 'invalid' }
  const expected = Buffer.from(mac(secret, purpose, site, id, expiry))
  const given = Buffer.from(signature)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' }
  if (expiry !== '0' && Number.parseInt(expiry, 36) * 1000 < now) return { ok: false, reason: 'expired' }
  return { ok: true, id }
}

function mac (secret: string, purpose: TokenPurpose, site: string, id: string, expiry: string): string {
  return createHmac('sha256', secret).update(`shipyard-landing\n${purpose}\n${site}\n${id}\n${expiry}`).digest('base64url')
}

/** Keyed hash of an IP address for the consent record (not reversible without the secret). */
export function hashIp (secret: string, ip: string): string {
  return createHmac('sha256', secret).update(`shipyard-landing-ip\n${ip}`).digest('hex').slice(0, 32)
}

export function sha256 (text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** Constant-time comparison of a presented secret with the configured one. */
export function sameSecret (given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}
