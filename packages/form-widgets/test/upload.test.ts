import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { defineForm, fields, type BoundForm, type FileHandle } from '../src/index.js'
import { buildApp, csrfFrom, deferred, multipartBody, multipartHead, RawClient } from './helpers.js'

const upload = defineForm({
  title: fields.text({ label: 'Title', required: true, maxLength: 100 }),
  document: fields.file({ label: 'Document', required: true, maxSize: 1024, accept: ['image/png', '.txt'] }),
}, { id: 'upload' })

const gallery = defineForm({
  album: fields.text({ required: true }),
  photos: fields.file({ required: true, maxFiles: 3, maxSize: 1000, accept: ['image/png'] }),
})

type Handler = (form: BoundForm<typeof upload.fields>, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>

let app: FastifyInstance
let port: number
let handler: Handler
let csrf: { cookie: string, token: string }
const clients: RawClient[] = []
async function connect () {
  const client = await RawClient.connect(port)
  clients.push(client)
  return client
}
const boundary = 'XyZBoundary123'

/** Collects what a pipeline writes, to check the bytes that reached the "S3" side. */
function sink () {
  const chunks: Buffer[] = []
  return { chunks, stream: new Writable({ write (chunk, _enc, cb) { chunks.push(chunk); cb() } }), get bytes () { return Buffer.concat(chunks) } }
}

beforeAll(async () => {
  app = await buildApp({ discardTimeout: 300 }, (instance) => {
    instance.get('/upload', async (request, reply) => reply.type('text/html').send(request.form(upload).render()))
    instance.post('/upload', async (request, reply) => handler(await request.bindForm(upload), request, reply))
    instance.get('/gallery', async (request) => request.form(gallery).render())
    instance.post('/gallery', async (request) => {
      const form = await request.bindForm(gallery)
      if (!form.valid) return { errors: form.errors }
      const received: Array<{ name: string, size: number }> = []
      for (let file: FileHandle | undefined = form.data.photos; file; file = await form.nextFile()) {
        // the second file is left unread on purpose: nextFile() discards it
        if (received.length === 1) {
          received.push({ name: file.filename, size: -1 })
          continue
        }
        const out = sink()
        await pipeline(file.stream, out.stream)
        received.push({ name: file.filename, size: out.bytes.length })
      }
      return { album: form.data.album, received }
    })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as import('node:net').AddressInfo).port
  csrf = csrfFrom(await app.inject('/upload'))
})
afterAll(async () => { await app.close() })
beforeEach(() => { handler = async () => { throw new Error('no handler set') } })
afterEach(() => { for (const client of clients.splice(0)) client.destroy() })

function head (token = csrf.token, title = 'Report') {
  return [{ name: '_csrf', value: token }, { name: 'title', value: title }]
}

describe('multipart upload form', () => {
  it('renders a multipart form with the file input last and an accept attribute', async () => {
    const page = await app.inject('/upload')
    expect(page.body).toContain('enctype="multipart/form-data"')
    expect(page.body).toContain('<input type="file" id="upload-document" name="document" class="sy-control" accept="image/png,.txt" data-max-size="1024" required>')
  })

  it('hands over the live file stream before the file has arrived and before any byte of it is consumed, after CSRF and the earlier fields were checked', async () => {
    const bound = deferred<{ valid: boolean, title: unknown, untouched: boolean }>()
    const content = Buffer.from('\x89PNG\r\n\x1a\n' + 'x'.repeat(900), 'latin1')
    handler = async (form, _request, reply) => {
      const file = form.data.document!
      // Not flowing, nothing piped, every received byte still buffered: nothing has been consumed.
      bound.resolve({ valid: form.valid, title: form.data.title, untouched: file.stream.readableFlowing === null && file.stream.readableLength === file.bytesRead && file.bytesRead < content.length })
      if (!form.valid) return reply.code(422).send(form.errors)
      const magic = await file.peek(8)
      const out = sink()
      await pipeline(file.stream, out.stream)
      return { magic: magic.toString('latin1'), size: out.bytes.length, sha: createHash('sha256').update(out.bytes).digest('hex'), filename: file.filename, mimetype: file.mimetype, bytesRead: file.bytesRead }
    }
    const body = multipartBody(boundary, [...head(), { name: 'document', filename: 'pic.png', type: 'image/png', content }])
    // The parser holds back a boundary's length of bytes, so send the part head and the first 100 bytes of the
    // file: bind must return with none of them consumed, while the other 800 are still unsent.
    const split = body.indexOf(content) + 100
    const client = await connect()
    await client.write(multipartHead('/upload', boundary, body.length, csrf.cookie) + body.subarray(0, split).toString('latin1'))
    expect(await bound.promise).toEqual({ valid: true, title: 'Report', untouched: true })
    await client.write(body.subarray(split))
    const res = await client.response()
    expect(res.status).toBe(200)
    // The whole body was read, so the connection stays open for the next request.
    expect(res.headers.connection).toBe('keep-alive')
    expect(JSON.parse(res.body)).toEqual({
      magic: '\x89PNG\r\n\x1a\n', size: content.length, sha: createHash('sha256').update(content).digest('hex'), filename: 'pic.png', mimetype: 'image/png', bytesRead: content.length,
    })
    client.destroy()
  })

  it('answers 403 on a bad CSRF token while the file is still being sent, without reading it, and closes the connection', async () => {
    let handlerRan = false
    handler = async () => { handlerRan = true }
    const content = Buffer.alloc(800, 1)
    const body = multipartBody(boundary, [...head('0.AAAAAAAAAAAAAAAA.' + 'A'.repeat(43)), { name: 'document', filename: 'a.png', type: 'image/png', content }])
    const client = await connect()
    await client.write(multipartHead('/upload', boundary, body.length, csrf.cookie) + body.subarray(0, body.indexOf(content) + 100).toString('latin1'))
    const res = await client.response()
    expect(res.status).toBe(403)
    expect(JSON.parse(res.body).code).toBe('SHIPYARD_FORM_CSRF_INVALID')
    expect(res.headers.connection).toBe('close')
    expect(handlerRan).toBe(false)
    await client.waitClosed()
  })

  it('fails the stream with SHIPYARD_FORM_FILE_TOO_LARGE as soon as the file crosses maxSize (413 before the body ends)', async () => {
    const seen = deferred<{ code: string, received: number }>()
    const out = sink()
    handler = async (form) => {
      try {
        await pipeline(form.data.document!.stream, out.stream)
      } catch (err) {
        seen.resolve({ code: (err as { code: string }).code, received: out.bytes.length })
        throw err
      }
    }
    const content = Buffer.alloc(5000, 7)
    const body = multipartBody(boundary, [...head(), { name: 'document', filename: 'big.txt', type: 'text/plain', content }])
    const client = await connect()
    // Send 2000 bytes of the 5000-byte file and stop: the 413 must not wait for the rest.
    await client.write(multipartHead('/upload', boundary, body.length, csrf.cookie) + body.subarray(0, body.indexOf(content) + 2000).toString('latin1'))
    const res = await client.response()
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body).code).toBe('SHIPYARD_FORM_FILE_TOO_LARGE')
    expect(res.headers.connection).toBe('close')
    const { code, received } = await seen.promise
    expect(code).toBe('SHIPYARD_FORM_FILE_TOO_LARGE')
    expect(received).toBeLessThanOrEqual(1024)
    await client.waitClosed()
  })

  it('peek() rejects with SHIPYARD_FORM_FILE_TOO_LARGE when the file crossed maxSize before it was handed over', async () => {
    const seen = deferred<string>()
    handler = async (form) => {
      try {
        await form.data.document!.peek(8)
        seen.resolve('no error')
      } catch (err) {
        seen.resolve((err as { code: string }).code)
        throw err
      }
    }
    // One write holds the whole 5000-byte file, so busboy has truncated it before bind returns.
    const body = multipartBody(boundary, [...head(), { name: 'document', filename: 'big.txt', type: 'text/plain', content: Buffer.alloc(5000, 1) }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: { cookie: csrf.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body })
    expect(await seen.promise).toBe('SHIPYARD_FORM_FILE_TOO_LARGE')
    expect(res.statusCode).toBe(413)
  })

  it('accepts a file of exactly maxSize bytes', async () => {
    handler = async (form) => {
      const out = sink()
      await pipeline(form.data.document!.stream, out.stream)
      return { size: out.bytes.length, truncated: form.data.document!.truncated }
    }
    const body = multipartBody(boundary, [...head(), { name: 'document', filename: 'ok.txt', type: 'text/plain', content: Buffer.alloc(1024, 3) }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: { cookie: csrf.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body })
    expect(res.json()).toEqual({ size: 1024, truncated: false })
  })

  it('reports a client disconnect as SHIPYARD_FORM_CLIENT_ABORTED on the file stream', async () => {
    const seen = deferred<string>()
    const started = deferred()
    handler = async (form) => {
      const out = new Writable({ write (_chunk, _enc, cb) { started.resolve(); cb() } })
      try {
        await pipeline(form.data.document!.stream, out)
      } catch (err) {
        seen.resolve((err as { code: string }).code)
        throw err
      }
    }
    const content = Buffer.alloc(1000, 5)
    const body = multipartBody(boundary, [...head(), { name: 'document', filename: 'a.txt', type: 'text/plain', content }])
    const client = await connect()
    await client.write(multipartHead('/upload', boundary, body.length, csrf.cookie) + body.subarray(0, body.indexOf(content) + 300).toString('latin1'))
    await started.promise
    client.destroy()
    expect(await seen.promise).toBe('SHIPYARD_FORM_CLIENT_ABORTED')
  })

  it('throws away a file the handler never reads: the response is not held up, the connection survives a complete body and is closed on a stalled one', async () => {
    handler = async (form) => ({ valid: form.valid })
    const content = Buffer.alloc(900, 9)
    const body = multipartBody(boundary, [...head(), { name: 'document', filename: 'a.txt', type: 'text/plain', content }])
    // Whole body sent: the unread file is dropped and the same connection serves the next request.
    const whole = await connect()
    await whole.write(multipartHead('/upload', boundary, body.length, csrf.cookie))
    await whole.write(body)
    const res = await whole.response()
    expect(res.status).toBe(200)
    expect(res.headers.connection).toBe('keep-alive')
    const next = deferred()
    whole.socket.once('data', () => next.resolve())
    await whole.write('GET /upload HTTP/1.1\r\nHost: localhost\r\n\r\n')
    await next.promise
    // Body stopped half-way: the response still arrives, asks to close, and the socket is cut after discardTimeout.
    const stalled = await connect()
    await stalled.write(multipartHead('/upload', boundary, body.length, csrf.cookie) + body.subarray(0, body.indexOf(content) + 10).toString('latin1'))
    const stalledRes = await stalled.response()
    expect(stalledRes.status).toBe(200)
    expect(stalledRes.headers.connection).toBe('close')
    await stalled.waitClosed()
    // The server is still healthy.
    expect((await app.inject('/upload')).statusCode).toBe(200)
  })

  it('peek() on a file shorter than asked returns what there is and leaves the stream whole', async () => {
    handler = async (form) => {
      const file = form.data.document!
      const head = await file.peek(64)
      const out = sink()
      await pipeline(file.stream, out.stream)
      return { head: head.toString(), all: out.bytes.toString() }
    }
    const body = multipartBody(boundary, [...head(), { name: 'document', filename: 'a.txt', type: 'text/plain', content: 'abc' }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: { cookie: csrf.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body })
    expect(res.json()).toEqual({ head: 'abc', all: 'abc' })
  })

  it('re-renders with errors for a disallowed type or a missing file, keeping the title and never the file', async () => {
    handler = async (form, _request, reply) => {
      if (form.valid) return { ok: true }
      return reply.code(422).type('text/html').send(form.render())
    }
    const wrongType = multipartBody(boundary, [...head(), { name: 'document', filename: 'evil.exe', type: 'application/x-msdownload', content: 'MZ' }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: { cookie: csrf.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: wrongType })
    expect(res.statusCode).toBe(422)
    expect(res.body).toContain('Document must be one of: image/png, .txt.')
    expect(res.body).toContain('value="Report"')
    expect(res.body).not.toContain('evil.exe')
    const emptyInput = multipartBody(boundary, [...head(), { name: 'document', filename: '', type: 'application/octet-stream', content: '' }])
    const res2 = await app.inject({ method: 'POST', url: '/upload', headers: { cookie: csrf.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: emptyInput })
    expect(res2.statusCode).toBe(422)
    expect(res2.body).toContain('Document is required.')
  })

  it('requires the CSRF token before the file: a token sent after it is missing (403)', async () => {
    handler = async () => ({ ok: true })
    const body = multipartBody(boundary, [{ name: 'title', value: 'T' }, { name: 'document', filename: 'a.txt', type: 'text/plain', content: 'hi' }, { name: '_csrf', value: csrf.token }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: { cookie: csrf.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body })
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('SHIPYARD_FORM_CSRF_MISSING')
  })

  it('ignores fields sent after the file: the form is bound from the fields before it', async () => {
    handler = async (form) => {
      await form.data.document?.discard()
      return { valid: form.valid, title: form.data.title ?? null }
    }
    const body = multipartBody(boundary, [{ name: '_csrf', value: csrf.token }, { name: 'document', filename: 'a.txt', type: 'text/plain', content: 'hi' }, { name: 'title', value: 'Late' }])
    const res = await app.inject({ method: 'POST', url: '/upload', headers: { cookie: csrf.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body })
    expect(res.json()).toEqual({ valid: false, title: null })
  })
})

describe('multipart upload form: broken bodies reach the file stream as coded 4xx errors', () => {
  it('a body that ends without its closing boundary fails the stream with SHIPYARD_FORM_MALFORMED_BODY (400)', async () => {
    const seen = deferred<string>()
    handler = async (form) => {
      try {
        await pipeline(form.data.document!.stream, sink().stream)
      } catch (err) {
        seen.resolve((err as { code: string }).code)
        throw err
      }
      seen.resolve('no error')
    }
    const full = multipartBody(boundary, [...head(), { name: 'document', filename: 'a.txt', type: 'text/plain', content: 'x'.repeat(500) }])
    const truncated = full.subarray(0, full.length - `--${boundary}--\r\n`.length - 2)
    const res = await app.inject({ method: 'POST', url: '/upload', headers: { cookie: csrf.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: truncated })
    expect(await seen.promise).toBe('SHIPYARD_FORM_MALFORMED_BODY')
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('SHIPYARD_FORM_MALFORMED_BODY')
  })
})

describe('multipart upload form: several files in one field (maxFiles)', () => {
  const png = (size: number) => Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(size - 8, 1)])
  const post = (parts: Parameters<typeof multipartBody>[1]) =>
    app.inject({ method: 'POST', url: '/gallery', headers: { cookie: csrf.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: multipartBody(boundary, [{ name: '_csrf', value: csrf.token }, { name: 'album', value: 'Trip' }, ...parts]) })

  it('renders a multiple file input and hands the files over one by one; fields between files are ignored', async () => {
    expect((await app.inject('/gallery')).body).toContain('accept="image/png" multiple data-max-size="1000" required>')
    const res = await post([
      { name: 'photos', filename: 'a.png', type: 'image/png', content: png(100) },
      { name: 'photos', filename: 'b.png', type: 'image/png', content: png(200) },
      { name: 'album', value: 'ignored' },
      { name: 'photos', filename: 'c.png', type: 'image/png', content: png(300) },
    ])
    expect(res.json()).toEqual({ album: 'Trip', received: [{ name: 'a.png', size: 100 }, { name: 'b.png', size: -1 }, { name: 'c.png', size: 300 }] })
  })

  it('more files than maxFiles → 413 SHIPYARD_FORM_TOO_MANY_FILES from nextFile()', async () => {
    const res = await post(['a', 'b', 'c', 'd'].map((n) => ({ name: 'photos', filename: `${n}.png`, type: 'image/png', content: png(50) })))
    expect(res.statusCode).toBe(413)
    expect(res.json().code).toBe('SHIPYARD_FORM_TOO_MANY_FILES')
  })

  it('a later file outside accept → 415 SHIPYARD_FORM_FILE_TYPE_REJECTED', async () => {
    const res = await post([
      { name: 'photos', filename: 'a.png', type: 'image/png', content: png(50) },
      { name: 'photos', filename: 'b.png', type: 'image/png', content: png(50) },
      { name: 'photos', filename: 'evil.svg', type: 'image/svg+xml', content: '<svg/>' },
    ])
    expect(res.statusCode).toBe(415)
    expect(res.json().code).toBe('SHIPYARD_FORM_FILE_TYPE_REJECTED')
  })
})
