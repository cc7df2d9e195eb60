import { PutObjectCommand, type ObjectCannedACL, type S3Client } from '@aws-sdk/client-s3'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { errors } from './errors.js'
import { contentDisposition, encodeMetadataValue, extensionOf, isSafeKey, sanitizeFilename } from './keys.js'
import { sign, signing, unsign } from './signing.js'
import { checkType, normalizeType, SAMPLE_SIZE, sniffType } from './sniff.js'
import type { StoreSettings, StoredUpload } from './store.js'
import { describeS3Error } from './targets/s3.js'
import type { UploadTarget } from './targets/types.js'

export interface DirectUploadSettings extends StoreSettings {
  client: S3Client
  bucket: string
  /** `post`: a presigned POST policy (AWS, Ceph, MinIO); `put`: a presigned PUT URL (R2 and others without POST Object) */
  method: 'post' | 'put'
  /** seconds the signature is valid */
  expiresIn: number
  acl: ObjectCannedACL | undefined
  secret: string
}

/** What the browser asks for: the file it is about to send. */
export interface DirectUploadInput {
  filename: string
  contentType: string
  size: number
}

export type DirectUpload = {
  key: string
  /** pass back to the completion endpoint */
  ticket: string
  url: string
} & ({ method: 'POST', fields: Record<string, string> } | { method: 'PUT', headers: Record<string, string> })

interface Ticket { key: string, size: number, type: string, name: string, exp: number }

export function parseDirectUploadInput (body: unknown): DirectUploadInput {
  const input = (body ?? {}) as Record<string, unknown>
  const { filename, contentType, size } = input
  if (typeof filename !== 'string' || filename.length === 0 || filename.length > 1024) throw new errors.InvalidDirectUpload('"filename" must be a non-empty string')
  if (typeof contentType !== 'string' || contentType.length === 0 || contentType.length > 255) throw new errors.InvalidDirectUpload('"contentType" must be a MIME type')
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) throw new errors.InvalidDirectUpload('"size" must be a positive integer')
  return { filename, contentType, size }
}

/**
 * Signs a direct upload of one file to a fresh key: the POST policy pins the key (under the prefix), the exact
 * size (content-length-range), the Content-Type, the ACL and the name metadata; the PUT URL signs Content-Type
 * and Content-Length. The ticket lets the completion endpoint check exactly that object later.
 */
export async function presignUpload (settings: DirectUploadSettings, input: DirectUploadInput, now = Date.now()): Promise<DirectUpload> {
  const type = normalizeType(input.contentType)
  if (!settings.allowedTypes.includes(type)) throw new errors.TypeNotAllowed(type)
  if (input.size > settings.maxFileSize) throw new errors.FileTooLarge(settings.maxFileSize)
  const originalName = sanitizeFilename(input.filename, settings.maxNameLength)
  const extension = extensionOf(originalName)
  const key = settings.key({ originalName, extension, prefix: settings.keyPrefix, contentType: type })
  if (!isSafeKey(key)) throw new errors.InvalidOption(`the key function returned an unsafe key ${JSON.stringify(key)}`)
  const disposition = contentDisposition(settings.disposition, originalName)
  const metadataName = encodeMetadataValue(originalName)
  const ticket = sign(settings.secret, signing.ticket, { key, size: input.size, type, name: originalName, exp: now + settings.expiresIn * 1000 + 3600_000 } satisfies Ticket)
  try {
    if (settings.method === 'post') {
      const fields: Record<string, string> = { 'Content-Type': type, 'Content-Disposition': disposition, 'x-amz-meta-original-name': metadataName }
      if (settings.acl) fields.acl = settings.acl
      const post = await createPresignedPost(settings.client, {
        Bucket: settings.bucket,
        Key: key,
        Fields: fields,
        Conditions: [
          ['starts-with', '$key', settings.keyPrefix === '' ? '' : `${settings.keyPrefix}/`],
          ['content-length-range', input.size, input.size],
          ['eq', '$Content-Type', type],
        ],
        Expires: settings.expiresIn,
      })
      return { method: 'POST', url: post.url, fields: post.fields, key, ticket }
    }
    // The presigner moves x-amz-acl and x-amz-meta-* into the signed query string; these two stay headers.
    const headers: Record<string, string> = { 'content-type': type, 'content-disposition': disposition }
    const url = await getSignedUrl(settings.client, new PutObjectCommand({
      Bucket: settings.bucket,
      Key: key,
      ContentType: type,
      ContentLength: input.size,
      ContentDisposition: disposition,
      Metadata: { 'original-name': metadataName },
      ...(settings.acl ? { ACL: settings.acl } : {}),
    }), { expiresIn: settings.expiresIn, signableHeaders: new Set(['content-type', 'content-length', 'content-disposition']) })
    return { method: 'PUT', url, headers, key, ticket }
  } catch (error) {
    throw new errors.StoreFailed(describeS3Error(error))
  }
}

/**
 * Confirms a direct upload: the object must exist with the size and type the ticket was issued for, and its
 * first bytes must sniff as that type. An object that fails the sniff is deleted.
 */
export async function completeUpload (settings: DirectUploadSettings, target: UploadTarget, ticketValue: unknown, now = Date.now()): Promise<StoredUpload> {
  const ticket = unsign<Ticket>(settings.secret, signing.ticket, typeof ticketValue === 'string' ? ticketValue : undefined)
  if (!ticket || typeof ticket.key !== 'string' || ticket.exp < now) throw new errors.InvalidDirectUpload('"ticket" is missing, forged or expired')
  const info = await target.head(ticket.key)
  if (!info) throw new errors.UploadIncomplete('no object was uploaded')
  if (info.size !== ticket.size) throw new errors.UploadIncomplete(`expected ${ticket.size} bytes, found ${info.size}`)
  if (normalizeType(info.contentType) !== ticket.type) throw new errors.UploadIncomplete(`expected type ${ticket.type}, found ${info.contentType}`)
  const head = await target.readStart(ticket.key, SAMPLE_SIZE)
  try {
    checkType(await sniffType(head, head.length < SAMPLE_SIZE), ticket.type, extensionOf(ticket.name), settings.allowedTypes)
  } catch (error) {
    await target.delete(ticket.key)
    throw error
  }
  return { key: ticket.key, size: info.size, contentType: ticket.type, etag: info.etag, location: null, originalName: ticket.name }
}
