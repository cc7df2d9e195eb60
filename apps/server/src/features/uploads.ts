import { join, resolve } from 'node:path'
import formWidgets from '@shipyard/form-widgets'
import s3Upload, { createS3Client, sweepOrphanUploads, type S3UploadOptions, type SweptUpload } from '@shipyard/s3-upload'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { booleanFromString, integerFromString, type ConfigKey } from '../config-keys.js'
import type { ServerConfig } from '../config.js'
import type { MountedFeature } from '../server.js'

const MIB = 1024 * 1024
const cannedAcls = ['private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control'] as const

const typeList = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value),
  z.array(z.string().regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/, 'must be lower-case MIME types such as image/png')).min(1, 'must name at least one type')
)

/** Configuration keys of the `uploads` feature; merged into the server's one schema by config.ts. */
export const configKeys = [
  { key: 'uploadsPrefix', env: 'UPLOADS_PREFIX', schema: z.string().regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'must be a path such as /upload').default('/upload'), description: 'URL prefix of the upload form, its POST and the direct-upload endpoints.' },
  { key: 'uploadsDir', env: 'UPLOADS_DIR', schema: z.string().min(1).optional(), description: 'Directory of the filesystem target used when `S3_BUCKET` is unset; default `<DATA_DIR>/uploads`.' },
  { key: 'uploadsKeyPrefix', env: 'UPLOADS_KEY_PREFIX', schema: z.string().regex(/^([A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*)?$/, 'must be path segments without leading or trailing slash').default('uploads'), description: 'Objects are stored as `<UPLOADS_KEY_PREFIX>/<uuid><ext>`; the sweeper only touches this prefix.' },
  { key: 'uploadsMaxFileSize', env: 'UPLOADS_MAX_FILE_SIZE', schema: integerFromString(1, Number.MAX_SAFE_INTEGER).default(10 * MIB), description: 'Largest accepted file in bytes; a larger one is answered 413 as soon as the limit is crossed.' },
  { key: 'uploadsAllowedTypes', env: 'UPLOADS_ALLOWED_TYPES', schema: typeList.default(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain']), description: 'Comma-separated content types accepted after sniffing the first bytes (`text/plain` covers UTF-8 text such as CSV).' },
  { key: 'uploadsDirect', env: 'UPLOADS_DIRECT', schema: z.enum(['post', 'put', 'off']).default('post'), description: 'Direct browser-to-bucket uploads with S3: `post` (presigned POST policy), `put` (presigned PUT, for R2) or `off`.' },
  { key: 'uploadsPartSize', env: 'UPLOADS_PART_SIZE', schema: integerFromString(5 * MIB, 5 * 1024 * MIB).default(5 * MIB), description: 'Multipart part size in bytes (at least 5 MiB); memory per upload is about part size × (queue size + 1).' },
  { key: 'uploadsQueueSize', env: 'UPLOADS_QUEUE_SIZE', schema: integerFromString(1, 64).default(4), description: 'Parts of one upload sent to S3 in parallel.' },
  { key: 's3Bucket', env: 'S3_BUCKET', schema: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name').optional(), description: 'Store uploads in this bucket (else in `UPLOADS_DIR`).' },
  { key: 's3Endpoint', env: 'S3_ENDPOINT', schema: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(), description: 'S3-compatible endpoint (Ceph, MinIO, R2: `https://<account>.r2.cloudflarestorage.com`); unset for AWS. Setting it also sends checksums only when required, which those stores need.' },
  { key: 's3Region', env: 'S3_REGION', schema: z.string().min(1).default('us-east-1'), description: 'Region of the bucket (`auto` for R2).' },
  { key: 's3ForcePathStyle', env: 'S3_FORCE_PATH_STYLE', schema: booleanFromString.default(false), description: 'Address the bucket as `<endpoint>/<bucket>` (Ceph, MinIO) rather than `<bucket>.<endpoint>`.' },
  { key: 's3AccessKeyId', env: 'S3_ACCESS_KEY_ID', schema: z.string().min(1).optional(), secret: true, description: 'Access key; unset to use the AWS SDK\'s provider chain (environment, profile, instance role).' },
  { key: 's3SecretAccessKey', env: 'S3_SECRET_ACCESS_KEY', schema: z.string().min(1).optional(), secret: true, description: 'Secret key paired with `S3_ACCESS_KEY_ID`.' },
  { key: 's3Acl', env: 'S3_ACL', schema: z.enum([...cannedAcls, 'none']).default('private'), description: 'Canned ACL of stored objects; `none` sends no ACL header (buckets with ACLs disabled, the AWS default for new buckets).' },
] as const satisfies readonly ConfigKey[]

function uploadOptions (config: ServerConfig): S3UploadOptions {
  const target: S3UploadOptions['target'] = config.s3Bucket
    ? {
        type: 's3',
        bucket: config.s3Bucket,
        region: config.s3Region,
        endpoint: config.s3Endpoint,
        forcePathStyle: config.s3ForcePathStyle,
        credentials: config.s3AccessKeyId && config.s3SecretAccessKey ? { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey } : undefined,
      }
    : { type: 'filesystem', directory: config.uploadsDir ?? join(resolve(config.dataDir), 'uploads') }
  return {
    target,
    secret: config.cookieSecret,
    prefix: config.uploadsPrefix,
    keyPrefix: config.uploadsKeyPrefix,
    maxFileSize: config.uploadsMaxFileSize,
    allowedTypes: config.uploadsAllowedTypes,
    partSize: config.uploadsPartSize,
    queueSize: config.uploadsQueueSize,
    acl: config.s3Acl === 'none' ? false : config.s3Acl,
    directUpload: config.s3Bucket && config.uploadsDirect !== 'off' ? config.uploadsDirect : false,
  }
}

/**
 * Origins the browser must reach for direct uploads, for the CSP (`connect-src`) of the composed server; empty
 * without S3 or with direct uploads off. Computed from the config alone, so it can be passed to helmet before
 * the features register.
 */
export function cspSources (config: ServerConfig): { connectSrc: string[], formAction: string[] } {
  if (!config.s3Bucket || config.uploadsDirect === 'off') return { connectSrc: [], formAction: [] }
  let origin: string
  if (config.s3Endpoint) {
    const endpoint = new URL(config.s3Endpoint)
    origin = config.s3ForcePathStyle ? endpoint.origin : `${endpoint.protocol}//${config.s3Bucket}.${endpoint.host}`
  } else {
    origin = config.s3ForcePathStyle ? `https://s3.${config.s3Region}.amazonaws.com` : `https://${config.s3Bucket}.s3.${config.s3Region}.amazonaws.com`
  }
  return { connectSrc: [origin], formAction: [] }
}

/** Registers the `uploads` feature on the app and describes what it mounted. */
export async function register (app: FastifyInstance, config: ServerConfig): Promise<MountedFeature[]> {
  // The `forms` feature registers form-widgets when it is enabled; uploads alone bring their own.
  if (!app.hasPlugin('@shipyard/form-widgets')) await app.register(formWidgets, { csrf: { secret: config.csrfSecret } })
  const options = uploadOptions(config)
  await app.register(s3Upload, options)
  const where = options.target.type === 's3' ? `bucket ${options.target.bucket}` : `directory ${options.target.directory}`
  const mounted: MountedFeature[] = [
    { feature: 'uploads', path: `GET|POST ${config.uploadsPrefix}`, description: `upload form; files streamed to the ${where}` },
  ]
  if (options.directUpload) {
    mounted.push({ feature: 'uploads', path: `POST ${config.uploadsPrefix}/presign, ${config.uploadsPrefix}/complete`, description: `direct browser uploads to the bucket (presigned ${options.directUpload.toUpperCase()})` })
  }
  return mounted
}

/**
 * `shipyard uploads sweep`: aborts multipart uploads under the key prefix older than `olderThanHours` (default
 * 24). With the filesystem target there is nothing to sweep (partial files are removed as uploads fail).
 */
export async function sweepUploads (config: ServerConfig, { olderThanHours = 24 }: { olderThanHours?: number } = {}): Promise<SweptUpload[]> {
  const options = uploadOptions(config)
  if (options.target.type !== 's3') return []
  const client = createS3Client(options.target)
  try {
    return await sweepOrphanUploads({
      client,
      bucket: options.target.bucket,
      prefix: config.uploadsKeyPrefix === '' ? undefined : `${config.uploadsKeyPrefix}/`,
      olderThan: olderThanHours * 3600_000,
    })
  } finally {
    client.destroy()
  }
}
