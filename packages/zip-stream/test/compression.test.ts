import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { shouldDeflate } from '../src/compression.js'
import type { ZipEntry, ZipReplyOptions } from '../src/index.js'
import { buildApp, cleanTempDirs, tempDir, unzipTest } from './helpers.js'

const run = promisify(execFile)

/** name → [method, compressed size] from `unzip -v`. */
async function methods (body: Buffer): Promise<Record<string, [string, number]>> {
  const file = join(tempDir(), 'a.zip')
  writeFileSync(file, body)
  const { stdout } = await run('unzip', ['-v', file])
  const result: Record<string, [string, number]> = {}
  for (const line of stdout.split('\n')) {
    const m = /^\s*\d+\s+(Stored|Defl:\w)\s+(\d+)\s+.*\s(\S+)$/.exec(line)
    if (m) result[m[3]!] = [m[1]!, Number(m[2])]
  }
  return result
}

// Text that deflates differently at level 1 and 9.
const text = Array.from({ length: 4000 }, (_, i) => `line ${i} ${(i * 7919) % 1000} ${'abcdefghij'.slice(i % 10)}`).join('\n')

describe('compression', () => {
  let app: FastifyInstance
  afterEach(async () => {
    await app?.close()
    cleanTempDirs()
  })

  it('auto stores already-compressed types by extension and deflates the rest', () => {
    for (const name of ['a.jpg', 'b.PNG', 'c.gif', 'd.webp', 'e.avif', 'f.zip', 'g.gz', 'h.bz2', 'i.xz', 'j.zst', 'k.7z', 'l.mp3', 'm.mp4', 'n.mov', 'o.webm', 'p.woff2']) {
      expect(shouldDeflate(name, 'auto', 6), name).toBe(false)
    }
    for (const name of ['a.txt', 'b.html', 'c.json', 'noext', 'd.svg', 'jpg']) expect(shouldDeflate(name, 'auto', 6), name).toBe(true)
    expect(shouldDeflate('a.jpg', 'deflate', 6)).toBe(true)
    expect(shouldDeflate('a.txt', 'store', 6)).toBe(false)
    expect(shouldDeflate('a.txt', 'deflate', 0)).toBe(false)
  })

  it('applies the reply, per-entry and level settings to the archive', async () => {
    const entries = (): ZipEntry[] => [
      { name: 'photo.jpg', data: Buffer.alloc(10_000) },
      { name: 'notes.txt', data: text },
      { name: 'forced.txt', data: text, compression: 'store' },
      { name: 'streamed.txt', stream: async () => (await import('node:stream')).Readable.from([text]) },
    ]
    app = await buildApp({}, (app) => {
      app.get('/:mode', (req, reply) => {
        const params = req.params as { mode: string }
        const options: Record<string, ZipReplyOptions> = {
          auto: {},
          store: { compression: 'store' },
          deflate: { compression: 'deflate' },
          fast: { level: 1 },
          best: { level: 9 },
          zero: { level: 0 },
        }
        return reply.zip(entries(), options[params.mode])
      })
    })
    const auto = await methods((await app.inject('/auto')).rawPayload)
    expect(auto['photo.jpg']![0]).toBe('Stored')
    expect(auto['notes.txt']![0]).toMatch(/^Defl/)
    expect(auto['streamed.txt']![0]).toMatch(/^Defl/)
    expect(auto['forced.txt']![0]).toBe('Stored')

    const store = await methods((await app.inject('/store')).rawPayload)
    expect(Object.values(store).map(([m]) => m)).toEqual(['Stored', 'Stored', 'Stored', 'Stored'])
    const deflate = await methods((await app.inject('/deflate')).rawPayload)
    expect(deflate['photo.jpg']![0]).toMatch(/^Defl/)
    expect(deflate['forced.txt']![0]).toBe('Stored')

    const fast = await methods((await app.inject('/fast')).rawPayload)
    const best = await methods((await app.inject('/best')).rawPayload)
    expect(best['notes.txt']![1]).toBeLessThan(fast['notes.txt']![1])
    expect(best['streamed.txt']![1]).toBeLessThan(fast['streamed.txt']![1])
    const zero = await methods((await app.inject('/zero')).rawPayload)
    expect(zero['notes.txt']![0]).toBe('Stored')
    await unzipTest((await app.inject('/best')).rawPayload)
  })
})
