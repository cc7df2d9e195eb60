import formWidgets from '@shipyard/form-widgets'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import s3Upload, { errors, type S3UploadOptions } from '../src/index.js'
import { CSRF_SECRET, SECRET } from './helpers.js'

const fsTarget = { type: 'filesystem', directory: '/tmp/shipyard-options-test' } as const
const s3 = { type: 's3', bucket: 'my-bucket', endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } } as const

async function register (options: unknown) {
  const app = Fastify()
  await app.register(formWidgets, { csrf: { secret: CSRF_SECRET } })
  await app.register(s3Upload, options as S3UploadOptions)
  try {
    await app.ready()
  } finally {
    await app.close()
  }
}

describe('options are validated at register time', () => {
  it.each([
    ['no target', { secret: SECRET }, /"target" must be/],
    ['an unknown target type', { secret: SECRET, target: { type: 'ftp' } }, /"target.type" must be "s3" or "filesystem", got "ftp"/],
    ['a bad bucket name', { secret: SECRET, target: { ...s3, bucket: 'No_Such' } }, /"target.bucket" must be an S3 bucket name/],
    ['a non-http endpoint', { secret: SECRET, target: { ...s3, endpoint: 'ftp://x' } }, /"target.endpoint" must be an http\(s\) URL/],
    ['half credentials', { secret: SECRET, target: { ...s3, credentials: { accessKeyId: 'a' } } }, /"target.credentials" must be/],
    ['bad checksums', { secret: SECRET, target: { ...s3, checksums: 'always' } }, /"target.checksums"/],
    ['an empty region', { secret: SECRET, target: { ...s3, region: '' } }, /"target.region"/],
    ['no directory', { secret: SECRET, target: { type: 'filesystem' } }, /"target.directory"/],
    ['a bad publicUrl', { secret: SECRET, target: { ...fsTarget, publicUrl: 'not a url' } }, /"target.publicUrl"/],
    ['a short secret', { secret: 'short', target: fsTarget }, /"secret" must be a string of at least 32 characters/],
    ['a bad prefix', { secret: SECRET, target: fsTarget, prefix: 'upload' }, /"prefix" must be a path like \/upload/],
    ['a keyPrefix with ..', { secret: SECRET, target: fsTarget, keyPrefix: 'a/../b' }, /"keyPrefix"/],
    ['a keyPrefix with a slash at the end', { secret: SECRET, target: fsTarget, keyPrefix: 'a/' }, /"keyPrefix"/],
    ['a key that is not a function', { secret: SECRET, target: fsTarget, key: 'x' }, /"key" must be a function/],
    ['a zero maxFileSize', { secret: SECRET, target: fsTarget, maxFileSize: 0 }, /"maxFileSize" must be an integer from 1/],
    ['a fractional maxFiles', { secret: SECRET, target: fsTarget, maxFiles: 1.5 }, /"maxFiles"/],
    ['empty allowedTypes', { secret: SECRET, target: fsTarget, allowedTypes: [] }, /"allowedTypes"/],
    ['a malformed type', { secret: SECRET, target: fsTarget, allowedTypes: ['png'] }, /"allowedTypes"/],
    ['a part size under 5 MiB', { secret: SECRET, target: s3, partSize: 1024 }, /"partSize" must be an integer from 5242880/],
    ['a zero queueSize', { secret: SECRET, target: s3, queueSize: 0 }, /"queueSize"/],
    ['an unknown ACL', { secret: SECRET, target: s3, acl: 'world' }, /"acl" must be false or one of private/],
    ['a bad disposition', { secret: SECRET, target: fsTarget, disposition: 'download' }, /"disposition"/],
    ['a short maxNameLength', { secret: SECRET, target: fsTarget, maxNameLength: 3 }, /"maxNameLength"/],
    ['a bad directUpload', { secret: SECRET, target: s3, directUpload: 'get' }, /"directUpload" must be "post", "put" or false/],
    ['directUpload on a directory', { secret: SECRET, target: fsTarget, directUpload: 'post' }, /"directUpload" needs an s3 target/],
    ['a short presignExpires', { secret: SECRET, target: s3, presignExpires: 1 }, /"presignExpires"/],
    ['a non-boolean routes', { secret: SECRET, target: fsTarget, routes: 'yes' }, /"routes" must be true or false/],
    ['an empty title', { secret: SECRET, target: fsTarget, title: '' }, /"title"/],
  ])('refuses %s with SHIPYARD_S3_INVALID_OPTION', async (_what, options, message) => {
    const error = await register(options).then(() => undefined, (err: unknown) => err)
    expect(error).toBeInstanceOf(errors.InvalidOption)
    expect(error).toMatchObject({ code: 'SHIPYARD_S3_INVALID_OPTION', message: expect.stringMatching(message) })
  })

  it('needs @shipyard/form-widgets registered first', async () => {
    const app = Fastify()
    const registering = (async () => {
      await app.register(s3Upload, { secret: SECRET, target: fsTarget })
      await app.ready()
    })()
    await expect(registering).rejects.toThrow(/dependency '@shipyard\/form-widgets'/)
    await app.close()
  })

  it('registers without routes, keeping the decorators', async () => {
    const app = Fastify()
    await app.register(formWidgets, { csrf: { secret: CSRF_SECRET } })
    await app.register(s3Upload, { secret: SECRET, target: fsTarget, routes: false, prefix: '/files' })
    await app.ready()
    expect((await app.inject('/files')).statusCode).toBe(404)
    expect(app.s3Upload.options.prefix).toBe('/files')
    expect(typeof app.s3Upload.storeFile).toBe('function')
    expect(await app.s3Upload.sweep()).toEqual([])
    expect(await app.s3Upload.cspOrigins()).toEqual([])
    await expect(app.s3Upload.presign({ filename: 'a', contentType: 'image/png', size: 1 })).rejects.toMatchObject({ code: 'SHIPYARD_S3_INVALID_DIRECT_UPLOAD' })
    await app.close()
  })
})
