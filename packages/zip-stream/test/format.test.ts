import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { ZipEntry } from '../src/index.js'
import { buildApp, cleanTempDirs, get, listen, unzipInfo, unzipList, unzipRead, unzipTest } from './helpers.js'

const ZIP64_EOCD = Buffer.from([0x50, 0x4b, 0x06, 0x06])
const ZIP64_LOCATOR = Buffer.from([0x50, 0x4b, 0x06, 0x07])

describe('archive format (checked with Info-ZIP unzip -t)', () => {
  let app: FastifyInstance
  afterEach(async () => {
    await app?.close()
    cleanTempDirs()
  })

  it('unicode names carry the UTF-8 flag; empty files and directories; classic headers when small', async () => {
    app = await buildApp({}, (app) => {
      app.get('/z', (_req, reply) => reply.zip([
        { name: 'répertoire/', directory: true },
        { name: 'répertoire/日本語.txt', data: 'こんにちは' },
        { name: 'emoji-😀.txt', data: '' },
        { name: 'empty.bin', data: Buffer.alloc(0), compression: 'store' },
        { name: 'nested/deep/', directory: true, mode: 0o750 },
        { name: 'script.sh', data: '#!/bin/sh\n', mode: 0o755 },
      ]))
    })
    const url = await listen(app)
    const { body } = await get(`${url}/z`)
    const report = await unzipTest(body)
    expect(report).toContain('No errors detected')
    expect(await unzipList(body)).toEqual(['répertoire/', 'répertoire/日本語.txt', 'emoji-😀.txt', 'empty.bin', 'nested/deep/', 'script.sh'])
    expect((await unzipRead(body, 'répertoire/日本語.txt')).toString()).toBe('こんにちは')
    const listing = await unzipInfo(body)
    expect(listing).toMatch(/^-rwxr-xr-x .* script\.sh$/m)
    expect(listing).toMatch(/^drwxr-x--- .* nested\/deep\/$/m)
    // general purpose flag bit 11 (language encoding) in the first local header
    expect(body.readUInt16LE(6) & 0x0800).toBe(0x0800)
    expect(body.includes(ZIP64_EOCD)).toBe(false)
    expect(body.includes(ZIP64_LOCATOR)).toBe(false)
  })

  it('switches to ZIP64 for more than 65 535 entries, and unzip -t accepts it', async () => {
    const count = 65_537
    const entries = function * (): Generator<ZipEntry> {
      for (let i = 0; i < count; i++) yield { name: `e/${i}`, data: '', compression: 'store' }
    }
    app = await buildApp({}, (app) => {
      app.get('/many.zip', (_req, reply) => reply.zip(entries()))
    })
    const url = await listen(app)
    // yazl alone rescans its entry list per entry (O(n²): ~8 s of CPU here); the entry window keeps it near
    // linear. CPU time rather than wall time, so a busy CI machine does not make this flaky.
    const cpuBefore = process.cpuUsage()
    const { body, headers } = await get(`${url}/many.zip`)
    const cpu = process.cpuUsage(cpuBefore)
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(4000)
    expect(Number(headers['content-length'])).toBe(body.length)
    expect(body.includes(ZIP64_EOCD)).toBe(true)
    const report = await unzipTest(body)
    expect(report).toContain('No errors detected')
    expect(report.match(/testing: /g)).toHaveLength(count)
  }, 60_000)
})
