import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { alpha, buildApp, removeTempDirs } from './helpers.js'

let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
  removeTempDirs()
})

const exportToken = 'export-token-export-token'

describe('prefix option', () => {
  it('serves every route and link under the prefix, and nothing at the root', async () => {
    app = (await buildApp({ prefix: '/welcome', exportToken })).app
    const headers = { host: 'alpha.test', ...alpha }
    const page = await app.inject({ url: '/welcome', headers })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('action="/welcome/signup"')
    expect(page.body).toContain('href="/welcome/landing.css"')
    expect((await app.inject({ url: '/', headers })).statusCode).toBe(404)
    expect((await app.inject({ url: '/welcome/landing.css', headers })).statusCode).toBe(200)

    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
    const cookie = String(page.headers['set-cookie']).split(';')[0]!
    const posted = await app.inject({
      method: 'POST',
      url: '/welcome/signup',
      headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: token, email: 'pre@fix.test' }).toString(),
    })
    expect(posted.statusCode).toBe(303)
    expect(posted.headers.location).toBe('/welcome/thanks')
    expect((await app.inject({ url: '/welcome/thanks', headers })).statusCode).toBe(200)

    const csv = await app.inject({ url: '/welcome/_landing/export.csv?site=alpha.test', headers: { authorization: `Bearer ${exportToken}` } })
    expect(csv.statusCode).toBe(200)
    const unsubscribe = csv.body.split('\r\n')[1]!.split(',').at(-1)!
    const button = await app.inject({ url: `/welcome/unsubscribe?token=${unsubscribe}`, headers })
    expect(button.statusCode).toBe(200)
    expect(button.body).toContain('action="/welcome/unsubscribe"')
    // errors under the prefixed admin path keep their JSON shape
    expect((await app.inject({ url: '/welcome/_landing/counts' })).json()).toMatchObject({ code: 'SHIPYARD_LANDING_UNAUTHORIZED' })
  })

  it('rejects a prefix that is not a plain path', async () => {
    for (const prefix of ['welcome', '/welcome/', '/a b', '/<x>']) {
      await expect(buildApp({ prefix })).rejects.toThrow(/"prefix" must be/)
    }
  })
})
