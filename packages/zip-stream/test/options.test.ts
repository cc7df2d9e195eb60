import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import zipStream, { entriesFromDirectory, entriesFromRecord, errors, zipStream as named } from '../src/index.js'
import { buildApp, cleanTempDirs, tempDir, unzipList, unzipRead, unzipTest } from './helpers.js'

describe('register options', () => {
  it.each([
    [{ level: 10 }, '"level" must be an integer 0-9'],
    [{ level: 1.5 }, '"level"'],
    [{ compression: 'zstd' }, '"compression" must be one of auto, store, deflate'],
    [{ onSourceError: 'ignore' }, '"onSourceError"'],
    [{ duplicates: 'keep' }, '"duplicates"'],
    [{ defaultMtime: 'yesterday' }, '"defaultMtime"'],
    [{ readHighWaterMark: 10 }, '"readHighWaterMark"'],
    [{ ranges: 'yes' }, '"ranges"'],
    [{ nativeCrc32: 1 }, '"nativeCrc32"'],
  ])('rejects %j at register time', async (options, message) => {
    const app = Fastify()
    await expect(app.register(zipStream, options as never).ready()).rejects.toMatchObject({ code: 'SHIPYARD_ZIP_INVALID_OPTION', message: expect.stringContaining(message) })
    await app.close()
  })

  it('exports the plugin as default and named, and the errors', () => {
    expect(named).toBe(zipStream)
    expect(new errors.InvalidOption('x').statusCode).toBe(500)
  })

  it('rejects bad per-reply options with the same coded error', async () => {
    const app = await buildApp({}, (app) => {
      app.get('/z', (_req, reply) => reply.zip([], { level: -1 }))
    })
    const res = await app.inject('/z')
    expect(res.statusCode).toBe(500)
    expect(res.json()).toMatchObject({ code: 'SHIPYARD_ZIP_INVALID_OPTION' })
    await app.close()
  })
})

describe('entry helpers', () => {
  let app: FastifyInstance
  afterEach(async () => {
    await app.close()
    cleanTempDirs()
  })

  it('zips a { filename: content } record and a directory tree, in sorted order', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'sub/deeper'), { recursive: true })
    mkdirSync(join(dir, 'empty'))
    writeFileSync(join(dir, 'b.txt'), 'bee')
    writeFileSync(join(dir, 'a.txt'), 'ay')
    writeFileSync(join(dir, 'sub/deeper/c.bin'), Buffer.alloc(1000, 7))
    app = await buildApp({}, (app) => {
      app.get('/record', (_req, reply) => reply.zip(entriesFromRecord({ 'hello.txt': 'Hello', 'data/raw.bin': new Uint8Array([1, 2, 3]) })))
      app.get('/dir', (_req, reply) => reply.zip(entriesFromDirectory(dir, { prefix: 'site/' })))
    })
    const record = await app.inject('/record')
    expect(await unzipList(record.rawPayload)).toEqual(['hello.txt', 'data/raw.bin'])
    expect((await unzipRead(record.rawPayload, 'hello.txt')).toString()).toBe('Hello')
    const tree = await app.inject('/dir')
    await unzipTest(tree.rawPayload)
    expect(await unzipList(tree.rawPayload)).toEqual(['site/a.txt', 'site/b.txt', 'site/empty/', 'site/sub/', 'site/sub/deeper/', 'site/sub/deeper/c.bin'])
    expect(await unzipRead(tree.rawPayload, 'site/sub/deeper/c.bin')).toEqual(Buffer.alloc(1000, 7))
  })
})
