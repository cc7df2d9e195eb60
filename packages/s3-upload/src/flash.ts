import type { FastifyReply, FastifyRequest } from 'fastify'
import { sign, signing, unsign } from './signing.js'

export interface FlashMessage {
  kind: 'success' | 'error'
  text: string
}

const COOKIE = 'shipyard_upload_flash'
const PURPOSE = signing.flash

/**
 * A one-time message across post/redirect/get in a signed cookie scoped to the upload pages: set by the POST,
 * read and cleared by the next GET. Signing keeps others from planting text on the page (it is escaped anyway).
 */
export function setFlash (reply: FastifyReply, secret: string, path: string, message: FlashMessage): void {
  reply.setCookie(COOKIE, sign(secret, PURPOSE, message), { path, httpOnly: true, sameSite: 'lax', maxAge: 300, secure: reply.request.protocol === 'https' })
}

export function takeFlash (request: FastifyRequest, reply: FastifyReply, secret: string, path: string): FlashMessage | undefined {
  const raw = request.cookies[COOKIE]
  if (raw === undefined) return undefined
  reply.clearCookie(COOKIE, { path })
  const message = unsign<FlashMessage>(secret, PURPOSE, raw)
  if (!message || typeof message.text !== 'string' || (message.kind !== 'success' && message.kind !== 'error')) return undefined
  return message
}
