import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3'

export interface SweepOptions {
  client: S3Client
  bucket: string
  /** only uploads whose key starts with this (default: the whole bucket) */
  prefix?: string
  /** abort uploads started more than this many milliseconds ago (default 24 h) */
  olderThan?: number
  /** "now", for tests (default `Date.now()`) */
  now?: number
  /** uploads per ListMultipartUploads page (default: the store's, 1000 on S3) */
  pageSize?: number
}

export interface SweptUpload { key: string, uploadId: string, initiated: Date }

/**
 * Aborts multipart uploads left behind under `prefix` (a crashed process, a lost network) that are older than
 * `olderThan`, page by page through ListMultipartUploads. Returns what it aborted.
 */
export async function sweepOrphanUploads (options: SweepOptions): Promise<SweptUpload[]> {
  const { client, bucket, prefix } = options
  const cutoff = (options.now ?? Date.now()) - (options.olderThan ?? 24 * 3600_000)
  const swept: SweptUpload[] = []
  let keyMarker: string | undefined
  let uploadIdMarker: string | undefined
  do {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker, MaxUploads: options.pageSize }))
    for (const upload of page.Uploads ?? []) {
      if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated.getTime() > cutoff) continue
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }))
      swept.push({ key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated })
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined
    uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined
  } while (keyMarker !== undefined)
  return swept
}
