import { GetObjectAclCommand, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { once } from 'node:events'
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, ceph, createBucket, csrfFrom, MIB, multipartBody, multipartHeaders, multipartUploads, pngBytes, s3Client, s3Target } from './helpers.js'

let client: S3Client
let bucket: string
let proxy: Server
let proxyUrl: string
const seen: Array<{ method: string, url: string, headers: IncomingHttpHeaders }> = []

beforeAll(async () => {
  client = s3Client()
  bucket = await createBucket(client, 'acl')
  // A pass-through proxy in front of Ceph that records each request's headers (Host is kept, so signatures hold).
  const upstream = new URL(ceph().endpoint)
  proxy = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers })
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers)
      answer.pipe(res)
    })
    req.pipe(forward)
  })
  proxy.listen(0, '127.0.0.1')
  await once(proxy, 'listening')
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
})
afterAll(async () => {
  proxy.close()
  client.destroy()
})

async function upload (app: FastifyInstance, size: number): Promise<string> {
  const { cookie, token } = csrfFrom(await app.inject('/upload'))
  const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: 'a.png', type: 'image/png', content: pngBytes(size) }])
  const res = await app.inject({ method: 'POST', url: '/upload', headers: multipartHeaders(body.length, cookie), payload: body })
  expect(res.statusCode).toBe(200)
  return res.json().key
}

const anonymousGet = (key: string) => fetch(`${ceph().endpoint}/${bucket}/${key}`)
// PutObject (a PUT that is not an UploadPart) and CreateMultipartUpload (POST ?uploads) carry the ACL.
const aclHeaders = () => seen
  .filter((r) => (r.method === 'PUT' && !r.url.includes('uploadId=')) || (r.method === 'POST' && /[?&]uploads\b/.test(r.url)))
  .map((r) => r.headers['x-amz-acl'])

describe('ACL', () => {
  it('is private by default: the header says so and anonymous reads are refused', async () => {
    const app = await buildApp({ target: s3Target(bucket, { endpoint: proxyUrl }) })
    seen.length = 0
    const key = await upload(app, 1000)
    expect(aclHeaders()).toEqual(['private'])
    expect((await anonymousGet(key)).status).toBe(403)
    await app.close()
  })

  it('sends the `acl` option (public-read, as in the seed) on single and multipart uploads', async () => {
    const app = await buildApp({ target: s3Target(bucket, { endpoint: proxyUrl }), acl: 'public-read' })
    seen.length = 0
    const small = await upload(app, 1000)
    const large = await upload(app, 6 * MIB)
    expect(aclHeaders()).toEqual(['public-read', 'public-read'])
    const read = await anonymousGet(small)
    expect(read.status).toBe(200)
    expect((await anonymousGet(large)).status).toBe(200)
    await app.close()
  })

  it('sends no ACL header with `acl: false` (buckets with ACLs disabled), and the object stays owner-only', async () => {
    const app = await buildApp({ target: s3Target(bucket, { endpoint: proxyUrl }), acl: false })
    seen.length = 0
    const key = await upload(app, 1000)
    expect(seen.some((r) => r.method === 'PUT')).toBe(true)
    expect(aclHeaders()).toEqual([undefined])
    const acl = await client.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }))
    expect(acl.Grants?.map((g) => g.Permission)).toEqual(['FULL_CONTROL'])
    expect((await anonymousGet(key)).status).toBe(403)
    expect(await multipartUploads(client, bucket)).toEqual([])
    await app.close()
  })
})
