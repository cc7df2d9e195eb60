import type { S3Client } from '@aws-sdk/client-s3'
import formWidgets, { type FileHandle } from '@shipyard/form-widgets'
import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import s3Upload, { s3Upload as named, type S3UploadOptions, type StoredUpload, type SweptUpload } from '../src/index.js'

describe('types', () => {
  it('checks options', () => {
    const app = Fastify()
    app.register(formWidgets, { csrf: { secret: 'x'.repeat(32) } })
    app.register(s3Upload, { secret: 'x'.repeat(32), target: { type: 'filesystem', directory: './data/uploads' } })
    app.register(named, { secret: 'x'.repeat(32), target: { type: 's3', bucket: 'b', endpoint: 'http://127.0.0.1:7480', forcePathStyle: true, checksums: 'when_required' }, acl: false, directUpload: 'put' })
    // @ts-expect-error a target is required
    app.register(s3Upload, { secret: 'x'.repeat(32) })
    // @ts-expect-error unknown canned ACL
    app.register(s3Upload, { secret: 'x'.repeat(32), target: { type: 'filesystem', directory: 'd' }, acl: 'world' })
    // @ts-expect-error the filesystem target takes no bucket
    app.register(s3Upload, { secret: 'x'.repeat(32), target: { type: 'filesystem', bucket: 'b' } })
    expectTypeOf<S3UploadOptions['key']>().toEqualTypeOf<((context: { originalName: string, extension: string, prefix: string, contentType: string }) => string) | undefined>()
  })

  it('types the decorators', async () => {
    const app = Fastify()
    expectTypeOf(app.s3Upload.client).toEqualTypeOf<S3Client | null>()
    expectTypeOf(app.s3Upload.sweep).returns.resolves.toEqualTypeOf<SweptUpload[]>()
    expectTypeOf(app.s3Upload.cspOrigins).returns.resolves.toEqualTypeOf<string[]>()
    app.post('/x', async (request) => {
      expectTypeOf(request.uploadFiles).returns.resolves.toEqualTypeOf<StoredUpload[]>()
      const handle = {} as FileHandle
      expectTypeOf(request.uploadFile(handle)).resolves.toEqualTypeOf<StoredUpload>()
      expectTypeOf<StoredUpload>().toMatchTypeOf<{ key: string, size: number, contentType: string, etag: string, location: string | null, originalName: string }>()
      // @ts-expect-error a file part needs a stream
      request.uploadFile({ filename: 'a', mimetype: 'b' })
      return null
    })
  })
})
