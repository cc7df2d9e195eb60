import { utimesSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { ZipEntry } from '../src/index.js'
import { resolveRange } from '../src/range.js'
import { buildApp, cleanTempDirs, get, listen, tempDir, unzipTest } from './helpers.js'

describe('resolveRange', () => {
  const etag = '"abc"'
  it('reads single byte ranges and ignores what it may ignore', () => {
    expect(resolveRange(undefined, undefined, etag, 1000)).toBeUndefined()
    expect(resolveRange('bytes=0-99', undefined, etag, 1000)).toEqual({ start: 0, end: 99 })
    expect(resolveRange('bytes=900-', undefined, etag, 1000)).toEqual({ start: 900, end: 999 })
    expect(resolveRange('bytes=900-5000', undefined, etag, 1000)).toEqual({ start: 900, end: 999 })
    expect(resolveRange('bytes=-100', undefined, etag, 1000)).toEqual({ start: 900, end: 999 })
    expect(resolveRange('bytes=-5000', undefined, etag, 1000)).toEqual({ start: 0, end: 999 })
    expect(resolveRange('bytes=0-1,5-6', undefined, etag, 1000)).toBeUndefined()
    expect(resolveRange('items=0-1', undefined, etag, 1000)).toBeUndefined()
    expect(resolveRange('bytes=5-1', undefined, etag, 1000)).toBeUndefined()
    expect(resolveRange('bytes=1000-', undefined, etag, 1000)).toBe('unsatisfiable')
    expect(resolveRange('bytes=-0', undefined, etag, 1000)).toBe('unsatisfiable')
    expect(resolveRange('bytes=10-', '"abc"', etag, 1000)).toEqual({ start: 10, end: 999 })
    expect(resolveRange('bytes=10-', '"old"', etag, 1000)).toBeUndefined()
    expect(resolveRange('bytes=10-', 'Wed, 21 Oct 2015 07:28:00 GMT', etag, 1000)).toBeUndefined()
  })
})

describe('resume', () => {
  let app: FastifyInstance
  afterEach(async () => {
    await app?.close()
    cleanTempDirs()
  })

  async function setup (): Promise<{ url: string, dir: string }> {
    const dir = tempDir()
    for (let i = 0; i < 6; i++) writeFileSync(join(dir, `${i}.bin`), Buffer.alloc(300_000 + i, i + 1))
    app = await buildApp({ readHighWaterMark: 16 * 1024 }, (app) => {
      const entries = (): ZipEntry[] => [
        { name: 'readme.txt', data: 'stored text', compression: 'store' },
        ...[0, 1, 2, 3, 4, 5].map((i) => ({ name: `data/${i}.bin`, path: join(dir, `${i}.bin`) })),
        { name: 'data/', directory: true },
      ]
      app.get('/r.zip', (_req, reply) => reply.zip(entries(), { compression: 'store' }))
      app.get('/deflated.zip', (_req, reply) => reply.zip(entries()))
      app.get('/no-ranges.zip', (_req, reply) => reply.zip(entries(), { compression: 'store' }))
    })
    return { url: await listen(app), dir }
  }

  it('sends deterministic bytes with a stable ETag that follows the entry list', async () => {
    const { url, dir } = await setup()
    const first = await get(`${url}/r.zip`)
    const second = await get(`${url}/r.zip`)
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/)
    expect(first.headers['accept-ranges']).toBe('bytes')
    expect(second.headers.etag).toBe(first.headers.etag)
    expect(second.body.equals(first.body)).toBe(true)
    await unzipTest(first.body)

    utimesSync(join(dir, '3.bin'), new Date('2020-01-01'), new Date('2020-01-01'))
    const touched = await get(`${url}/r.zip`)
    expect(touched.headers.etag).not.toBe(first.headers.etag)
    writeFileSync(join(dir, '3.bin'), Buffer.alloc(10))
    expect((await get(`${url}/r.zip`)).headers.etag).not.toBe(touched.headers.etag)
  })

  it('answers Range with 206 and resumes an interrupted download into a valid archive', async () => {
    const { url } = await setup()
    const full = await get(`${url}/r.zip`)
    const etag = full.headers.etag!
    const size = full.body.length

    const part = await get(`${url}/r.zip`, { range: 'bytes=1000-1999' })
    expect(part.status).toBe(206)
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${size}`)
    expect(part.headers['content-length']).toBe('1000')
    expect(part.body.equals(full.body.subarray(1000, 2000))).toBe(true)

    const tail = await get(`${url}/r.zip`, { range: 'bytes=-100' })
    expect(tail.body.equals(full.body.subarray(size - 100))).toBe(true)

    // A real interrupted download: the client cuts the connection mid-way, then resumes with If-Range.
    const cutAt = Math.floor(size * 0.6)
    const received = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = []
      let seen = 0
      const req = http.get(`${url}/r.zip`, { agent: false }, (res) => {
        res.on('data', (c: Buffer) => {
          chunks.push(c)
          seen += c.length
          if (seen >= cutAt) {
            req.destroy()
            resolve(Buffer.concat(chunks))
          }
        })
      })
      req.on('error', () => {})
    })
    expect(received.length).toBeLessThan(size)
    const rest = await get(`${url}/r.zip`, { range: `bytes=${received.length}-`, 'if-range': etag })
    expect(rest.status).toBe(206)
    const resumed = Buffer.concat([received, rest.body])
    expect(resumed.equals(full.body)).toBe(true)
    await unzipTest(resumed)
  })

  it('sends the whole archive when If-Range is stale or several ranges are asked; 416 beyond the end', async () => {
    const { url } = await setup()
    const full = await get(`${url}/r.zip`)
    const stale = await get(`${url}/r.zip`, { range: 'bytes=100-', 'if-range': '"stale"' })
    expect(stale.status).toBe(200)
    expect(stale.body.equals(full.body)).toBe(true)
    const multi = await get(`${url}/r.zip`, { range: 'bytes=0-1,4-5' })
    expect(multi.status).toBe(200)

    const beyond = await get(`${url}/r.zip`, { range: `bytes=${full.body.length}-` })
    expect(beyond.status).toBe(416)
    expect(beyond.headers['content-range']).toBe(`bytes */${full.body.length}`)
    expect(JSON.parse(beyond.body.toString())).toMatchObject({ code: 'SHIPYARD_ZIP_RANGE_NOT_SATISFIABLE' })
  })

  it('answers If-None-Match with 304 when the archive would be the same', async () => {
    const { url } = await setup()
    const full = await get(`${url}/r.zip`)
    const etag = full.headers.etag!
    const cached = await get(`${url}/r.zip`, { 'if-none-match': `"other", ${etag}` })
    expect(cached.status).toBe(304)
    expect(cached.headers.etag).toBe(etag)
    expect(cached.body.length).toBe(0)
    expect((await get(`${url}/r.zip`, { 'if-none-match': '"other"' })).status).toBe(200)
  })

  it('offers no ranges when the size is unknown (deflate) or ranges are off', async () => {
    const { url } = await setup()
    const deflated = await get(`${url}/deflated.zip`, { range: 'bytes=0-9' })
    expect(deflated.status).toBe(200)
    expect(deflated.headers.etag).toBeUndefined()
    expect(deflated.headers['accept-ranges']).toBe('none')
    await app.close()

    app = await buildApp({ ranges: false }, (app) => {
      app.get('/z', (_req, reply) => reply.zip([{ name: 'a.txt', data: 'a', compression: 'store' }]))
    })
    const res = await app.inject({ url: '/z', headers: { range: 'bytes=0-9' } })
    expect(res.statusCode).toBe(200)
    expect(res.headers.etag).toBeUndefined()
    expect(res.headers['content-length']).toBe(String(res.rawPayload.length))
  })
})
