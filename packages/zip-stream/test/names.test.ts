import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { NameRegistry, normalizeEntryName } from '../src/names.js'
import { buildApp, cleanTempDirs, unzipList } from './helpers.js'

describe('normalizeEntryName', () => {
  it('turns backslashes into slashes and drops "." and empty segments', () => {
    expect(normalizeEntryName('a\\b\\c.txt', false)).toBe('a/b/c.txt')
    expect(normalizeEntryName('./a//b/./c.txt', false)).toBe('a/b/c.txt')
    expect(normalizeEntryName('docs', true)).toBe('docs/')
    expect(normalizeEntryName('docs/', true)).toBe('docs/')
    expect(normalizeEntryName('données/été.txt', false)).toBe('données/été.txt')
  })

  it.each([
    ['', 'empty name'],
    ['.', 'empty name'],
    ['/etc/passwd', 'absolute'],
    ['\\server\\share', 'absolute'],
    ['C:\\Windows\\x', 'drive letter'],
    ['c:x', 'drive letter'],
    ['a/../../b', '".."'],
    ['..', '".."'],
    ['a\\..\\b', '".."'],
    ['a\0b', 'NUL'],
    ['file/', 'cannot end with'],
  ])('rejects %j (%s) with SHIPYARD_ZIP_INVALID_NAME', (name, reason) => {
    let error: unknown
    try { normalizeEntryName(name, false) } catch (err) { error = err }
    expect(error).toMatchObject({ code: 'SHIPYARD_ZIP_INVALID_NAME', statusCode: 400 })
    expect((error as Error).message).toContain(reason)
  })

  it('rejects names that are not strings', () => {
    expect(() => normalizeEntryName(undefined, false)).toThrow(/empty name/)
    expect(() => normalizeEntryName(42, false)).toThrow(/empty name/)
  })
})

describe('NameRegistry', () => {
  it('rejects a duplicate by default', () => {
    const names = new NameRegistry('reject')
    names.claim('a.txt')
    expect(() => names.claim('a.txt')).toThrow(expect.objectContaining({ code: 'SHIPYARD_ZIP_DUPLICATE_NAME', statusCode: 409 }))
    // a directory and a file of the same name collide too
    names.claim('d/')
    expect(() => names.claim('d')).toThrow(/Duplicate/)
  })

  it('renames before the extension when asked', () => {
    const names = new NameRegistry('rename')
    expect(names.claim('a/report.tar.txt')).toBe('a/report.tar.txt')
    expect(names.claim('a/report.tar.txt')).toBe('a/report.tar (1).txt')
    expect(names.claim('a/report.tar.txt')).toBe('a/report.tar (2).txt')
    expect(names.claim('.env')).toBe('.env')
    expect(names.claim('.env')).toBe('.env (1)')
    expect(names.claim('dir/')).toBe('dir/')
    expect(names.claim('dir/')).toBe('dir (1)/')
  })
})

describe('names over HTTP', () => {
  let app: FastifyInstance
  afterEach(async () => {
    await app.close()
    cleanTempDirs()
  })

  it('answers a bad name with a coded 400 before any ZIP byte', async () => {
    let opened = false
    app = await buildApp({}, (app) => {
      app.get('/z', (_req, reply) => reply.zip([
        { name: 'ok.txt', stream: () => { opened = true; throw new Error('never') } },
        { name: '../escape.txt', data: 'x' },
      ]))
    })
    const res = await app.inject('/z')
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/json/)
    expect(res.json()).toMatchObject({ code: 'SHIPYARD_ZIP_INVALID_NAME' })
    expect(opened).toBe(false)
  })

  it('rejects duplicates with 409, or renames them with duplicates: "rename"', async () => {
    app = await buildApp({}, (app) => {
      const entries = () => [{ name: 'a.txt', data: '1' }, { name: 'a\\b.txt', data: '2' }, { name: 'a/b.txt', data: '3' }]
      app.get('/reject', (_req, reply) => reply.zip(entries()))
      app.get('/rename', (_req, reply) => reply.zip(entries(), { duplicates: 'rename' }))
    })
    const rejected = await app.inject('/reject')
    expect(rejected.statusCode).toBe(409)
    expect(rejected.json()).toMatchObject({ code: 'SHIPYARD_ZIP_DUPLICATE_NAME' })
    const renamed = await app.inject('/rename')
    expect(renamed.statusCode).toBe(200)
    expect(await unzipList(renamed.rawPayload)).toEqual(['a.txt', 'a/b.txt', 'a/b (1).txt'])
  })

  it('answers a malformed entry descriptor with a coded 400', async () => {
    app = await buildApp({}, (app) => {
      app.get('/z', (_req, reply) => reply.zip([{ name: 'x' } as never]))
      app.get('/mtime', (_req, reply) => reply.zip([{ name: 'x', data: 'x', mtime: new Date('nope') }]))
      app.get('/size', (_req, reply) => reply.zip([{ name: 'x', stream: () => { throw new Error('no') }, size: -1 }]))
    })
    for (const url of ['/z', '/mtime', '/size']) {
      const res = await app.inject(url)
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ code: 'SHIPYARD_ZIP_INVALID_ENTRY' })
    }
  })
})
