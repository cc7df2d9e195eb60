import type { FastifyInstance } from 'fastify'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkType, sniffType } from '../src/sniff.js'
import { buildApp, csrfFrom, multipartBody, multipartHeaders, pngBytes } from './helpers.js'

const pdf = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n')
const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)])

describe('sniffing', () => {
  it('detects binary types from the bytes and UTF-8 text without NULs', async () => {
    expect(await sniffType(pngBytes(100), true)).toEqual({ mime: 'image/png', ext: 'png' })
    expect(await sniffType(pdf, true)).toEqual({ mime: 'application/pdf', ext: 'pdf' })
    expect(await sniffType(Buffer.from('name,age\nZoë,7\n'), true)).toEqual({ mime: 'text/plain', ext: 'txt' })
    expect(await sniffType(Buffer.from([0x61, 0, 0x62]), true)).toBeUndefined()
    // A multi-byte character cut at the end of the sample is fine unless the file really ends there.
    expect(await sniffType(Buffer.from('ab\u00e9').subarray(0, 3), false)).toEqual({ mime: 'text/plain', ext: 'txt' })
    expect(await sniffType(Buffer.from('ab\u00e9').subarray(0, 3), true)).toBeUndefined()
  })

  it('accepts generic or agreeing declarations and refuses contradicting ones', () => {
    const png = { mime: 'image/png', ext: 'png' }
    const allowed = ['image/png', 'image/jpeg', 'text/plain']
    expect(checkType(png, 'application/octet-stream', '.png', allowed)).toBe(png)
    expect(checkType(png, '', '', allowed)).toBe(png)
    expect(checkType(png, 'IMAGE/PNG; charset=binary', '.PNG'.toLowerCase(), allowed)).toBe(png)
    expect(checkType({ mime: 'image/jpeg', ext: 'jpg' }, 'image/jpg', '.jpeg', allowed).mime).toBe('image/jpeg')
    expect(checkType({ mime: 'text/plain', ext: 'txt' }, 'text/csv', '.csv', allowed).mime).toBe('text/plain')
    expect(() => checkType(png, 'image/jpeg', '.png', allowed)).toThrow(expect.objectContaining({ code: 'SHIPYARD_S3_TYPE_MISMATCH', statusCode: 415 }))
    expect(() => checkType(png, 'image/png', '.jpg', allowed)).toThrow(expect.objectContaining({ code: 'SHIPYARD_S3_TYPE_MISMATCH' }))
    expect(() => checkType({ mime: 'text/plain', ext: 'txt' }, 'text/plain', '.html', allowed)).toThrow(expect.objectContaining({ code: 'SHIPYARD_S3_TYPE_MISMATCH' }))
    expect(() => checkType({ mime: 'application/pdf', ext: 'pdf' }, 'application/pdf', '.pdf', allowed)).toThrow(expect.objectContaining({ code: 'SHIPYARD_S3_TYPE_NOT_ALLOWED', statusCode: 415 }))
    expect(() => checkType(undefined, 'image/png', '.png', allowed)).toThrow(expect.objectContaining({ code: 'SHIPYARD_S3_TYPE_NOT_ALLOWED' }))
  })
})

describe('the POST route refuses bytes that are not what they claim', () => {
  let app: FastifyInstance
  let directory: string
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'sniff-'))
    app = await buildApp({ target: { type: 'filesystem', directory }, allowedTypes: ['image/png', 'text/plain'] })
  })
  afterAll(async () => {
    await app.close()
    await rm(directory, { recursive: true, force: true })
  })

  async function post (filename: string, type: string, content: Buffer) {
    const { cookie, token } = csrfFrom(await app.inject('/upload'))
    const body = multipartBody([{ name: '_csrf', value: token }, { name: 'file', filename, type, content }])
    return app.inject({ method: 'POST', url: '/upload', headers: multipartHeaders(body.length, cookie), payload: body })
  }

  it.each([
    ['a PNG declared as JPEG', 'photo.png', 'image/jpeg', pngBytes(5000), 'SHIPYARD_S3_TYPE_MISMATCH'],
    ['a PNG named .jpg', 'photo.jpg', 'image/png', pngBytes(5000), 'SHIPYARD_S3_TYPE_MISMATCH'],
    ['text declared as PNG', 'notes.png', 'image/png', Buffer.from('just text'), 'SHIPYARD_S3_TYPE_MISMATCH'],
    ['an executable', 'setup.png', 'image/png', exe, 'SHIPYARD_S3_TYPE_NOT_ALLOWED'],
    ['a PDF (not in allowedTypes)', 'doc.pdf', 'application/pdf', pdf, 'SHIPYARD_S3_TYPE_NOT_ALLOWED'],
  ])('415 for %s, storing nothing', async (_what, filename, type, content, code) => {
    const res = await post(filename, type, content)
    expect(res.statusCode).toBe(415)
    expect(res.json().code).toBe(code)
    expect(await readdir(directory, { recursive: true })).toEqual([])
  })

  it('stores the sniffed type, and takes the extension from the sniffed type when the name has none', async () => {
    const res = await post('screenshot', 'application/octet-stream', pngBytes(3000))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ contentType: 'image/png', key: expect.stringMatching(/^uploads\/[0-9a-f]{32}\.png$/), location: null })
    const text = await post('notes.txt', 'text/plain', Buffer.from('hello\n'))
    expect(text.json()).toMatchObject({ contentType: 'text/plain', size: 6 })
  })
})
