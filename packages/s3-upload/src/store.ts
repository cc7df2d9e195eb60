import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream'
import { errors } from './errors.js'
import { contentDisposition, encodeMetadataValue, extensionOf, isSafeKey, sanitizeFilename, type KeyFunction } from './keys.js'
import { ByteLimit } from './limits.js'
import { checkType, HeadSampler, SAMPLE_SIZE, sniffType } from './sniff.js'
import type { StoredObject, UploadTarget } from './targets/types.js'

/**
 * A file part of a multipart request: a form-widgets `FileHandle` (`stream`) or an @fastify/multipart
 * `MultipartFile` (`file`). The stream is read live, never buffered.
 */
export type IncomingFile = {
  /** the name the client sent */
  filename: string
  /** the Content-Type the client declared for the part */
  mimetype: string
} & ({ stream: Readable } | { file: Readable })

/** Settings of one store operation; the plugin's options, overridable per call. */
export interface StoreSettings {
  maxFileSize: number
  allowedTypes: readonly string[]
  keyPrefix: string
  key: KeyFunction
  maxNameLength: number
  disposition: 'attachment' | 'inline'
}

export interface StoredUpload extends StoredObject {
  /** the client's file name, sanitised */
  originalName: string
}

const multipartClientErrors = new Set(['FST_MP_PREMATURE_CLOSE', 'ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE'])

/**
 * Streams one file to the target: counts bytes against the limit, sniffs the first bytes against the allowlist,
 * names the object and writes it. Rejects with a coded error; by then nothing of the file is left in the store.
 */
export async function storeFile (target: UploadTarget, settings: StoreSettings, incoming: IncomingFile): Promise<StoredUpload> {
  const originalName = sanitizeFilename(incoming.filename, settings.maxNameLength)
  const limit = new ByteLimit(settings.maxFileSize)
  const sampler = new HeadSampler()
  // Any failure (limit crossed, client gone, the store failing the sampler) tears down all three streams, which
  // makes @fastify/multipart stop reading the request.
  pipeline('stream' in incoming ? incoming.stream : incoming.file, limit, sampler, () => {})
  // pipeline() stops listening once the sampler's writable side finishes; its errors still reach the target's
  // reader and `head`, so this listener only keeps a late destroy from becoming an uncaught exception.
  sampler.on('error', () => {})
  try {
    const head = await sampler.head
    if (head.length === 0) throw new errors.NoFile()
    const sniffed = checkType(await sniffType(head, head.length < SAMPLE_SIZE), incoming.mimetype, extensionOf(originalName), settings.allowedTypes)
    const extension = extensionOf(originalName) || `.${sniffed.ext}`
    const key = settings.key({ originalName, extension, prefix: settings.keyPrefix, contentType: sniffed.mime })
    if (!isSafeKey(key)) throw new errors.InvalidOption(`the key function returned an unsafe key ${JSON.stringify(key)}`)
    const stored = await target.write({
      key,
      body: sampler,
      contentType: sniffed.mime,
      contentDisposition: contentDisposition(settings.disposition, originalName),
      metadata: { 'original-name': encodeMetadataValue(originalName) },
      size: () => limit.bytes,
    })
    return { ...stored, originalName }
  } catch (error) {
    if (!sampler.destroyed) sampler.destroy(error as Error)
    throw toUploadError(error, settings.maxFileSize)
  }
}

/** Maps stream and store failures onto the plugin's coded errors (a 4xx for the client's doing, else 502). */
export function toUploadError (error: unknown, maxFileSize: number): Error {
  const code = (error as { code?: string })?.code ?? ''
  if (code.startsWith('SHIPYARD_S3_')) return error as Error
  // form-widgets enforces the same limit on the part (busboy's limit can fire a chunk before ours).
  if (code === 'SHIPYARD_FORM_FILE_TOO_LARGE' || code === 'FST_REQ_FILE_TOO_LARGE') return new errors.FileTooLarge(maxFileSize)
  if (code === 'SHIPYARD_FORM_CLIENT_ABORTED') return new errors.ClientAborted()
  if (multipartClientErrors.has(code) || /aborted|terminated early|Unexpected end of (form|multipart)/i.test((error as Error)?.message ?? '')) {
    return new errors.ClientAborted()
  }
  const status = (error as { statusCode?: number })?.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) return error as Error
  return new errors.StoreFailed(code || (error as Error)?.name || 'unknown error')
}
