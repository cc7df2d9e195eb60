import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { contentDisposition } from '../src/content-disposition.js'
import { buildApp, cleanTempDirs, get, listen } from './helpers.js'

describe('contentDisposition', () => {
  it('quotes a plain ASCII name', () => {
    expect(contentDisposition('report.zip')).toBe('attachment; filename="report.zip"')
  })

  it('adds an ASCII fallback and filename* for a non-ASCII name (RFC 6266/5987)', () => {
    expect(contentDisposition('Über été 日本.zip')).toBe(
      'attachment; filename="Uber ete __.zip"; filename*=UTF-8\'\'%C3%9Cber%20%C3%A9t%C3%A9%20%E6%97%A5%E6%9C%AC.zip'
    )
  })

  it('never lets quotes, separators or control characters through', () => {
    expect(contentDisposition('a"b/c\\d\r\n.zip')).toBe('attachment; filename="a_b_c_d.zip"; filename*=UTF-8\'\'a%22b_c_d.zip')
    expect(contentDisposition('\n')).toBe('attachment; filename="download.zip"')
  })
})

describe('response headers', () => {
  let app: FastifyInstance
  afterEach(async () => {
    await app.close()
    cleanTempDirs()
  })

  it('sends application/zip and a UTF-8 download name over a real socket', async () => {
    app = await buildApp({}, (app) => {
      app.get('/z', (_req, reply) => reply.zip([{ name: 'a.txt', data: 'a' }], { filename: 'Résumé – 2024.zip' }))
      app.get('/plain', (_req, reply) => reply.zip([{ name: 'a.txt', data: 'a' }]))
    })
    const url = await listen(app)
    const res = await get(`${url}/z`)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/zip')
    expect(res.headers['content-disposition']).toBe('attachment; filename="Resume _ 2024.zip"; filename*=UTF-8\'\'R%C3%A9sum%C3%A9%20%E2%80%93%202024.zip')
    const decoded = decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(res.headers['content-disposition']!)![1]!)
    expect(decoded).toBe('Résumé – 2024.zip')
    expect((await get(`${url}/plain`)).headers['content-disposition']).toBe('attachment; filename="download.zip"')
  })
})
