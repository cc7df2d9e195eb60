import type { FastifyReply, FastifyRequest } from 'fastify'
import type { MultipartState } from './runtime.js'

function ignore (): void {}

/**
 * Throws away a multipart body the handler left unread (a form that failed CSRF or validation, a file never
 * consumed). The response asks the client to close the connection, the request is drained so the client can
 * read the response instead of hitting a reset, and a client that keeps sending past `timeout` is cut off.
 */
export function discardUnreadBody (request: FastifyRequest, reply: FastifyReply, state: MultipartState, timeout: number): void {
  if (!reply.raw.headersSent) reply.header('connection', 'close')
  const file = state.file?.stream
  if (file && !file.destroyed && !file.readableEnded) file.destroy()
  const raw = request.raw
  raw.unpipe()
  raw.on('data', ignore)
  raw.on('error', ignore)
  raw.resume()
  const timer = setTimeout(() => raw.destroy(), timeout)
  timer.unref()
  raw.once('end', () => clearTimeout(timer))
  raw.once('close', () => clearTimeout(timer))
}
