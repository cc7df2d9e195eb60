import { writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { ZipEntry } from '../src/index.js'
import { buildApp, cleanTempDirs, get, listen, openFds, tempDir, unzipTest, waitFor } from './helpers.js'

/** An endless-looking source that makes its bytes only when asked, and counts them. */
function countingSource (size: number, counter: { produced: number, destroyed: boolean }): Readable {
  const chunk = Buffer.alloc(64 * 1024, 0x61)
  return new Readable({
    read () {
      const left = size - counter.produced
      if (left <= 0) return this.push(null)
      const part = left < chunk.length ? chunk.subarray(0, left) : chunk
      counter.produced += part.length
      this.push(part)
    },
    destroy (err, callback) {
      counter.destroyed = true
      callback(err)
    },
  })
}

describe('streaming', () => {
  let app: FastifyInstance
  afterEach(async () => {
    await app?.close()
    cleanTempDirs()
  })

  it('a client that stops reading stops the source (backpressure end to end)', async () => {
    const counter = { produced: 0, destroyed: false }
    const size = 1024 ** 3
    app = await buildApp({}, (app) => {
      app.get('/big.zip', (_req, reply) => reply.zip([{ name: 'big.bin', compression: 'store', size, stream: () => countingSource(size, counter) }]))
    })
    const url = await listen(app)
    const req = http.get(`${url}/big.zip`, { agent: false })
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve))
    expect(res.headers['content-length']).toBe(String(size + 30 + 7 + 16 + 46 + 7 + 9 + 22))
    res.pause()
    // Wait until production stalls, then make sure it stays stalled far below the archive size.
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    for (let last = -1, i = 0; i < 100 && (counter.produced === 0 || counter.produced !== last); i++) {
      last = counter.produced
      await sleep(100)
    }
    await sleep(300)
    const stalledAt = counter.produced
    expect(stalledAt).toBeLessThan(64 * 1024 * 1024)
    expect(counter.produced).toBe(stalledAt)
    // Reading again resumes production.
    let received = 0
    res.on('data', (c: Buffer) => { received += c.length })
    res.resume()
    expect(await waitFor(() => counter.produced > stalledAt + 32 * 1024 * 1024, 10_000)).toBe(true)
    req.destroy()
    expect(await waitFor(() => counter.destroyed)).toBe(true)
    expect(received).toBeGreaterThan(0)
  })

  it('opens each source only when its turn comes, with at most 2 archive fds open (500 files)', async () => {
    const dir = tempDir()
    const entries: ZipEntry[] = []
    for (let i = 0; i < 500; i++) {
      const path = join(dir, `file-${String(i).padStart(3, '0')}.bin`)
      writeFileSync(path, Buffer.alloc(16 * 1024 + i, i % 251))
      entries.push({ name: `files/${i}.bin`, path })
    }
    const order: string[] = []
    const lazy: ZipEntry[] = [0, 1, 2].map((i) => ({
      name: `lazy-${i}.txt`,
      stream: () => {
        order.push(`open ${i}`)
        const s = Readable.from([Buffer.from(`lazy ${i}`)])
        s.on('end', () => order.push(`end ${i}`))
        return s
      },
    }))
    app = await buildApp({ readHighWaterMark: 4096 }, (app) => {
      app.get('/many.zip', (_req, reply) => reply.zip([...lazy, ...entries], { compression: 'store' }))
    })
    const url = await listen(app)
    let maxOpen = 0
    let samples = 0
    const body = await new Promise<Buffer>((resolve, reject) => {
      http.get(`${url}/many.zip`, { agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => {
          chunks.push(c)
          samples++
          maxOpen = Math.max(maxOpen, openFds(dir))
        })
        res.on('end', () => resolve(Buffer.concat(chunks)))
      }).on('error', reject)
    })
    expect(order).toEqual(['open 0', 'end 0', 'open 1', 'end 1', 'open 2', 'end 2'])
    expect(samples).toBeGreaterThan(500)
    expect(maxOpen).toBeGreaterThanOrEqual(1)
    expect(maxOpen).toBeLessThanOrEqual(2)
    expect(await waitFor(() => openFds(dir) === 0)).toBe(true)
    await unzipTest(body)
  })

  it('sends an exact Content-Length when sizes are known and nothing is deflated', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'photo.jpg'), Buffer.alloc(200_000, 3))
    app = await buildApp({}, (app) => {
      app.get('/known.zip', (_req, reply) => reply.zip([
        { name: 'photo.jpg', path: join(dir, 'photo.jpg') },
        { name: 'clip.mp4', data: Buffer.alloc(5000, 1) },
        { name: 'notes.txt', data: 'stored by choice', compression: 'store' },
        { name: 'sized.bin', compression: 'store', size: 70_000, stream: () => Readable.from([Buffer.alloc(70_000, 9)]) },
        { name: 'empty/', directory: true },
      ]))
      app.get('/deflated.zip', (_req, reply) => reply.zip([{ name: 'notes.txt', data: 'deflated by default' }]))
      app.get('/unsized.zip', (_req, reply) => reply.zip([{ name: 'x.bin', compression: 'store', stream: () => Readable.from([Buffer.alloc(10)]) }]))
    })
    const url = await listen(app)
    const known = await get(`${url}/known.zip`)
    expect(known.complete).toBe(true)
    expect(Number(known.headers['content-length'])).toBe(known.body.length)
    expect(known.headers['transfer-encoding']).toBeUndefined()
    await unzipTest(known.body)
    for (const path of ['/deflated.zip', '/unsized.zip']) {
      const res = await get(url + path)
      expect(res.headers['content-length']).toBeUndefined()
      expect(res.headers['transfer-encoding']).toBe('chunked')
      expect(res.headers['accept-ranges']).toBe('none')
      await unzipTest(res.body)
    }
  })

  it('a client that leaves before the first byte still gets every source closed', async () => {
    const counters: Array<{ produced: number, destroyed: boolean }> = []
    app = await buildApp({}, (app) => {
      app.get('/slow.zip', (_req, reply) => reply.zip([{
        name: 'slow.mp4',
        size: 64 * 1024 * 1024,
        stream: async () => {
          await new Promise((resolve) => setTimeout(resolve, 150))
          const counter = { produced: 0, destroyed: false }
          counters.push(counter)
          return countingSource(64 * 1024 * 1024, counter)
        },
      }]))
    })
    const url = await listen(app)
    const req = http.get(`${url}/slow.zip`, { agent: false })
    req.on('error', () => {})
    await new Promise((resolve) => setTimeout(resolve, 30))
    req.destroy()
    expect(await waitFor(() => counters.length === 1 && counters[0]!.destroyed)).toBe(true)
    expect(counters[0]!.produced).toBeLessThan(64 * 1024 * 1024)
    expect((await get(`${url}/slow.zip`, { range: 'bytes=0-99' })).body.length).toBe(100)
  })

  it('answers HEAD with the GET headers without reading the sources', async () => {
    const counter = { produced: 0, destroyed: false }
    const size = 256 * 1024 * 1024
    app = await buildApp({}, (app) => {
      app.get('/h.zip', (_req, reply) => reply.zip([{ name: 'h.mp4', size, stream: () => countingSource(size, counter) }]))
    })
    const url = await listen(app)
    const head = await fetch(`${url}/h.zip`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(size)
    expect(head.headers.get('etag')).toMatch(/^"/)
    expect(await waitFor(() => counter.destroyed)).toBe(true)
    expect(counter.produced).toBeLessThan(16 * 1024 * 1024)
  })

  it('200 client aborts at random points close every source and fd; the server keeps serving', async () => {
    const dir = tempDir()
    const paths: string[] = []
    for (let i = 0; i < 8; i++) {
      const path = join(dir, `part-${i}.bin`)
      writeFileSync(path, Buffer.alloc(128 * 1024, i))
      paths.push(path)
    }
    const streams = { opened: 0, closed: 0 }
    const entries = (): ZipEntry[] => paths.flatMap((path, i) => [
      { name: `file-${i}.bin`, path },
      {
        name: `stream-${i}.bin`,
        size: 128 * 1024,
        stream: async () => {
          await new Promise((resolve) => setImmediate(resolve))
          streams.opened++
          const s = countingSource(128 * 1024, { produced: 0, destroyed: false })
          s.on('close', () => streams.closed++)
          return s
        },
      },
    ])
    app = await buildApp({ readHighWaterMark: 16 * 1024 }, (app) => {
      app.get('/a.zip', (_req, reply) => reply.zip(entries(), { compression: 'store' }))
    })
    const url = await listen(app)
    const full = await get(`${url}/a.zip`)
    const total = full.body.length
    await waitFor(() => streams.closed === streams.opened)
    const baseline = openFds()

    for (let i = 0; i < 200; i++) {
      const cutAt = Math.floor(Math.random() * total)
      await new Promise<void>((resolve) => {
        const req = http.get(`${url}/a.zip`, { agent: false }, (res) => {
          let seen = 0
          res.on('data', (c: Buffer) => {
            seen += c.length
            if (seen >= cutAt) req.destroy()
          })
          res.on('end', resolve)
        })
        req.on('error', () => {})
        req.on('close', resolve)
      })
    }
    expect(await waitFor(() => streams.closed === streams.opened && openFds(dir) === 0 && openFds() <= baseline, 10_000)).toBe(true)
    expect(streams.opened).toBeGreaterThan(200)
    const after = await get(`${url}/a.zip`)
    expect(after.body.equals(full.body)).toBe(true)
    await unzipTest(after.body)
  })
})
