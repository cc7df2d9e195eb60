import { Readable } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import { errors } from './errors.js'

/**
 * A file sent in a multipart body, handed over while it is still arriving: nothing has been read from
 * `stream` when you get it, and nothing is buffered. Consume it before sending the response (pipe it, or call
 * `discard()`); whatever is left unread when the response goes out is thrown away and the connection closed.
 */
export interface FileHandle {
  /** the form field the file came in */
  readonly field: string
  /** the file name the browser sent (untrusted: never use it as a path) */
  readonly filename: string
  /** the MIME type the browser declared (untrusted: sniff with `peek()` if it matters) */
  readonly mimetype: string
  readonly encoding: string
  /**
   * The live part stream. It errors with `SHIPYARD_FORM_FILE_TOO_LARGE` (413) as soon as the file crosses
   * `maxSize`, and with `SHIPYARD_FORM_CLIENT_ABORTED` (400) if the client disconnects, so a `pipeline()` to
   * S3 or disk rejects at once.
   */
  readonly stream: Readable
  /** the byte limit enforced on this file */
  readonly maxSize: number
  /** true once the file crossed `maxSize` (the stream has then been destroyed with the 413 error) */
  readonly truncated: boolean
  /** bytes of the file received from the client so far (buffered in `stream` or already read from it) */
  readonly bytesRead: number
  /**
   * Reads up to `bytes` bytes from the start of the file without consuming them: they are pushed back and
   * `stream` still yields the whole file. Resolves with fewer bytes when the file is shorter; rejects with the
   * stream's error (413 over the limit, 400 aborted).
   */
  peek (bytes: number): Promise<Buffer>
  /** reads the rest of the file and drops it; resolves when the part has ended */
  discard (): Promise<void>
}

export class MultipartFileHandle implements FileHandle {
  readonly field: string
  readonly filename: string
  readonly mimetype: string
  readonly encoding: string
  readonly stream: Readable
  readonly maxSize: number
  truncated = false
  readonly #live: Readable & { bytesRead?: number }

  constructor (part: { fieldname: string, filename: string, mimetype: string, encoding: string, file: Readable }, maxSize: number, request: IncomingMessage) {
    this.field = part.fieldname
    this.filename = part.filename
    this.mimetype = part.mimetype
    this.encoding = part.encoding
    this.maxSize = maxSize
    const live = part.file as Readable & { truncated?: boolean }
    this.#live = live
    // One write from the client can hold the whole part: the limit may be crossed, or the parser may have failed,
    // while the part was queued for us. Hand over a stream that fails with the coded error right away.
    const early = live.truncated ? new errors.FileTooLarge(this.field, maxSize) : live.errored ? codedError(live.errored, request) : undefined
    if (early) {
      this.truncated = live.truncated === true
      live.destroy()
      this.stream = new Readable({ read () {} })
      this.stream.on('error', ignore)
      this.stream.destroy(early)
      return
    }
    this.stream = live
    // busboy only truncates and emits 'limit'; turning that into a stream error makes pipelines fail at once.
    this.stream.once('limit', () => {
      this.truncated = true
      this.stream.destroy(new errors.FileTooLarge(this.field, maxSize))
    })
    codeStreamErrors(this.stream, request)
  }

  get bytesRead (): number {
    return this.#live.bytesRead ?? 0
  }

  async peek (bytes: number): Promise<Buffer> {
    const stream = this.stream
    const chunks: Buffer[] = []
    let length = 0
    let ended = false
    const onEnd = () => { ended = true }
    stream.once('end', onEnd)
    try {
      while (length < bytes) {
        const chunk = stream.read() as Buffer | null
        if (chunk !== null) {
          chunks.push(chunk)
          length += chunk.length
          continue
        }
        // Stop before 'end' is emitted (it is scheduled on the next tick), so the bytes can still be pushed back.
        if (ended || stream.readableEnded || stream.destroyed || readableStateEnded(stream)) break
        await new Promise<void>((resolve, reject) => {
          const done = () => { cleanup(); resolve() }
          const fail = (err: Error) => { cleanup(); reject(err) }
          const cleanup = () => {
            stream.off('readable', done)
            stream.off('end', done)
            stream.off('close', done)
            stream.off('error', fail)
          }
          stream.on('readable', done)
          stream.on('end', done)
          stream.on('close', done)
          stream.on('error', fail)
        })
      }
    } finally {
      stream.off('end', onEnd)
    }
    if (stream.errored) throw stream.errored
    const head = Buffer.concat(chunks, length)
    if (head.length > 0 && !stream.destroyed) stream.unshift(head)
    return head.subarray(0, bytes)
  }

  discard (): Promise<void> {
    const stream = this.stream
    if (stream.readableEnded || stream.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      stream.once('end', resolve)
      stream.once('close', resolve)
      stream.once('error', () => resolve())
      stream.resume()
    })
  }
}

function readableStateEnded (stream: Readable): boolean {
  return (stream as unknown as { _readableState?: { ended?: boolean } })._readableState?.ended === true
}

const ABORT_CODES = new Set(['FST_MP_PREMATURE_CLOSE', 'ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE'])

/**
 * busboy emits parser errors on the file stream directly (`emit('error')`, not `destroy`), uncoded, and the
 * request's own ECONNRESET reaches it too: translate every one into a coded 4xx so a rethrow never becomes a 500.
 */
function codeStreamErrors (stream: Readable, request: IncomingMessage): void {
  const emit = stream.emit
  stream.emit = function (this: Readable, event: string | symbol, ...args: unknown[]) {
    if (event === 'error') return emit.call(this, event, codedError(args[0], request))
    return emit.call(this, event, ...args)
  } as Readable['emit']
}

function codedError (err: unknown, request: IncomingMessage): Error {
  const error = err as Error & { code?: string }
  if (typeof error?.code === 'string' && error.code.startsWith('SHIPYARD_FORM_')) return error
  if ((typeof error?.code === 'string' && ABORT_CODES.has(error.code)) || (request.destroyed && !request.readableEnded)) {
    return new errors.ClientAborted()
  }
  return new errors.MalformedBody(error?.message ?? String(err))
}

function ignore (): void {}
