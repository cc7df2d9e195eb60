import type { FastifyInstance } from 'fastify'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, csrfFrom, eventually, MIB, multipartBody, multipartHeaders, pngBytes, RawClient, requestHead } from './helpers.js'

let app: FastifyInstance
let directory: string
let port: number

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'fs-target-'))
  app = await buildApp({ target: { type: 'filesystem', directory, publicUrl: 'https://files.example/u/' }, maxFileSize: 2 * MIB, maxFiles: 2, keyPrefix: 'in/box' }, (instance) => {
    // A user's own route: no form, files streamed with the request decorator.
    instance.post('/api/files', async (request) => (await request.uploadFiles()).map((s) => s.key))
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as AddressInfo).port
})
afterEach(async () => {
  await rm(join(directory, 'in'), { recursive: true, force: true })
})
afterAll(async () => {
  await app.close()
  await rm(directory, { recursive: true, force: true })
})

const files = () => readdir(directory, { recursive: true }).then((list) => list.filter((f) => !['in', join('in', 'box')].includes(f)).sort())

describe('filesystem target', () => {
  it('writes the file below the directory with a sidecar, and needs no S3 (direct upload off)', async () => {
    const page = await app.inject('/upload')
    expect(page.body).not.toContain('data-presign')
    expect((await app.inject({ method: 'POST', url: '/upload/presign' })).statusCode).toBe(404)
    const { cookie, token } = csrfFrom(page)
    const content = pngBytes(100_000)
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: 'pic.png', type: 'image/png', content }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: multipartHeaders(body.length, cookie), payload: body })
    expect(res.statusCode).toBe(200)
    const { key, etag, location } = res.json()
    expect(key).toMatch(/^in\/box\/[0-9a-f]{32}\.png$/)
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/)
    expect(location).toBe(`https://files.example/u/${key}`)
    expect((await readFile(join(directory, key))).equals(content)).toBe(true)
    expect(JSON.parse(await readFile(join(directory, `${key}.meta.json`), 'utf8'))).toMatchObject({ contentType: 'image/png', metadata: { 'original-name': 'pic.png' } })
    expect(await app.s3Upload.target.head(key)).toEqual({ size: content.length, contentType: 'image/png', etag })
  })

  it('answers 413 once the limit is crossed and removes the partial file', async () => {
    const { cookie, token } = csrfFrom(await app.inject('/upload'))
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: 'big.png', type: 'image/png', content: pngBytes(20 * MIB) }])
    const raw = await RawClient.connect(port)
    await raw.write(requestHead('/upload', multipartHeaders(body.length, cookie)))
    // Not awaited: the server may close the connection before the kernel has taken all of it.
    raw.write(body.subarray(0, 3 * MIB)).catch(() => {})
    const res = await raw.response()
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body).code).toBe('SHIPYARD_S3_FILE_TOO_LARGE')
    expect(await files()).toEqual([])
    raw.destroy()
  })

  it('removes the partial file when the client disconnects', async () => {
    const { cookie, token } = csrfFrom(await app.inject('/upload'))
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename: 'cut.png', type: 'image/png', content: pngBytes(MIB + 1) }])
    const raw = await RawClient.connect(port)
    await raw.write(requestHead('/upload', multipartHeaders(body.length, cookie)))
    await raw.write(body.subarray(0, MIB))
    await eventually(async () => (await files()).some((f) => f.includes('.partial-')))
    raw.destroy()
    await eventually(async () => (await files()).length === 0)
  })

  it('request.uploadFiles() stores up to maxFiles files, and on one more answers 413 and deletes those already stored', async () => {
    const two = multipartBody([
      { name: 'a', filename: 'a.png', type: 'image/png', content: pngBytes(500) },
      { name: 'b', filename: 'b.txt', type: 'text/plain', content: 'hello' },
    ])
    const ok = await app.inject({ method: 'POST', url: '/api/files', headers: multipartHeaders(two.length, ''), payload: two })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toHaveLength(2)
    await rm(join(directory, 'in'), { recursive: true, force: true })

    const three = multipartBody([
      { name: 'a', filename: 'a.png', type: 'image/png', content: pngBytes(500) },
      { name: 'b', filename: 'b.png', type: 'image/png', content: pngBytes(500) },
      { name: 'c', filename: 'c.png', type: 'image/png', content: pngBytes(500) },
    ])
    const tooMany = await app.inject({ method: 'POST', url: '/api/files', headers: multipartHeaders(three.length, ''), payload: three })
    expect(tooMany.statusCode).toBe(413)
    expect(tooMany.json().code).toBe('SHIPYARD_S3_TOO_MANY_FILES')
    expect(await files()).toEqual([])

    const none = multipartBody([{ name: 'x', value: 'no file' }])
    const empty = await app.inject({ method: 'POST', url: '/api/files', headers: multipartHeaders(none.length, ''), payload: none })
    expect(empty.statusCode).toBe(400)
    expect(empty.json().code).toBe('SHIPYARD_S3_NO_FILE')
  })
})
