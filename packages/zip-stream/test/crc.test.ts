import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import zlib from 'node:zlib'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { activeCrc32, javascriptCrc32, nativeCrc32 } from '../src/crc.js'
import zipStream from '../src/index.js'
import { cleanTempDirs, unzipTest } from './helpers.js'

describe('native CRC-32 for yazl', () => {
  it('is available on this Node and agrees with buffer-crc32, chunk by chunk', () => {
    expect(typeof zlib.crc32).toBe('function')
    expect(nativeCrc32).toBeTypeOf('function')
    const data = randomBytes(1_000_003)
    expect(nativeCrc32!(data)).toBe(javascriptCrc32(data))
    let js = 0
    let native = 0
    for (let at = 0; at < data.length; at += 65_537) {
      const chunk = data.subarray(at, at + 65_537)
      js = javascriptCrc32(chunk, js)
      native = nativeCrc32!(chunk, native)
      expect(native).toBe(js)
    }
    expect(nativeCrc32!(Buffer.alloc(0))).toBe(0)
    expect(nativeCrc32!('héllo')).toBe(javascriptCrc32('héllo'))
    // values with the top bit set survive as unsigned
    const high = Buffer.from('The quick brown fox jumps over the lazy dog')
    expect(nativeCrc32!(high)).toBe(0x414fa339)
    expect(javascriptCrc32(high)).toBe(0x414fa339)
  })

  it('is what yazl calls once the plugin is registered, and archives stay valid', async () => {
    const app = Fastify()
    await app.register(zipStream)
    app.get('/z', (_req, reply) => reply.zip([{ name: 'a.bin', compression: 'store', stream: async () => (await import('node:stream')).Readable.from([randomBytes(300_000)]) }]))
    expect(activeCrc32()).toBe(nativeCrc32)
    // Prove the replaced function is the one yazl really calls: count calls through it for one archive.
    const bufferCrc32 = createRequire(createRequire(import.meta.url).resolve('yazl'))('buffer-crc32') as { unsigned: typeof javascriptCrc32 }
    let calls = 0
    bufferCrc32.unsigned = (data, previous) => {
      calls++
      return nativeCrc32!(data, previous)
    }
    try {
      const res = await app.inject('/z')
      await unzipTest(res.rawPayload)
    } finally {
      bufferCrc32.unsigned = nativeCrc32!
    }
    expect(calls).toBeGreaterThan(0)
    await app.close()
    cleanTempDirs()
  })
})
