import {
  AbortMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException,
  type CreateMultipartUploadCommandOutput, type ObjectCannedACL, type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { errors } from '../errors.js'
import type { ObjectInfo, StoredObject, UploadTarget, WriteRequest } from './types.js'

export interface S3ConnectionOptions {
  bucket: string
  region?: string
  /** e.g. `http://127.0.0.1:7480` for Ceph, MinIO, R2; leave unset for AWS */
  endpoint?: string
  forcePathStyle?: boolean
  /** default: the SDK's provider chain (environment, profile, instance role …) */
  credentials?: { accessKeyId: string, secretAccessKey: string, sessionToken?: string }
  /**
   * `when_required` sends no checksum unless an operation needs one. The SDK's default (`when_supported`)
   * sends aws-chunked CRC32 bodies that Ceph answers with 411 and some stores store corrupted; default:
   * `when_required` when `endpoint` is set, `when_supported` for AWS.
   */
  checksums?: 'when_supported' | 'when_required'
}

export interface S3TargetOptions {
  bucket: string
  client: S3Client
  /** destroy the client when the target closes (true when the plugin built it) */
  ownsClient: boolean
  partSize: number
  queueSize: number
  /** canned ACL sent with every object; `undefined` sends none (buckets with ACLs disabled) */
  acl: ObjectCannedACL | undefined
}

/** Builds the S3 client from connection options, with checksums S3-compatible stores accept. */
export function createS3Client (options: S3ConnectionOptions): S3Client {
  const checksums = (options.checksums ?? (options.endpoint ? 'when_required' : 'when_supported')).toUpperCase() as 'WHEN_REQUIRED' | 'WHEN_SUPPORTED'
  const config: S3ClientConfig = {
    region: options.region ?? 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? false,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
  }
  if (options.endpoint) config.endpoint = options.endpoint
  if (options.credentials) config.credentials = options.credentials
  return new S3Client(config)
}

/** `NoSuchKey`-style answers that mean "no such object" rather than a failure. */
function isNotFound (error: unknown): boolean {
  return error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey')
}

/** A short, credential-free description of an S3 failure, for the 502 answer and the log. */
export function describeS3Error (error: unknown): string {
  if (error instanceof S3ServiceException) return `${error.name} (HTTP ${error.$metadata.httpStatusCode ?? '?'})`
  return (error as Error)?.name ?? 'unknown error'
}

export function s3Target (options: S3TargetOptions): UploadTarget {
  const { bucket, client } = options

  async function head (key: string): Promise<ObjectInfo | null> {
    try {
      const output = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      return { size: output.ContentLength ?? 0, contentType: output.ContentType ?? '', etag: output.ETag ?? '' }
    } catch (error) {
      if (isNotFound(error)) return null
      throw new errors.StoreFailed(describeS3Error(error))
    }
  }

  return {
    kind: 's3',

    head,

    async write ({ key, body, contentType, contentDisposition, metadata, size }: WriteRequest): Promise<StoredObject> {
      let storeError: unknown
      let uploadId: string | undefined
      let aborted = false
      // lib-storage reads the body with `queueSize` workers; when one S3 call fails the others keep reading the
      // request until it ends. Failing the body on the first S3 error stops them all at once, and lib-storage
      // then aborts the multipart upload before `done()` rejects, so the abort is awaited.
      const observedClient = {
        config: client.config,
        send: async (command: Parameters<S3Client['send']>[0]) => {
          try {
            const output = await client.send(command)
            if (command instanceof CreateMultipartUploadCommand) uploadId = (output as CreateMultipartUploadCommandOutput).UploadId
            if (command instanceof AbortMultipartUploadCommand) aborted = true
            return output
          } catch (error) {
            if (storeError === undefined) {
              storeError = error
              if (!body.destroyed) body.destroy(new errors.StoreFailed(describeS3Error(error)))
            }
            throw error
          }
        },
      } as unknown as S3Client

      const upload = new Upload({
        client: observedClient,
        partSize: options.partSize,
        queueSize: options.queueSize,
        leavePartsOnError: false,
        params: {
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentDisposition: contentDisposition,
          Metadata: metadata,
          ...(options.acl ? { ACL: options.acl } : {}),
        },
      })
      try {
        const result = await upload.done()
        let etag = result.ETag ?? ''
        // Ceph answers CompleteMultipartUpload with an empty ETag; HeadObject has it.
        if (etag === '') etag = (await head(key))?.etag ?? ''
        return { key, size: size(), contentType, etag, location: result.Location ?? null }
      } catch (error) {
        // lib-storage aborts before rejecting; should that abort itself have failed, try once more so no parts
        // are left behind (the sweeper is the last resort).
        if (uploadId !== undefined && !aborted) {
          await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => {})
        }
        if (storeError !== undefined) throw new errors.StoreFailed(describeS3Error(storeError))
        throw body.errored ?? error
      }
    },

    async readStart (key: string, length: number): Promise<Buffer> {
      try {
        const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${length - 1}` }))
        return Buffer.from(await output.Body!.transformToByteArray())
      } catch (error) {
        throw new errors.StoreFailed(describeS3Error(error))
      }
    },

    async delete (key: string): Promise<void> {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
      } catch (error) {
        throw new errors.StoreFailed(describeS3Error(error))
      }
    },

    async close (): Promise<void> {
      if (options.ownsClient) client.destroy()
    },
  }
}
