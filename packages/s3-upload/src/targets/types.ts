import type { Readable } from 'node:stream'

/** What the store hands a target for one file. */
export interface WriteRequest {
  key: string
  /** the file's bytes; the target must stop and clean up when this stream fails */
  body: Readable
  contentType: string
  contentDisposition: string
  /** user metadata, ASCII values */
  metadata: Record<string, string>
  /** bytes that went through `body` so far */
  size: () => number
}

export interface StoredObject {
  key: string
  size: number
  contentType: string
  etag: string
  /** where the object can be fetched, when known */
  location: string | null
}

export interface ObjectInfo {
  size: number
  contentType: string
  etag: string
}

/** A place uploads are written to: S3 (any compatible store) or a local directory. */
export interface UploadTarget {
  readonly kind: 's3' | 'filesystem'
  /**
   * Streams `body` to `key`. Resolves once the object is complete; on any failure (the body erroring, the
   * store failing) it rejects only after the partial object has been removed (multipart upload aborted, partial
   * file deleted).
   */
  write (request: WriteRequest): Promise<StoredObject>
  /** The object's size, type and ETag, or `null` when there is none. */
  head (key: string): Promise<ObjectInfo | null>
  /** The first `length` bytes of the object (to sniff a direct upload). */
  readStart (key: string, length: number): Promise<Buffer>
  delete (key: string): Promise<void>
  close (): Promise<void>
}
