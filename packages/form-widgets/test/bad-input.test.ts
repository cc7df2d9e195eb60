import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { defineForm, fields } from '../src/index.js'
import { buildApp, multipartBody, SECRET } from './helpers.js'

const plain = defineForm({ name: fields.text(), tags: fields.selectMultiple({ choices: ['a', 'b'] }) }, { csrf: false })
const withFile = defineForm({ name: fields.text(), file: fields.file() }, { csrf: false })

let app: FastifyInstance
afterEach(async () => { await app?.close() })

async function formApp (options: Parameters<typeof buildApp>[0] = {}) {
  app = await buildApp({ csrf: false, ...options }, (instance) => {
    instance.post('/plain', async (request) => {
      const form = await request.bindForm(plain)
      return { valid: form.valid }
    })
    instance.post('/file', async (request) => {
      const form = await request.bindForm(withFile)
      await form.data.file?.discard()
      return { valid: form.valid }
    })
  })
}

const mp = (boundary: string) => ({ 'content-type': `multipart/form-data; boundary=${boundary}` })

describe('bad input is a coded 4xx, never a 500', () => {
  it('oversized urlencoded body → 413 (Fastify FST_ERR_CTP_BODY_TOO_LARGE, limit from limits.bodySize)', async () => {
    await formApp({ limits: { bodySize: 1000 } })
    const res = await app.inject({ method: 'POST', url: '/plain', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `name=${'x'.repeat(2000)}` })
    expect(res.statusCode).toBe(413)
    expect(res.json().code).toBe('FST_ERR_CTP_BODY_TOO_LARGE')
  })

  it('wrong content type → 415 SHIPYARD_FORM_UNSUPPORTED_MEDIA_TYPE (or Fastify\'s own 415 when no parser exists)', async () => {
    await formApp()
    const json = await app.inject({ method: 'POST', url: '/plain', payload: { name: 'x' } })
    expect(json.statusCode).toBe(415)
    expect(json.json().code).toBe('SHIPYARD_FORM_UNSUPPORTED_MEDIA_TYPE')
    const text = await app.inject({ method: 'POST', url: '/plain', headers: { 'content-type': 'text/plain' }, payload: 'name=x' })
    expect(text.statusCode).toBe(415)
    expect(text.json().code).toBe('SHIPYARD_FORM_UNSUPPORTED_MEDIA_TYPE')
    const xml = await app.inject({ method: 'POST', url: '/plain', headers: { 'content-type': 'application/xml' }, payload: '<x/>' })
    expect(xml.statusCode).toBe(415)
    expect(xml.json().code).toBe('FST_ERR_CTP_INVALID_MEDIA_TYPE')
  })

  it('too many fields → 413 SHIPYARD_FORM_TOO_MANY_FIELDS (urlencoded and multipart)', async () => {
    await formApp({ limits: { fields: 5 } })
    const urlencoded = await app.inject({ method: 'POST', url: '/plain', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: Array.from({ length: 6 }, (_, i) => `tags=a&x${i}=1`).join('&') })
    expect(urlencoded.statusCode).toBe(413)
    expect(urlencoded.json().code).toBe('SHIPYARD_FORM_TOO_MANY_FIELDS')
    const body = multipartBody('b1', Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, value: 'v' })))
    const multipart = await app.inject({ method: 'POST', url: '/plain', headers: mp('b1'), payload: body })
    expect(multipart.statusCode).toBe(413)
    expect(multipart.json().code).toBe('SHIPYARD_FORM_TOO_MANY_FIELDS')
  })

  it('too many parts → 413 SHIPYARD_FORM_TOO_MANY_PARTS; too many files → 413 SHIPYARD_FORM_TOO_MANY_FILES', async () => {
    await formApp({ limits: { parts: 3, files: 1 } })
    const parts = await app.inject({ method: 'POST', url: '/plain', headers: mp('b2'), payload: multipartBody('b2', Array.from({ length: 4 }, (_, i) => ({ name: `f${i}`, value: 'v' }))) })
    expect(parts.statusCode).toBe(413)
    expect(parts.json().code).toBe('SHIPYARD_FORM_TOO_MANY_PARTS')
    const files = await app.inject({ method: 'POST', url: '/plain', headers: mp('b3'), payload: multipartBody('b3', [{ name: 'a', filename: 'a.txt', content: 'a' }, { name: 'b', filename: 'b.txt', content: 'b' }]) })
    expect(files.statusCode).toBe(413)
    expect(files.json().code).toBe('SHIPYARD_FORM_TOO_MANY_FILES')
  })

  it('a multipart field value over limits.fieldSize → 413 SHIPYARD_FORM_FIELD_TOO_LARGE', async () => {
    await formApp({ limits: { fieldSize: 100 } })
    const res = await app.inject({ method: 'POST', url: '/file', headers: mp('b4'), payload: multipartBody('b4', [{ name: 'name', value: 'x'.repeat(101) }]) })
    expect(res.statusCode).toBe(413)
    expect(res.json().code).toBe('SHIPYARD_FORM_FIELD_TOO_LARGE')
  })

  it('malformed multipart → 400 SHIPYARD_FORM_MALFORMED_BODY', async () => {
    await formApp()
    const noBoundary = await app.inject({ method: 'POST', url: '/plain', headers: { 'content-type': 'multipart/form-data' }, payload: 'garbage' })
    expect(noBoundary.statusCode).toBe(400)
    expect(noBoundary.json().code).toBe('SHIPYARD_FORM_MALFORMED_BODY')
    const truncated = await app.inject({ method: 'POST', url: '/plain', headers: mp('b5'), payload: '--b5\r\nContent-Disposition: form-data; name="name"\r\n\r\nAda' })
    expect(truncated.statusCode).toBe(400)
    expect(truncated.json().code).toBe('SHIPYARD_FORM_MALFORMED_BODY')
    const badHeader = await app.inject({ method: 'POST', url: '/plain', headers: mp('b6'), payload: `--b6\r\n${'X'.repeat(100)}\r\n\r\nvalue\r\n--b6--\r\n` })
    expect(badHeader.statusCode).toBeLessThan(500)
  })

  it('an empty multipart body is an empty form', async () => {
    await formApp()
    const res = await app.inject({ method: 'POST', url: '/plain', headers: mp('b7'), payload: '' })
    expect(res.statusCode).toBe(200)
  })
})

describe('options are validated at register time', () => {
  const cases: Array<[string, unknown]> = [
    ['"csrf" must be { secret } or false', {}],
    ['"csrf.secret" must be a string', { csrf: { secret: 'short' } }],
    ['"csrf.secret" must be a string', { csrf: { secret: [] } }],
    ['"csrf.maxAge" must be an integer', { csrf: { secret: SECRET, maxAge: 10 } }],
    ['"csrf.fieldName" must be a plain name', { csrf: { secret: SECRET, fieldName: 'a b' } }],
    ['"csrf.cookie.name" must be a cookie token', { csrf: { secret: SECRET, cookie: { name: 'a;b' } } }],
    ['"csrf.cookie.sameSite" must be lax, strict or none', { csrf: { secret: SECRET, cookie: { sameSite: 'sometimes' } } }],
    ['"csrf.cookie.secure" must be true, false or "auto"', { csrf: { secret: SECRET, cookie: { secure: 'yes' } } }],
    ['"limits".fileSize must be a positive integer', { csrf: false, limits: { fileSize: -1 } }],
    ['"limits".nope is not a known limit', { csrf: false, limits: { nope: 1 } }],
    ['"discardTimeout" must be a non-negative integer', { csrf: false, discardTimeout: 1.5 }],
  ]
  for (const [message, options] of cases) {
    it(message, async () => {
      const Fastify = (await import('fastify')).default
      const instance = Fastify()
      const { default: formWidgets } = await import('../src/index.js')
      await expect(instance.register(formWidgets, options as never).ready()).rejects.toMatchObject({ code: 'SHIPYARD_FORM_INVALID_OPTION', statusCode: 500, message: expect.stringContaining(message) })
      await instance.close()
    })
  }
})

describe('programming errors', () => {
  it('binding one multipart request twice is SHIPYARD_FORM_ALREADY_BOUND (the body can only be read once)', async () => {
    app = await buildApp({ csrf: false }, (instance) => {
      instance.post('/', async (request) => {
        await request.bindForm(plain)
        await request.bindForm(plain)
      })
    })
    const res = await app.inject({ method: 'POST', url: '/', headers: mp('b8'), payload: multipartBody('b8', [{ name: 'name', value: 'x' }]) })
    expect(res.statusCode).toBe(500)
    expect(res.json().code).toBe('SHIPYARD_FORM_ALREADY_BOUND')
  })
})

describe('body parsers', () => {
  it('uses @fastify/formbody, @fastify/multipart and @fastify/cookie registered by the application instead of registering them again', async () => {
    const Fastify = (await import('fastify')).default
    const { default: formWidgets } = await import('../src/index.js')
    const instance = Fastify()
    await instance.register((await import('@fastify/formbody')).default, { bodyLimit: 100 })
    await instance.register((await import('@fastify/multipart')).default)
    await instance.register((await import('@fastify/cookie')).default)
    await instance.register(formWidgets, { csrf: { secret: SECRET } })
    instance.post('/', async (request) => (await request.bindForm(plain)).data)
    const ok = await instance.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=a' })
    expect(ok.json()).toEqual({ name: 'a', tags: [] })
    // the application's formbody (bodyLimit 100) is the one in use
    const big = await instance.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `name=${'x'.repeat(200)}` })
    expect(big.statusCode).toBe(413)
    await instance.close()
  })

  it('with registerParsers: false and no @fastify/cookie, cookie-bound CSRF is refused at register time', async () => {
    const Fastify = (await import('fastify')).default
    const { default: formWidgets } = await import('../src/index.js')
    const instance = Fastify()
    await expect(instance.register(formWidgets, { csrf: { secret: SECRET }, registerParsers: false }).ready()).rejects.toMatchObject({ code: 'SHIPYARD_FORM_INVALID_OPTION', message: expect.stringContaining('needs @fastify/cookie') })
    await instance.close()
    const stateless = Fastify()
    await stateless.register(formWidgets, { csrf: { secret: SECRET, cookie: false }, registerParsers: false })
    stateless.post('/', async (request) => (await request.bindForm(plain)).data)
    // without formbody there is no urlencoded parser: Fastify answers 415 itself
    const res = await stateless.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=a' })
    expect(res.statusCode).toBe(415)
    await stateless.close()
  })
})
