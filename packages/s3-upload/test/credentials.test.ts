// Without `credentials` in the target, the AWS SDK's default provider chain supplies them; its first link is the
// environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), which can be exercised here against Ceph.
import type { S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { buildApp, ceph, createBucket, csrfFrom, emptyBucket, getObjectBytes, multipartBody, multipartHeaders, pngBytes, s3Client, s3Target } from './helpers.js'

let client: S3Client
let bucket: string
let app: FastifyInstance | undefined
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY }

beforeAll(async () => {
  client = s3Client()
  bucket = await createBucket(client, 'credentials')
})
afterEach(async () => {
  await app?.close()
  app = undefined
  process.env.AWS_ACCESS_KEY_ID = saved.id
  process.env.AWS_SECRET_ACCESS_KEY = saved.secret
  if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID
  if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY
})
afterAll(async () => {
  await emptyBucket(client, bucket)
  client.destroy()
})

async function upload (content: Buffer): Promise<{ status: number, key?: string }> {
  const { cookie, token } = csrfFrom(await app!.inject('/upload'))
  const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: 'env.png', type: 'image/png', content }])
  const res = await app!.inject({ method: 'POST', url: '/upload', headers: multipartHeaders(body.length, cookie), payload: body })
  return { status: res.statusCode, key: res.statusCode === 200 ? res.json().key : undefined }
}

it('uses the default provider chain (environment) when no credentials are configured', async () => {
  const { accessKeyId, secretAccessKey } = ceph()
  process.env.AWS_ACCESS_KEY_ID = accessKeyId
  process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey
  const { credentials: _omitted, ...withoutCredentials } = s3Target(bucket) as Extract<ReturnType<typeof s3Target>, { type: 's3' }>
  app = await buildApp({ target: withoutCredentials })
  const content = pngBytes(2048)
  const { status, key } = await upload(content)
  expect(status).toBe(200)
  expect((await getObjectBytes(client, bucket, key!)).equals(content)).toBe(true)
})

it('fails with a coded 502 (and no secret in the answer) when the chain yields wrong credentials', async () => {
  process.env.AWS_ACCESS_KEY_ID = 'NOTAKEY0000000000000'
  process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret-not-the-secret-not-the-secre'
  const { credentials: _omitted, ...withoutCredentials } = s3Target(bucket) as Extract<ReturnType<typeof s3Target>, { type: 's3' }>
  app = await buildApp({ target: withoutCredentials })
  const { cookie, token } = csrfFrom(await app.inject('/upload'))
  const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: 'env.png', type: 'image/png', content: pngBytes(2048) }])
  const res = await app.inject({ method: 'POST', url: '/upload', headers: { ...multipartHeaders(body.length, cookie), accept: 'application/json' }, payload: body })
  expect(res.statusCode).toBe(502)
  expect(res.json().code).toBe('SHIPYARD_S3_STORE_FAILED')
  expect(res.body).not.toContain('not-the-secret')
})
