import { randomFillSync, timingSafeEqual } from 'node:crypto'
import { hmacSha256 } from './hmac.js'

export interface CsrfCookieOptions {
  /** cookie name (default `shipyard_csrf`) */
  name?: string
  path?: string
  domain?: string
  sameSite?: 'lax' | 'strict' | 'none'
  /** `auto` (default): Secure when the request came over https (honours trustProxy) */
  secure?: boolean | 'auto'
}

export interface CsrfSettings {
  /** HMAC-SHA256 per signing secret: the first signs, all verify (rotation) */
  signers: ReadonlyArray<(payload: string) => string>
  /** milliseconds a token stays valid */
  maxAge: number
  fieldName: string
  cookie: false | Required<Pick<CsrfCookieOptions, 'name' | 'path' | 'sameSite' | 'secure'>> & { domain?: string }
}

export type TokenCheck = 'valid' | 'expired' | 'invalid'

const TOKEN_SHAPE = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/

// Entropy is drawn from the CSPRNG in 4 KiB batches (as Node does for randomUUID): a call into OpenSSL per
// token and per cookie was a tenth of a landing page's CPU time.
const entropy = Buffer.allocUnsafe(4096)
let entropyOffset = entropy.length

function randomBase64url (bytes: number): string {
  if (entropyOffset + bytes > entropy.length) {
    randomFillSync(entropy)
    entropyOffset = 0
  }
  const text = entropy.toString('base64url', entropyOffset, entropyOffset + bytes)
  entropyOffset += bytes
  return text
}

/** The signers for the configured secrets, keys prepared once. */
export function signersFor (secrets: readonly string[]): Array<(payload: string) => string> {
  return secrets.map((secret) => hmacSha256(Buffer.from(secret)))
}

/**
 * A stateless token: issue time, a nonce and an HMAC over both plus the binding (the visitor's CSRF cookie
 * value when cookies are on), so a token fetched by an attacker for their own cookie is useless to them.
 */
export function createToken (settings: CsrfSettings, binding: string, now = Date.now()): string {
  const issued = now.toString(36)
  const nonce = randomBase64url(12)
  const mac = settings.signers[0]!(`${issued}.${nonce}.${binding}`)
  return `${issued}.${nonce}.${mac}`
}

export function isWellFormedToken (token: string): boolean {
  return TOKEN_SHAPE.test(token)
}

/** Checks signature first, then age: only a genuine token can be "expired". */
export function verifyToken (settings: CsrfSettings, token: string, binding: string, now = Date.now()): TokenCheck {
  const match = TOKEN_SHAPE.exec(token)
  if (!match) return 'invalid'
  const [, issued, nonce, mac] = match as unknown as [string, string, string, string]
  const given = Buffer.from(mac)
  const payload = `${issued}.${nonce}.${binding}`
  // both are 43 base64url characters (the shape checked above), compared in constant time
  const genuine = settings.signers.some((sign) => timingSafeEqual(Buffer.from(sign(payload)), given))
  if (!genuine) return 'invalid'
  const issuedAt = parseInt(issued, 36)
  if (issuedAt > now + 60_000) return 'invalid'
  return now - issuedAt > settings.maxAge ? 'expired' : 'valid'
}

export function newCookieValue (): string {
  return randomBase64url(18)
}

export const COOKIE_VALUE_SHAPE = /^[A-Za-z0-9_-]{24}$/
