import type { Readable } from 'node:stream'
import Fastify, { type FastifyReply } from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import zipStream, { entriesFromDirectory, entriesFromRecord, type ZipEntry, type ZipReplyOptions, type ZipStreamOptions } from '../src/index.js'

describe('types', () => {
  it('adds reply.zip() returning the reply', async () => {
    const app = Fastify()
    await app.register(zipStream, { compression: 'store', level: 9, onSourceError: 'skip', duplicates: 'rename', ranges: false })
    app.get('/', (_req, reply) => {
      expectTypeOf(reply.zip).parameter(0).toEqualTypeOf<Iterable<ZipEntry> | AsyncIterable<ZipEntry>>()
      expectTypeOf(reply.zip).parameter(1).toEqualTypeOf<ZipReplyOptions | undefined>()
      expectTypeOf(reply.zip([])).toEqualTypeOf<FastifyReply>()
      return reply.zip([{ name: 'a.txt', data: 'a' }], { filename: 'a.zip' })
    })
  })

  it('checks entry descriptors', () => {
    expectTypeOf<{ name: string, data: string }>().toExtend<ZipEntry>()
    expectTypeOf<{ name: string, data: Uint8Array, mtime: Date, mode: number, compression: 'store' }>().toExtend<ZipEntry>()
    expectTypeOf<{ name: string, path: string }>().toExtend<ZipEntry>()
    expectTypeOf<{ name: string, stream: () => Promise<Readable>, size: number }>().toExtend<ZipEntry>()
    expectTypeOf<{ name: string, directory: true }>().toExtend<ZipEntry>()
    expectTypeOf<{ name: string }>().not.toExtend<ZipEntry>()
    expectTypeOf<{ name: string, data: number }>().not.toExtend<ZipEntry>()
    expectTypeOf<{ name: string, path: string, compression: 'brotli' }>().not.toExtend<ZipEntry>()
    expectTypeOf(entriesFromRecord({ a: 'x' })).toExtend<Iterable<ZipEntry>>()
    expectTypeOf(entriesFromDirectory('.')).toExtend<AsyncIterable<ZipEntry>>()
  })

  it('checks options', () => {
    expectTypeOf<{ level: 5 }>().toExtend<ZipStreamOptions>()
    expectTypeOf<{ compression: 'zstd' }>().not.toExtend<ZipStreamOptions>()
    expectTypeOf<{ onSourceError: 'ignore' }>().not.toExtend<ZipReplyOptions>()
    // @ts-expect-error filename is per reply, not a plugin option
    const options: ZipStreamOptions = { filename: 'x.zip' }
    expectTypeOf(options).toEqualTypeOf<ZipStreamOptions>()
  })
})
