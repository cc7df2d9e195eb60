import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { errors } from './errors.js'
import { resolveOptions, type ResolvedOptions, type S3UploadOptions } from './options.js'
import { completeUpload, presignUpload, type DirectUpload, type DirectUploadInput, type DirectUploadSettings } from './presign.js'
import { uploadRoutes } from './routes.js'
import { storeFile, type IncomingFile, type StoreSettings, type StoredUpload } from './store.js'
import { sweepOrphanUploads, type SweptUpload } from './sweeper.js'
import { filesystemTarget } from './targets/filesystem.js'
import { createS3Client, s3Target } from './targets/s3.js'
import type { UploadTarget } from './targets/types.js'

/** Per-call overrides of the plugin's limits and naming. */
export type StoreOverrides = Partial<Pick<StoreSettings, 'maxFileSize' | 'allowedTypes' | 'keyPrefix' | 'key'>>

/** `fastify.s3Upload`: the store and its tools, for your own routes and the CLI. */
export interface S3UploadApi {
  readonly target: UploadTarget
  /** the S3 client (`null` for the filesystem target) */
  readonly client: S3Client | null
  readonly options: Readonly<ResolvedOptions>
  /** streams one multipart file to the store (no CSRF check: do that first, e.g. with form-widgets' bindForm) */
  storeFile (file: IncomingFile, overrides?: StoreOverrides): Promise<StoredUpload>
  /** signs a direct upload (S3 target only) */
  presign (input: DirectUploadInput): Promise<DirectUpload>
  /** checks a direct upload by its ticket: HeadObject (exists, size, type) and a sniff of its first bytes */
  complete (ticket: string): Promise<StoredUpload>
  /** aborts multipart uploads under `keyPrefix` older than `olderThan` ms (default 24 h); S3 target only */
  sweep (options?: { olderThan?: number }): Promise<SweptUpload[]>
  /**
   * Origins the browser talks to for direct uploads: add them to CSP `connect-src` (and allow the page origin
   * in the bucket's CORS rules). Empty when direct uploads are off.
   */
  cspOrigins (): Promise<string[]>
}

declare module 'fastify' {
  interface FastifyInstance {
    s3Upload: S3UploadApi
  }
  interface FastifyRequest {
    /** Streams one file part (a form-widgets FileHandle or an @fastify/multipart file) to the store. */
    uploadFile (file: IncomingFile, overrides?: StoreOverrides): Promise<StoredUpload>
    /**
     * Streams every file of this multipart request to the store (at most `maxFiles`, else 413 and the ones
     * already stored are deleted). No CSRF check: use it on routes protected otherwise (tokens, auth).
     */
    uploadFiles (overrides?: StoreOverrides): Promise<StoredUpload[]>
  }
}

function buildTarget (options: ResolvedOptions): { target: UploadTarget, client: S3Client | null } {
  const config = options.target
  if (config.type === 'filesystem') return { target: filesystemTarget({ directory: config.directory, publicUrl: config.publicUrl }), client: null }
  const client = config.client ?? createS3Client(config)
  const target = s3Target({ bucket: config.bucket, client, ownsClient: config.client === undefined, partSize: options.partSize, queueSize: options.queueSize, acl: options.acl })
  return { target, client }
}

const plugin: FastifyPluginAsync<S3UploadOptions> = async (fastify, opts) => {
  const options = resolveOptions(opts)
  const { target, client } = buildTarget(options)
  const storeSettings: StoreSettings = {
    maxFileSize: options.maxFileSize,
    allowedTypes: options.allowedTypes,
    keyPrefix: options.keyPrefix,
    key: options.key,
    maxNameLength: options.maxNameLength,
    disposition: options.disposition,
  }
  const directSettings: DirectUploadSettings | null = client && options.target.type === 's3' && options.directUpload
    ? { ...storeSettings, client, bucket: options.target.bucket, method: options.directUpload, expiresIn: options.presignExpires, acl: options.acl, secret: options.secret }
    : null

  // Uploads in flight finish (or are aborted) before the target closes, so close never strands a multipart upload.
  const pending = new Set<Promise<unknown>>()
  const track = <T>(promise: Promise<T>): Promise<T> => {
    pending.add(promise)
    promise.then(() => pending.delete(promise), () => pending.delete(promise))
    return promise
  }

  const store = (file: IncomingFile, overrides?: StoreOverrides): Promise<StoredUpload> =>
    track(storeFile(target, overrides ? { ...storeSettings, ...overrides } : storeSettings, file))

  const api: S3UploadApi = {
    target,
    client,
    options,
    storeFile: store,
    async presign (input) {
      if (!directSettings) throw new errors.InvalidDirectUpload('direct uploads are not enabled')
      return presignUpload(directSettings, input)
    },
    async complete (ticket) {
      if (!directSettings) throw new errors.InvalidDirectUpload('direct uploads are not enabled')
      return completeUpload(directSettings, target, ticket)
    },
    async sweep ({ olderThan } = {}) {
      if (!client || options.target.type !== 's3') return []
      return sweepOrphanUploads({ client, bucket: options.target.bucket, prefix: options.keyPrefix === '' ? undefined : `${options.keyPrefix}/`, olderThan })
    },
    async cspOrigins () {
      if (!directSettings) return []
      const url = await getSignedUrl(directSettings.client, new GetObjectCommand({ Bucket: directSettings.bucket, Key: `${options.keyPrefix}/origin` }), { expiresIn: 60 })
      return [new URL(url).origin]
    },
  }
  fastify.decorate('s3Upload', api)

  fastify.decorateRequest('uploadFile', function (this: FastifyRequest, file: IncomingFile, overrides?: StoreOverrides) {
    return store(file, overrides)
  })
  fastify.decorateRequest('uploadFiles', async function (this: FastifyRequest, overrides?: StoreOverrides) {
    if (typeof this.isMultipart !== 'function' || !this.isMultipart()) throw new errors.NotMultipart()
    const stored: StoredUpload[] = []
    try {
      // One file more than allowed reaches the loop, so the answer is this plugin's 413 (and the ones stored go).
      const maxFileSize = overrides?.maxFileSize ?? options.maxFileSize
      for await (const part of this.parts({ limits: { files: options.maxFiles + 1, fileSize: maxFileSize + 1 } })) {
        if (part.type !== 'file') continue
        if (part.filename === '') {
          part.file.resume()
          continue
        }
        if (stored.length >= options.maxFiles) throw new errors.TooManyFiles(options.maxFiles)
        stored.push(await store(part, overrides))
      }
      if (stored.length === 0) throw new errors.NoFile()
      return stored
    } catch (error) {
      await Promise.allSettled(stored.map((s) => target.delete(s.key)))
      throw error
    }
  })

  fastify.addHook('onClose', async () => {
    await Promise.allSettled([...pending])
    await target.close()
  })

  if (options.routes) await fastify.register(uploadRoutes, { options, api })
}

export const s3Upload = fp(plugin, { fastify: '5.x', name: '@shipyard/s3-upload', dependencies: ['@shipyard/form-widgets'] })
export default s3Upload
export { errors }
export { sweepOrphanUploads, type SweepOptions, type SweptUpload } from './sweeper.js'
export { createS3Client, type S3ConnectionOptions } from './targets/s3.js'
export { sanitizeFilename, defaultKey, type KeyContext, type KeyFunction } from './keys.js'
export type { S3UploadOptions, S3TargetConfig, FilesystemTargetConfig, ResolvedOptions } from './options.js'
export type { IncomingFile, StoredUpload } from './store.js'
export type { DirectUpload, DirectUploadInput } from './presign.js'
export type { UploadTarget, StoredObject, ObjectInfo } from './targets/types.js'
