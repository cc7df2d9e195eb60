import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { ZipEntry } from '../src/index.js'
import { buildApp, cleanTempDirs, get, listen, tempDir, unzipList, unzipRead, unzipTest, waitFor } from './helpers.js'

/** Sends `before` bytes, then fails (once `failWhen` says so, e.g. when the response is under way). */
function failingSource (before: number, failWhen: () => boolean = () => true): Readable {
  let sent = false
  return new Readable({
    read () {
      if (!sent) {
        sent = true
        this.push(Buffer.alloc(before, 0x62))
      } else {
        waitFor(failWhen).then(() => this.destroy(new Error('disk on fire')), () => {})
      }
    },
  })
}

describe('source failures', () => {
  let app: FastifyInstance
  afterEach(async () => {
    await app?.close()
    cleanTempDirs()
  })

  it('abort (default): a failure mid-archive cuts the connection, never a valid-looking zip', async () => {
    const entries = (sized: boolean, reply: FastifyReply): ZipEntry[] => [
      { name: 'first.txt', data: 'fine' },
      { name: 'big.bin', data: Buffer.alloc(300_000, 1) },
      { name: 'broken.bin', compression: 'store', ...(sized ? { size: 500_000 } : {}), stream: () => failingSource(100_000, () => reply.raw.headersSent) },
      { name: 'last.txt', data: 'never reached' },
    ]
    app = await buildApp({}, (app) => {
      app.get('/sized.zip', (_req, reply) => reply.zip(entries(true, reply), { compression: 'store' }))
      app.get('/chunked.zip', (_req, reply) => reply.zip(entries(false, reply)))
    })
    const url = await listen(app)
    for (const path of ['/sized.zip', '/chunked.zip']) {
      const res = await get(url + path)
      expect(res.status).toBe(200)
      expect(res.complete).toBe(false)
      if (path === '/sized.zip') expect(res.body.length).toBeLessThan(Number(res.headers['content-length']))
      await expect(unzipTest(res.body)).rejects.toThrow()
    }
    // the server keeps serving
    expect((await get(`${url}/chunked.zip`)).status).toBe(200)
  })

  it('abort: a stream whose bytes do not match its declared size cuts the connection', async () => {
    app = await buildApp({}, (app) => {
      app.get('/short.zip', (_req, reply) => reply.zip([{ name: 'a.bin', compression: 'store', size: 200_000, stream: () => Readable.from([Buffer.alloc(100_000)]) }]))
      app.get('/long.zip', (_req, reply) => reply.zip([
        { name: 'first.bin', size: 100_000, stream: () => Readable.from([Buffer.alloc(100_000)]) },
        {
          name: 'a.bin',
          size: 100_000,
          stream: async () => {
            await waitFor(() => reply.raw.headersSent) // the response is under way
            return Readable.from([Buffer.alloc(60_000), Buffer.alloc(60_000)])
          },
        },
      ], { compression: 'store' }))
      app.get('/long-first.zip', (_req, reply) => reply.zip([{ name: 'a.bin', compression: 'store', size: 100_000, stream: () => Readable.from([Buffer.alloc(150_000)]) }]))
    })
    const url = await listen(app)
    for (const path of ['/short.zip', '/long.zip']) {
      const res = await get(url + path)
      expect(res.complete, path).toBe(false)
      // never a byte past the announced length
      expect(res.body.length).toBeLessThan(Number(res.headers['content-length']))
      await expect(unzipTest(res.body)).rejects.toThrow()
    }
    // before the first byte it is an ordinary error
    const first = await get(`${url}/long-first.zip`)
    expect(first.status).toBe(500)
    expect(JSON.parse(first.body.toString())).toMatchObject({ code: 'SHIPYARD_ZIP_SOURCE_FAILED' })
    expect((await get(`${url}/short.zip`)).status).toBe(200)
  })

  it('a failure before the first byte is a normal coded HTTP error', async () => {
    app = await buildApp({}, (app) => {
      app.get('/open-fails.zip', (_req, reply) => reply.zip([
        { name: 'a.txt', data: 'in memory first' },
        { name: 'b.txt', stream: () => { throw new Error('cannot open') } },
      ]))
      app.get('/read-fails.zip', (_req, reply) => reply.zip([{ name: 'b.txt', stream: () => failingSource(0) }]))
      app.get('/missing.zip', (_req, reply) => reply.zip([{ name: 'gone.txt', path: '/nonexistent/zip-stream/file' }]))
      app.get('/not-a-file.zip', (_req, reply) => reply.zip([{ name: 'dir', path: '/tmp' }]))
      app.get('/bad-stream.zip', (_req, reply) => reply.zip([{ name: 'b.txt', stream: () => 'text' as never }]))
    })
    const url = await listen(app)
    for (const [path, status, code] of [
      ['/open-fails.zip', 500, 'SHIPYARD_ZIP_SOURCE_FAILED'],
      ['/read-fails.zip', 500, 'SHIPYARD_ZIP_SOURCE_FAILED'],
      ['/bad-stream.zip', 500, 'SHIPYARD_ZIP_SOURCE_FAILED'],
      ['/missing.zip', 404, 'SHIPYARD_ZIP_SOURCE_NOT_FOUND'],
      ['/not-a-file.zip', 404, 'SHIPYARD_ZIP_SOURCE_NOT_FOUND'],
    ] as const) {
      const res = await get(url + path)
      expect(res.status, path).toBe(status)
      expect(res.headers['content-type']).toMatch(/application\/json/)
      // an error is not offered as a download
      expect(res.headers['content-disposition']).toBeUndefined()
      expect(JSON.parse(res.body.toString())).toMatchObject({ code })
    }
  })

  it('skip: failed entries are left out and listed in ERRORS.txt; the archive is valid', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'ok.txt'), 'from disk')
    app = await buildApp({ onSourceError: 'skip' }, (app) => {
      app.get('/z', (_req, reply) => reply.zip([
        { name: 'a.txt', data: 'alpha' },
        { name: 'midway.bin', stream: () => failingSource(200_000) },
        { name: 'ok.txt', path: join(dir, 'ok.txt') },
        { name: 'never-opened.txt', stream: async () => { throw new Error('permission denied') } },
        { name: 'missing.txt', path: join(dir, 'missing.txt') },
        { name: 'z.txt', data: 'zulu' },
      ]))
      app.get('/fine', (_req, reply) => reply.zip([{ name: 'a.txt', stream: () => Readable.from(['ok']) }]))
    })
    const url = await listen(app)
    const res = await get(`${url}/z`)
    expect(res.complete).toBe(true)
    expect(res.headers['content-length']).toBeUndefined()
    await unzipTest(res.body)
    expect(await unzipList(res.body)).toEqual(['a.txt', 'ok.txt', 'z.txt', 'ERRORS.txt'])
    const report = (await unzipRead(res.body, 'ERRORS.txt')).toString()
    expect(report).toContain('missing.txt: ENOENT')
    expect(report).toContain('midway.bin: disk on fire')
    expect(report).toContain('never-opened.txt: permission denied')
    expect((await unzipRead(res.body, 'ok.txt')).toString()).toBe('from disk')

    const fine = await get(`${url}/fine`)
    expect(await unzipList(fine.body)).toEqual(['a.txt'])
  })
})
