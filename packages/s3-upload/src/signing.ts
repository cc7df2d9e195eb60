import { createHmac, timingSafeEqual } from 'node:crypto'

/** HMAC-SHA256 signed, base64url JSON: `<payload>.<signature>`. `purpose` keeps a flash cookie from passing as a ticket. */
export function sign (secret: string, purpose: string, payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${body}.${mac(secret, purpose, body)}`
}

/** The payload of a value made by `sign` with the same secret and purpose, or `undefined`. */
export function unsign<T> (secret: string, purpose: string, value: string | undefined): T | undefined {
  if (!value) return undefined
  const dot = value.lastIndexOf('.')
  if (dot <= 0) return undefined
  const body = value.slice(0, dot)
  const given = Buffer.from(value.slice(dot + 1))
  const expected = Buffer.from(mac(secret, purpose, body))
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T
  } catch {
    return undefined
  }
}

function mac (secret: string, purpose: string, body: string): string {
  return createHmac('sha256', secret).update(`${purpose}\n${body}`).digest('base64url')
}

/** Distinct purposes for the one secret, so a value signed for one use is refused for another. */
export const signing = {
  flash: 'shipyard-s3-upload:flash',
  ticket: 'shipyard-s3-upload:ticket',
} as const
