import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, createBucket, csrfFrom, emptyBucket, getObjectBytes, MIB, multipartUploads, objectKeys, pngBytes, s3Client, s3Target } from './helpers.js'

let client: S3Client
let bucket: string
let app: FastifyInstance
let putApp: FastifyInstance

beforeAll(async () => {
  client = s3Client()
  bucket = await createBucket(client, 'direct')
  app = await buildApp({ target: s3Target(bucket), maxFileSize: MIB, allowedTypes: ['image/png', 'text/plain'] })
  putApp = await buildApp({ target: s3Target(bucket), maxFileSize: MIB, directUpload: 'put', keyPrefix: 'r2' })
})
afterEach(async () => {
  expect(await multipartUploads(client, bucket)).toEqual([])
  await emptyBucket(client, bucket)
})
afterAll(async () => {
  await app.close()
  await putApp.close()
  client.destroy()
})

async function form (instance: FastifyInstance) {
  return csrfFrom(await instance.inject('/upload'))
}

async function presign (instance: FastifyInstance, fields: Record<string, string>, csrf?: { cookie: string, token: string }) {
  const { cookie, token } = csrf ?? await form(instance)
  return instance.inject({
    method: 'POST',
    url: '/upload/presign',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', cookie },
    payload: new URLSearchParams({ _csrf: token, ...fields }).toString(),
  })
}

async function complete (instance: FastifyInstance, ticket: string) {
  const { cookie, token } = await form(instance)
  return instance.inject({
    method: 'POST',
    url: '/upload/complete',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', cookie },
    payload: new URLSearchParams({ _csrf: token, ticket }).toString(),
  })
}

async function postToBucket (grant: { url: string, fields: Record<string, string> }, content: Buffer, type = 'image/png') {
  const body = new FormData()
  for (const [name, value] of Object.entries(grant.fields)) body.append(name, value)
  body.append('file', new Blob([content], { type }), 'ignored.png')
  return fetch(grant.url, { method: 'POST', body })
}

describe('presigned POST', () => {
  it('pins key prefix, exact size and Content-Type in the policy; the completion check reports the object', async () => {
    const content = pngBytes(20_000)
    const res = await presign(app, { filename: 'Straight Up.png', contentType: 'image/png', size: String(content.length) })
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
    const grant = res.json()
    expect(grant).toMatchObject({ method: 'POST', key: expect.stringMatching(/^uploads\/[0-9a-f]{32}\.png$/), ticket: expect.any(String) })
    expect(grant.url).toBe(`${(s3Target(bucket) as { endpoint: string }).endpoint}/${bucket}`)
    const policy = JSON.parse(Buffer.from(grant.fields.Policy, 'base64').toString())
    expect(policy.conditions).toEqual(expect.arrayContaining([
      ['starts-with', '$key', 'uploads/'],
      ['content-length-range', content.length, content.length],
      ['eq', '$Content-Type', 'image/png'],
      { key: grant.key },
      { acl: 'private' },
    ]))

    const upload = await postToBucket(grant, content)
    expect(upload.status).toBe(204)
    const done = await complete(app, grant.ticket)
    expect(done.statusCode).toBe(200)
    expect(done.json()).toEqual({ key: grant.key, size: content.length, contentType: 'image/png', etag: expect.stringMatching(/^"[0-9a-f]{32}"$/), location: null })
    expect(String(done.headers['set-cookie'])).toMatch(/^shipyard_upload_flash=/)
    expect((await getObjectBytes(client, bucket, grant.key)).equals(content)).toBe(true)
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: grant.key }))
    expect(head.Metadata).toEqual({ 'original-name': 'Straight%20Up.png' })
  })

  it('is refused by the bucket for another size or type, and completion then answers 409', async () => {
    const res = await presign(app, { filename: 'a.png', contentType: 'image/png', size: '1000' })
    const grant = res.json()
    expect((await postToBucket(grant, pngBytes(1001))).status).toBe(400)
    expect((await postToBucket({ ...grant, fields: { ...grant.fields, 'Content-Type': 'text/html' } }, pngBytes(1000))).status).toBe(403)
    expect(await objectKeys(client, bucket)).toEqual([])
    const done = await complete(app, grant.ticket)
    expect(done.statusCode).toBe(409)
    expect(done.json().code).toBe('SHIPYARD_S3_UPLOAD_INCOMPLETE')
  })

  it('deletes an upload whose bytes are not the declared type (415)', async () => {
    const text = Buffer.from('not a png at all')
    const grant = (await presign(app, { filename: 'x.png', contentType: 'image/png', size: String(text.length) })).json()
    expect((await postToBucket(grant, text)).status).toBe(204)
    const done = await complete(app, grant.ticket)
    expect(done.statusCode).toBe(415)
    expect(done.json().code).toBe('SHIPYARD_S3_TYPE_MISMATCH')
    expect(await objectKeys(client, bucket)).toEqual([])
  })

  it('refuses disallowed types (415), sizes over the limit (413), bad input (400), missing CSRF (403) and forged tickets (400)', async () => {
    const type = await presign(app, { filename: 'a.pdf', contentType: 'application/pdf', size: '10' })
    expect([type.statusCode, type.json().code]).toEqual([415, 'SHIPYARD_S3_TYPE_NOT_ALLOWED'])
    const size = await presign(app, { filename: 'a.png', contentType: 'image/png', size: String(MIB + 1) })
    expect([size.statusCode, size.json().code]).toEqual([413, 'SHIPYARD_S3_FILE_TOO_LARGE'])
    const bad = await presign(app, { filename: 'a.png', contentType: 'image/png', size: 'lots' })
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'SHIPYARD_S3_INVALID_DIRECT_UPLOAD'])
    const csrf = await presign(app, { filename: 'a.png', contentType: 'image/png', size: '10' }, { cookie: '', token: 'nope' })
    expect(csrf.statusCode).toBe(403)
    const forged = await complete(app, 'eyJrZXkiOiJ4In0.AAAA')
    expect([forged.statusCode, forged.json().code]).toEqual([400, 'SHIPYARD_S3_INVALID_DIRECT_UPLOAD'])
  })
})

describe('presigned PUT (stores without POST Object, such as R2)', () => {
  it('signs Content-Type and Content-Length; the completion check reports the object', async () => {
    const content = pngBytes(5000)
    const grant = (await presign(putApp, { filename: 'r.png', contentType: 'image/png', size: String(content.length) })).json()
    expect(grant).toMatchObject({ method: 'PUT', key: expect.stringMatching(/^r2\/[0-9a-f]{32}\.png$/), headers: { 'content-type': 'image/png' } })
    const query = new URL(grant.url).searchParams
    expect(query.get('X-Amz-SignedHeaders')).toBe('content-disposition;content-length;content-type;host')
    expect(query.get('x-amz-acl')).toBe('private')
    const wrong = await fetch(grant.url, { method: 'PUT', headers: { ...grant.headers, 'content-type': 'text/html' }, body: content })
    expect(wrong.status).toBe(403)
    const put = await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: content })
    expect(put.status).toBe(200)
    const done = await complete(putApp, grant.ticket)
    expect(done.statusCode).toBe(200)
    expect(done.json()).toMatchObject({ key: grant.key, size: content.length, contentType: 'image/png' })
  })
})

describe('CSP origins', () => {
  it('names the bucket origin the browser uploads to', async () => {
    expect(await app.s3Upload.cspOrigins()).toEqual([(s3Target(bucket) as { endpoint: string }).endpoint])
  })
})
