import { Transform, type TransformCallback } from 'node:stream'
import { fileTypeFromBuffer } from 'file-type'
import { errors } from './errors.js'

/** How many leading bytes are sniffed: file-type's own "reasonable detection size". */
export const SAMPLE_SIZE = 4100

export interface SniffedType {
  mime: string
  /** file-type's extension for the type, without the dot */
  ext: string
}

/**
 * Holds back the first `SAMPLE_SIZE` bytes until they are all there (or the stream ends), exposes them as
 * `head`, then lets everything through unchanged. The store sniffs `head` before it opens the upload, so the
 * stored Content-Type is the sniffed one, without buffering more than the sample.
 */
export class HeadSampler extends Transform {
  readonly head: Promise<Buffer>
  #chunks: Buffer[] = []
  #length = 0
  #sampled = false
  #resolve!: (head: Buffer) => void
  #reject!: (error: Error) => void

  constructor () {
    super()
    this.head = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    // A rejection nobody awaits (the stream failed after sampling) must not become an unhandled rejection.
    this.head.catch(() => {})
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#sampled) {
      callback(null, chunk)
      return
    }
    this.#chunks.push(chunk)
    this.#length += chunk.length
    if (this.#length >= SAMPLE_SIZE) this.#release()
    callback()
  }

  override _flush (callback: TransformCallback): void {
    if (!this.#sampled) this.#release()
    callback()
  }

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#sampled) this.#reject(error ?? new Error('The upload stream closed before its first bytes arrived'))
    callback(error)
  }

  #release (): void {
    this.#sampled = true
    const head = Buffer.concat(this.#chunks)
    this.#chunks = []
    this.#resolve(head)
    if (head.length > 0) this.push(head)
  }
}

const textLike = new Set(['text/plain', 'text/csv', 'text/markdown', 'text/tab-separated-values', 'application/json'])
const textExtensions = new Set(['txt', 'text', 'csv', 'tsv', 'md', 'markdown', 'log', 'json'])
const genericTypes = new Set(['', 'application/octet-stream', 'binary/octet-stream'])
const typeAliases: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'image/x-png': 'image/png', 'application/x-pdf': 'application/pdf' }
const extensionAliases: Record<string, readonly string[]> = {
  jpg: ['jpg', 'jpeg', 'jpe', 'jfif'],
  tif: ['tif', 'tiff'],
  mp4: ['mp4', 'm4v'],
  mov: ['mov', 'qt'],
  gz: ['gz', 'tgz'],
  heic: ['heic', 'heif'],
}

/** The content type of the first bytes: file-type's answer, or `text/plain` for UTF-8 text without NULs. */
export async function sniffType (head: Buffer, complete: boolean): Promise<SniffedType | undefined> {
  const detected = await fileTypeFromBuffer(head)
  if (detected) return { mime: detected.mime, ext: detected.ext }
  return looksLikeText(head, complete) ? { mime: 'text/plain', ext: 'txt' } : undefined
}

function looksLikeText (head: Buffer, complete: boolean): boolean {
  if (head.length === 0 || head.includes(0)) return false
  try {
    // `stream: true` tolerates a multi-byte character cut at the end of the sample, unless the file ended there.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !complete })
    return true
  } catch {
    return false
  }
}

/** Lower case, without parameters, with common aliases folded (`image/jpg` → `image/jpeg`). */
export function normalizeType (type: string): string {
  const bare = type.split(';')[0].trim().toLowerCase()
  return typeAliases[bare] ?? bare
}

/**
 * Throws 415 when the bytes are not an allowed type, or when the declared type or the name's extension says
 * something else than the bytes. A generic declared type (`application/octet-stream`) or a missing extension
 * contradicts nothing.
 */
export function checkType (sniffed: SniffedType | undefined, declaredType: string, extension: string, allowedTypes: readonly string[]): SniffedType {
  const declared = normalizeType(declaredType)
  if (!sniffed) throw new errors.TypeNotAllowed(genericTypes.has(declared) ? 'unknown' : `unknown (declared ${declared})`)
  if (!allowedTypes.includes(sniffed.mime)) throw new errors.TypeNotAllowed(sniffed.mime)
  const isText = sniffed.mime === 'text/plain'
  if (!genericTypes.has(declared) && declared !== sniffed.mime && !(isText && textLike.has(declared))) {
    throw new errors.TypeMismatch(declared, sniffed.mime)
  }
  const ext = extension.replace(/^\./, '')
  if (ext !== '') {
    const accepted = isText ? textExtensions : new Set(extensionAliases[sniffed.ext] ?? [sniffed.ext])
    if (!accepted.has(ext)) throw new errors.TypeMismatch(`.${ext}`, sniffed.mime)
  }
  return sniffed
}
