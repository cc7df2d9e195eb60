import type { FastifyReply, FastifyRequest } from 'fastify'
import type { MultipartState } from './runtime.js'

/** How long a response waits for the rest of a body that is already on its way before closing the connection. */
const SETTLE_GRACE_MS = 100

function ignore (): void {}

function drain (raw: FastifyRequest['raw']): void {
  raw.unpipe()
  raw.on('data', ignore)
  raw.on('error', ignore)
  raw.resume()
}

function ended (raw: FastifyRequest['raw'], within: number): Promise<boolean> {
  if (raw.readableEnded) return Promise.resolve(true)
  if (raw.destroyed) return Promise.resolve(false)
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer)
      raw.off('end', onEnd)
      raw.off('close', onClose)
      resolve(value)
    }
    const onEnd = () => done(true)
    const onClose = () => done(raw.readableEnded)
    const timer = setTimeout(() => done(false), within)
    timer.unref()
    raw.once('end', onEnd)
    raw.once('close', onClose)
  })
}

/**
 * Runs as the response goes out after a multipart bind. An unread file is dropped. The rest of the body is read
 * and thrown away; if it is all there within a moment (the usual case: the client sent everything), the
 * connection stays alive. Otherwise (a 403 or 413 while the upload is still coming, a stalled client) the
 * response asks the client to close the connection, draining goes on so the client can read the response instead
 * of hitting a reset, and a client that keeps sending past `timeout` is cut off.
 */
export async function settleMultipartBody (request: FastifyRequest, reply: FastifyReply, state: MultipartState, timeout: number): Promise<void> {
  const raw = request.raw
  if (raw.readableEnded || raw.destroyed) return
  const file = state.file?.stream
  if (file !== undefined && !file.destroyed && !file.readableEnded) {
    // Destroying the part makes @fastify/multipart stop parsing; the request is then drained here.
    file.destroy()
    drain(raw)
  }
  if (await ended(raw, Math.min(SETTLE_GRACE_MS, timeout))) return
  if (!reply.raw.headersSent) reply.header('connection', 'close')
  drain(raw)
  const timer = setTimeout(() => raw.destroy(), timeout)
  timer.unref()
  raw.once('end', () => clearTimeout(timer))
  raw.once('close', () => clearTimeout(timer))
}
