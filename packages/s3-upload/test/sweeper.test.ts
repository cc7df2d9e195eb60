import { CreateMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sweepOrphanUploads } from '../src/index.js'
import { buildApp, createBucket, multipartUploads, s3Client, s3Target } from './helpers.js'

let client: S3Client
let bucket: string

beforeAll(async () => {
  client = s3Client()
  bucket = await createBucket(client, 'sweep')
})
afterAll(() => client.destroy())

const start = (Key: string) => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }))

describe('orphan sweeper', () => {
  it('aborts multipart uploads under the prefix older than the cut-off, and leaves the rest', async () => {
    const orphan = await start('uploads/orphan.png')
    await start('elsewhere/keep.png')
    const hour = 3600_000
    // Nothing is an hour old yet.
    expect(await sweepOrphanUploads({ client, bucket, prefix: 'uploads/', olderThan: hour })).toEqual([])
    expect(await multipartUploads(client, bucket)).toHaveLength(2)
    // Two hours from now, the upload under the prefix is an orphan; the other prefix is not ours.
    const swept = await sweepOrphanUploads({ client, bucket, prefix: 'uploads/', olderThan: hour, now: Date.now() + 2 * hour })
    expect(swept).toEqual([{ key: 'uploads/orphan.png', uploadId: orphan.UploadId, initiated: expect.any(Date) }])
    expect((await multipartUploads(client, bucket)).map((u) => u.split(' ')[0])).toEqual(['elsewhere/keep.png'])
  })

  it('pages through more uploads than one listing returns', async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => start(`many/${i}.png`)))
    const swept = await sweepOrphanUploads({ client, bucket, prefix: 'many/', olderThan: 0, now: Date.now() + 1000, pageSize: 5 })
    expect(swept).toHaveLength(12)
    expect((await multipartUploads(client, bucket)).filter((u) => u.startsWith('many/'))).toEqual([])
  })

  it('is exposed as fastify.s3Upload.sweep(), limited to the plugin\'s key prefix', async () => {
    await start('uploads/late.png')
    const app = await buildApp({ target: s3Target(bucket) })
    expect(await app.s3Upload.sweep({ olderThan: 3600_000 })).toEqual([])
    const swept = await app.s3Upload.sweep({ olderThan: -60_000 })
    expect(swept.map((s) => s.key)).toEqual(['uploads/late.png'])
    expect((await multipartUploads(client, bucket)).map((u) => u.split(' ')[0])).toEqual(['elsewhere/keep.png'])
    await app.close()
  })
})
