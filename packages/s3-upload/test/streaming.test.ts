import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { defineForm, fields } from '@shipyard/form-widgets'
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  buildApp, createBucket, csrfFrom, emptyBucket, eventually, getObjectBytes, MIB, multipartBody, multipartHeaders, multipartUploads,
  objectKeys, pngBytes, radosgwAdmin, RawClient, requestHead, s3Client, s3Target,
} from './helpers.js'

let client: S3Client
let bucket: string
let app: FastifyInstance
let port: number

beforeAll(async () => {
  client = s3Client()
  bucket = await createBucket(client, 'streaming')
  const avatarForm = defineForm({ name: fields.text({ required: true }), photo: fields.file({ required: true }) }, { id: 'avatar' })
  app = await buildApp({ target: s3Target(bucket), maxFileSize: 8 * MIB }, (instance) => {
    // A user's own route: form-widgets checks CSRF and the fields, the decorator streams the file.
    instance.post('/avatar', async (request, reply) => {
      const form = await request.bindForm(avatarForm)
      if (!form.valid) return reply.code(400).send(form.errors)
      const stored = await request.uploadFile(form.data.photo, { keyPrefix: 'avatars', allowedTypes: ['image/png'], maxFileSize: 100_000 })
      return { name: form.data.name, ...stored }
    })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as AddressInfo).port
})
afterEach(async () => {
  // Every test, failing or not, must leave no multipart upload behind.
  expect(await multipartUploads(client, bucket)).toEqual([])
  await emptyBucket(client, bucket)
})
afterAll(async () => {
  await app.close()
  client.destroy()
})

async function csrf () {
  return csrfFrom(await app.inject('/upload'))
}

describe('the upload form', () => {
  it('renders a multipart form with the CSRF token before the file field, and loads script and CSS from routes', async () => {
    const page = await app.inject('/upload')
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    const body = page.body
    expect(body).toContain('enctype="multipart/form-data"')
    expect(body.indexOf('name="_csrf"')).toBeLessThan(body.indexOf('type="file"'))
    expect(body).toContain('<script src="/upload/upload.js" defer></script>')
    expect(body).toContain('<link rel="stylesheet" href="/upload/upload.css">')
    expect(body).toContain('data-presign="/upload/presign"')
    // Nothing a strict CSP would block: no inline script or style, no event handler or style attributes.
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(body).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i)
    const script = await app.inject('/upload/upload.js')
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
    const css = await app.inject('/upload/upload.css')
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
  })
})

describe('POST streamed to S3', () => {
  it('answers JSON with key, size, sniffed type, etag and location, and stores the bytes, name and disposition', async () => {
    const { cookie, token } = await csrf()
    const content = pngBytes(300_000)
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: 'Holiday Ph\u006f\u0308to.PNG', type: 'application/octet-stream', content }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: multipartHeaders(body.length, cookie), payload: body })
    expect(res.statusCode).toBe(200)
    const json = res.json()
    expect(json).toEqual({ key: expect.stringMatching(/^uploads\/[0-9a-f]{32}\.png$/), size: content.length, contentType: 'image/png', etag: expect.stringMatching(/^"[0-9a-f]{32}"$/), location: `${s3Target(bucket).type === 's3' ? (s3Target(bucket) as { endpoint: string }).endpoint : ''}/${bucket}/${json.key}` })
    expect((await getObjectBytes(client, bucket, json.key)).equals(content)).toBe(true)
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: json.key }))
    expect(head.ContentType).toBe('image/png')
    expect(head.Metadata).toEqual({ 'original-name': 'Holiday%20Ph%C3%B6to.PNG' })
    expect(head.ContentDisposition).toBe('attachment; filename="Holiday Ph_to.PNG"; filename*=UTF-8\'\'Holiday%20Ph%C3%B6to.PNG')
  })

  it('streams a file larger than a part as a multipart upload and reports the ETag Ceph leaves empty on completion', async () => {
    const { cookie, token } = await csrf()
    const content = pngBytes(7 * MIB + 123)
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: 'big.png', type: 'image/png', content }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: multipartHeaders(body.length, cookie), payload: body })
    expect(res.statusCode).toBe(200)
    const json = res.json()
    expect(json.size).toBe(content.length)
    expect(json.etag).toMatch(/^"[0-9a-f]{32}-2"$/)
    expect((await getObjectBytes(client, bucket, json.key)).equals(content)).toBe(true)
  })

  it('redirects (303) browsers to the form, which shows the escaped flash once from a signed cookie', async () => {
    const { cookie, token } = await csrf()
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: '<img src=x onerror=alert(1)>&cat.png', type: 'image/png', content: pngBytes(1000) }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: multipartHeaders(body.length, cookie, 'text/html'), payload: body })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/upload')
    const flashCookie = (res.headers['set-cookie'] as string).split(';')[0]!
    expect(flashCookie).toMatch(/^shipyard_upload_flash=/)
    const [key] = await objectKeys(client, bucket)
    const page = await app.inject({ url: '/upload', headers: { cookie: `${cookie}; ${flashCookie}` } })
    expect(page.body).toContain(`&lt;img src=x onerror=alert(1)&gt;&amp;cat.png uploaded as ${key}`)
    expect(page.body).not.toContain('<img')
    // Read once: the GET clears it.
    expect(String(page.headers['set-cookie'])).toMatch(/shipyard_upload_flash=;/)
    // A forged (unsigned) flash is ignored.
    const forged = `shipyard_upload_flash=${Buffer.from(JSON.stringify({ kind: 'success', text: 'forged' })).toString('base64url')}.AAAA`
    expect((await app.inject({ url: '/upload', headers: { cookie: forged } })).body).not.toContain('forged')
  })
})

describe('request.uploadFile() from your own route', () => {
  it('streams a form-widgets file handle with per-call overrides', async () => {
    const { cookie, token } = await csrf()
    const content = pngBytes(50_000)
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'name', value: 'Ada' }, { name: 'photo', filename: 'me.png', type: 'image/png', content }])
    const res = await app.inject({ method: 'POST', url: '/avatar', headers: multipartHeaders(body.length, cookie), payload: body })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ name: 'Ada', key: expect.stringMatching(/^avatars\/[0-9a-f]{32}\.png$/), size: content.length, originalName: 'me.png' })
    expect((await getObjectBytes(client, bucket, res.json().key)).equals(content)).toBe(true)
    const big = multipartBody([{ name: '_csrf', value: token }, { name: 'name', value: 'Ada' }, { name: 'photo', filename: 'me.png', type: 'image/png', content: pngBytes(100_001) }])
    const refused = await app.inject({ method: 'POST', url: '/avatar', headers: multipartHeaders(big.length, cookie), payload: big })
    expect([refused.statusCode, refused.json().code]).toEqual([413, 'SHIPYARD_S3_FILE_TOO_LARGE'])
  })
})

describe('failures leave nothing behind', () => {
  it('answers 413 as soon as the file crosses maxFileSize, without reading the rest, after aborting the multipart upload', async () => {
    const { cookie, token } = await csrf()
    const content = pngBytes(40 * MIB)
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: 'huge.png', type: 'image/png', content }])
    const raw = await RawClient.connect(port)
    await raw.write(requestHead('/upload', multipartHeaders(body.length, cookie)))
    // 9 MiB: past the 8 MiB limit and past the first part (so a multipart upload exists), far from the 40 MiB end.
    // Not awaited: the server may close the connection before the kernel has taken all of it.
    raw.write(body.subarray(0, 9 * MIB)).catch(() => {})
    const res = await raw.response()
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body)).toMatchObject({ code: 'SHIPYARD_S3_FILE_TOO_LARGE' })
    expect(res.headers.connection).toBe('close')
    // The abort was awaited before the answer went out: nothing to poll for.
    expect(await multipartUploads(client, bucket)).toEqual([])
    expect(await objectKeys(client, bucket)).toEqual([])
    raw.destroy()
  })

  it('aborts the multipart upload when the client disconnects mid-upload', async () => {
    const { cookie, token } = await csrf()
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: 'gone.png', type: 'image/png', content: pngBytes(7 * MIB) }])
    const raw = await RawClient.connect(port)
    await raw.write(requestHead('/upload', multipartHeaders(body.length, cookie)))
    await raw.write(body.subarray(0, 6 * MIB))
    // Wait for the multipart upload to exist, so an empty list afterwards means it was aborted.
    await eventually(async () => (await multipartUploads(client, bucket)).length === 1)
    raw.destroy()
    await eventually(async () => (await multipartUploads(client, bucket)).length === 0)
    expect(await objectKeys(client, bucket)).toEqual([])
  })

  it('answers 403 on a bad CSRF token before reading the file, storing nothing', async () => {
    const { cookie } = await csrf()
    const body = multipartBody([{ name: '_csrf', value: 'forged' }, { name: 'file', filename: 'x.png', type: 'image/png', content: pngBytes(6 * MIB) }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: multipartHeaders(body.length, cookie), payload: body })
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toMatch(/^SHIPYARD_FORM_CSRF_/)
    expect(await objectKeys(client, bucket)).toEqual([])
  })

  it('answers 403 when the file comes before the CSRF token', async () => {
    const { cookie, token } = await csrf()
    const body = multipartBody([{ name: 'file', filename: 'x.png', type: 'image/png', content: pngBytes(1000) }, { name: '_csrf', value: token }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: multipartHeaders(body.length, cookie), payload: body })
    expect(res.statusCode).toBe(403)
    expect(await objectKeys(client, bucket)).toEqual([])
  })

  it('answers 400 SHIPYARD_S3_NO_FILE when the file input was left empty', async () => {
    const { cookie, token } = await csrf()
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: '', content: '' }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: multipartHeaders(body.length, cookie), payload: body })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('SHIPYARD_S3_NO_FILE')
  })

  it('answers 415 SHIPYARD_S3_NOT_MULTIPART to a non-multipart POST', async () => {
    const res = await app.inject({ method: 'POST', url: '/upload', headers: { 'content-type': 'application/json', accept: 'application/json' }, payload: '{}' })
    expect(res.statusCode).toBe(415)
    expect(res.json().code).toBe('SHIPYARD_S3_NOT_MULTIPART')
  })
})

describe('an S3 error mid-upload', () => {
  let quotaBucket: string
  let quotaApp: FastifyInstance
  const logs: string[] = []
  beforeAll(async () => {
    quotaBucket = await createBucket(client, 'quota')
    // A 4 MiB bucket quota: CreateMultipartUpload succeeds, the first 5 MiB part fails with QuotaExceeded (403).
    await radosgwAdmin('quota', 'set', '--quota-scope=bucket', `--bucket=${quotaBucket}`, '--max-size=4194304')
    await radosgwAdmin('quota', 'enable', '--quota-scope=bucket', `--bucket=${quotaBucket}`)
    quotaApp = await buildApp({ target: s3Target(quotaBucket), maxFileSize: 64 * MIB }, undefined, logs)
  })
  afterAll(async () => { await quotaApp.close() })

  it('answers 502 SHIPYARD_S3_STORE_FAILED naming the S3 error, after aborting the multipart upload', async () => {
    const { cookie, token } = csrfFrom(await quotaApp.inject('/upload'))
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: 'q.png', type: 'image/png', content: pngBytes(30 * MIB) }])
    const res = await quotaApp.inject({ method: 'POST', url: '/upload', headers: multipartHeaders(body.length, cookie), payload: body })
    expect(res.statusCode).toBe(502)
    expect(res.json()).toMatchObject({ code: 'SHIPYARD_S3_STORE_FAILED', message: expect.stringContaining('QuotaExceeded (HTTP 403)') })
    expect(await multipartUploads(client, quotaBucket)).toEqual([])
    expect(await objectKeys(client, quotaBucket)).toEqual([])
    // The failure is logged (at trace level everything is), and the credentials never are.
    expect(logs.join('')).toContain('SHIPYARD_S3_STORE_FAILED')
    const { credentials } = s3Target(quotaBucket) as { credentials: { accessKeyId: string, secretAccessKey: string } }
    expect(logs.join('')).not.toContain(credentials.secretAccessKey)
    expect(logs.join('')).not.toContain(credentials.accessKeyId)
  })
})
