import type { ObjectCannedACL, S3Client } from '@aws-sdk/client-s3'
import { errors } from './errors.js'
import { defaultKey, type KeyFunction } from './keys.js'
import type { S3ConnectionOptions } from './targets/s3.js'

export interface S3TargetConfig extends S3ConnectionOptions {
  type: 's3'
  /** use this client instead of building one (it is then not destroyed on close) */
  client?: S3Client
}

export interface FilesystemTargetConfig {
  type: 'filesystem'
  /** directory the files are written below (created when missing) */
  directory: string
  /** base URL the directory is served under, for `location` (default: `location` is `null`) */
  publicUrl?: string
}

export interface S3UploadOptions {
  /** where files go */
  target: S3TargetConfig | FilesystemTargetConfig
  /** signs the flash cookie and direct-upload tickets (at least 32 characters) */
  secret: string
  /** URL prefix of the routes (default `/upload`) */
  prefix?: string
  /** register the form, POST and direct-upload routes (default true); false keeps only the decorators */
  routes?: boolean
  /** object keys are `<keyPrefix>/<uuid><ext>` (default `uploads`; `''` for none) */
  keyPrefix?: string
  /** replaces the key function */
  key?: KeyFunction
  /** largest accepted file in bytes (default 10 MiB) */
  maxFileSize?: number
  /** most files `request.uploadFiles()` accepts in one request (default 1) */
  maxFiles?: number
  /** sniffed content types that are accepted (default PNG, JPEG, GIF, WebP, PDF, plain text) */
  allowedTypes?: readonly string[]
  /** multipart part size in bytes (default and minimum 5 MiB) */
  partSize?: number
  /** parts uploaded in parallel (default 4); memory per upload is at most partSize × (queueSize + 1) */
  queueSize?: number
  /** canned ACL for every object (default `private`); `false` sends no ACL header, for buckets with ACLs disabled */
  acl?: ObjectCannedACL | false
  /** Content-Disposition type stored with the original name (default `attachment`) */
  disposition?: 'attachment' | 'inline'
  /** longest original name kept, in characters (default 200) */
  maxNameLength?: number
  /** direct browser-to-bucket uploads (S3 only): `post` policy (default), `put` URL (R2) or `false` */
  directUpload?: 'post' | 'put' | false
  /** seconds a presigned upload stays valid (default 300) */
  presignExpires?: number
  /** page title and heading (default `Upload a file`) */
  title?: string
}

export interface ResolvedOptions {
  target: S3TargetConfig | FilesystemTargetConfig
  secret: string
  prefix: string
  routes: boolean
  keyPrefix: string
  key: KeyFunction
  maxFileSize: number
  maxFiles: number
  allowedTypes: readonly string[]
  partSize: number
  queueSize: number
  acl: ObjectCannedACL | undefined
  disposition: 'attachment' | 'inline'
  maxNameLength: number
  directUpload: 'post' | 'put' | false
  presignExpires: number
  title: string
}

export const MIB = 1024 * 1024
export const defaultAllowedTypes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'] as const
const cannedAcls = ['private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control']

function fail (message: string): never {
  throw new errors.InvalidOption(message)
}

function integer (name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(`"${name}" must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return value
}

/** Applies defaults and checks every option, naming the option and what was wrong. */
export function resolveOptions (opts: S3UploadOptions): ResolvedOptions {
  if (opts === null || typeof opts !== 'object') fail('options must be an object')
  const target = opts.target
  if (target === null || typeof target !== 'object') fail('"target" must be { type: "s3", bucket, … } or { type: "filesystem", directory }')
  if (target.type === 's3') {
    if (typeof target.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(target.bucket)) fail(`"target.bucket" must be an S3 bucket name, got ${JSON.stringify(target.bucket)}`)
    if (target.endpoint !== undefined && (typeof target.endpoint !== 'string' || !URL.canParse(target.endpoint) || !/^https?:$/.test(new URL(target.endpoint).protocol))) fail('"target.endpoint" must be an http(s) URL')
    if (target.region !== undefined && (typeof target.region !== 'string' || target.region === '')) fail('"target.region" must be a non-empty string')
    if (target.credentials !== undefined && (typeof target.credentials?.accessKeyId !== 'string' || typeof target.credentials?.secretAccessKey !== 'string' || target.credentials.accessKeyId === '' || target.credentials.secretAccessKey === '')) {
      fail('"target.credentials" must be { accessKeyId, secretAccessKey } (or leave it unset for the SDK\'s provider chain)')
    }
    if (target.checksums !== undefined && target.checksums !== 'when_required' && target.checksums !== 'when_supported') fail('"target.checksums" must be "when_required" or "when_supported"')
  } else if (target.type === 'filesystem') {
    if (typeof target.directory !== 'string' || target.directory === '') fail('"target.directory" must be a directory path')
    if (target.publicUrl !== undefined && (typeof target.publicUrl !== 'string' || !URL.canParse(target.publicUrl))) fail('"target.publicUrl" must be a URL')
  } else {
    fail(`"target.type" must be "s3" or "filesystem", got ${JSON.stringify((target as { type?: unknown }).type)}`)
  }
  if (typeof opts.secret !== 'string' || opts.secret.length < 32) fail('"secret" must be a string of at least 32 characters')
  const prefix = opts.prefix ?? '/upload'
  if (typeof prefix !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(prefix)) fail(`"prefix" must be a path like /upload, got ${JSON.stringify(prefix)}`)
  const keyPrefix = opts.keyPrefix ?? 'uploads'
  if (typeof keyPrefix !== 'string' || (keyPrefix !== '' && !/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/.test(keyPrefix)) || keyPrefix.split('/').some((s) => s === '.' || s === '..')) {
    fail(`"keyPrefix" must be '' or path segments of letters, digits and !_.*'()- without a leading or trailing slash, got ${JSON.stringify(keyPrefix)}`)
  }
  if (opts.key !== undefined && typeof opts.key !== 'function') fail('"key" must be a function')
  const allowedTypes = opts.allowedTypes ?? defaultAllowedTypes
  if (!Array.isArray(allowedTypes) || allowedTypes.length === 0 || allowedTypes.some((t) => typeof t !== 'string' || !/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(t))) {
    fail('"allowedTypes" must be a non-empty array of lower-case MIME types such as image/png')
  }
  const acl = opts.acl ?? 'private'
  if (acl !== false && !cannedAcls.includes(acl)) fail(`"acl" must be false or one of ${cannedAcls.join(', ')}, got ${JSON.stringify(acl)}`)
  const disposition = opts.disposition ?? 'attachment'
  if (disposition !== 'attachment' && disposition !== 'inline') fail('"disposition" must be "attachment" or "inline"')
  const directUpload = opts.directUpload ?? (target.type === 's3' ? 'post' : false)
  if (directUpload !== false && directUpload !== 'post' && directUpload !== 'put') fail('"directUpload" must be "post", "put" or false')
  if (directUpload !== false && target.type !== 's3') fail('"directUpload" needs an s3 target')
  if (opts.routes !== undefined && typeof opts.routes !== 'boolean') fail('"routes" must be true or false')
  const title = opts.title ?? 'Upload a file'
  if (typeof title !== 'string' || title === '') fail('"title" must be a non-empty string')
  return {
    target,
    secret: opts.secret,
    prefix,
    routes: opts.routes ?? true,
    keyPrefix,
    key: opts.key ?? defaultKey,
    maxFileSize: integer('maxFileSize', opts.maxFileSize ?? 10 * MIB, 1),
    maxFiles: integer('maxFiles', opts.maxFiles ?? 1, 1, 1000),
    allowedTypes: [...allowedTypes],
    partSize: integer('partSize', opts.partSize ?? 5 * MIB, 5 * MIB, 5 * 1024 * MIB),
    queueSize: integer('queueSize', opts.queueSize ?? 4, 1, 64),
    acl: acl === false ? undefined : acl,
    disposition,
    maxNameLength: integer('maxNameLength', opts.maxNameLength ?? 200, 16, 1024),
    directUpload,
    presignExpires: integer('presignExpires', opts.presignExpires ?? 300, 10, 7 * 24 * 3600),
    title,
  }
}
