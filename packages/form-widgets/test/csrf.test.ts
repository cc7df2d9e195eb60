import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineForm, fields, type FormWidgetsOptions } from '../src/index.js'
import { buildApp, csrfFrom, SECRET, urlencoded } from './helpers.js'

const contact = defineForm({ email: fields.email({ required: true }), message: fields.textarea({ required: true }) })

let app: FastifyInstance
afterEach(async () => {
  vi.useRealTimers()
  await app?.close()
})

async function contactApp (options: Partial<FormWidgetsOptions> = {}) {
  app = await buildApp(options, (instance) => {
    instance.get('/', async (request, reply) => reply.type('text/html').send(request.form(contact).render()))
    instance.post('/', async (request, reply) => {
      const form = await request.bindForm(contact)
      if (!form.valid) return reply.code(422).type('text/html').send(form.render())
      return { ok: true, data: form.data }
    })
  })
}

function post (cookie: string, token: string, extra: Array<[string, string]> = [['email', 'ada@example.org'], ['message', 'Hello <world>']]) {
  return app.inject({ method: 'POST', url: '/', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: urlencoded([['_csrf', token], ...extra]) })
}

describe('CSRF', () => {
  it('an expired token re-renders the form with the input kept and a fresh token that then works (default max age 24 h)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
    await contactApp()
    const { cookie, token } = csrfFrom(await app.inject('/'))
    vi.setSystemTime(new Date('2026-01-01T23:59:00Z'))
    expect((await post(cookie, token)).statusCode).toBe(200)
    vi.setSystemTime(new Date('2026-01-02T00:00:01Z'))
    const expired = await post(cookie, token)
    expect(expired.statusCode).toBe(422)
    expect(expired.body).toContain('<div class="sy-form-errors" role="alert"><p>This form expired. Please check your entries and submit it again.</p></div>')
    expect(expired.body).toContain('value="ada@example.org"')
    expect(expired.body).toContain('>Hello &lt;world&gt;</textarea>')
    const fresh = csrfFrom(expired).token
    expect(fresh).not.toBe(token)
    const again = await post(cookie, fresh)
    expect(again.statusCode).toBe(200)
    expect(again.json().data).toEqual({ email: 'ada@example.org', message: 'Hello <world>' })
  })

  it('maxAge is configurable', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
    await contactApp({ csrf: { secret: SECRET, maxAge: 60_000 } })
    const { cookie, token } = csrfFrom(await app.inject('/'))
    vi.setSystemTime(new Date('2026-01-01T00:01:01Z'))
    expect((await post(cookie, token)).body).toContain('This form expired')
  })

  it('a token from the future is invalid (no minting far-future tokens)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-06-01T00:00:00Z'))
    await contactApp()
    const { cookie, token } = csrfFrom(await app.inject('/'))
    vi.setSystemTime(new Date('2026-05-31T23:00:00Z'))
    const res = await post(cookie, token)
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('SHIPYARD_FORM_CSRF_INVALID')
  })

  it('verifies with every configured secret and signs with the first (rotation)', async () => {
    const oldSecret = 'old-secret-old-secret-old-secret-0000'
    await contactApp({ csrf: { secret: oldSecret } })
    const { cookie, token } = csrfFrom(await app.inject('/'))
    await app.close()
    await contactApp({ csrf: { secret: [SECRET, oldSecret] } })
    expect((await post(cookie, token)).statusCode).toBe(200)
    await app.close()
    await contactApp({ csrf: { secret: SECRET } })
    expect((await post(cookie, token)).json().code).toBe('SHIPYARD_FORM_CSRF_INVALID')
  })

  it('with cookie: false tokens are purely stateless (no cookie set or needed)', async () => {
    await contactApp({ csrf: { secret: SECRET, cookie: false } })
    const page = await app.inject('/')
    expect(page.headers['set-cookie']).toBeUndefined()
    const { token } = csrfFrom(page)
    expect((await post('', token)).statusCode).toBe(200)
  })

  it('uses the configured field and cookie names, reuses an existing cookie, and marks the cookie Secure over https', async () => {
    await contactApp({ csrf: { secret: SECRET, fieldName: 'authenticity_token', cookie: { name: 'xsrf', sameSite: 'strict', path: '/forms' } } })
    const page = await app.inject('/')
    expect(page.headers['set-cookie']).toMatch(/^xsrf=[\w-]{24}; Path=\/forms; HttpOnly; SameSite=Strict$/)
    expect(page.body).toContain('name="authenticity_token"')
    const cookie = String(page.headers['set-cookie']).split(';')[0]!
    const second = await app.inject({ url: '/', headers: { cookie } })
    expect(second.headers['set-cookie']).toBeUndefined()
    await app.close()
    await contactApp({ csrf: { secret: SECRET, cookie: { secure: true } } })
    expect((await app.inject('/')).headers['set-cookie']).toContain('; Secure')
  })

  it('a form with csrf: false needs no token', async () => {
    const search = defineForm({ q: fields.search() }, { csrf: false })
    app = await buildApp({}, (instance) => {
      instance.get('/', async (request) => request.form(search).render())
      instance.post('/', async (request) => (await request.bindForm(search)).data)
    })
    const page = await app.inject('/')
    expect(page.body).not.toContain('_csrf')
    expect(page.headers['set-cookie']).toBeUndefined()
    const res = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'q=shoes' })
    expect(res.json()).toEqual({ q: 'shoes' })
  })

  it('request.csrfToken() gives a token for hand-written markup that the form accepts, with one cookie per request', async () => {
    app = await buildApp({}, (instance) => {
      instance.get('/', async (request, reply) => {
        const first = request.csrfToken()
        const second = request.csrfToken()
        reply.type('text/html').send(`<input type="hidden" name="_csrf" value="${first}"><!-- ${second} -->`)
      })
      instance.post('/', async (request, reply) => {
        const form = await request.bindForm(contact)
        return form.valid ? { ok: true } : reply.code(422).send({ ok: false })
      })
    })
    const page = await app.inject('/')
    expect(page.headers['set-cookie']).toMatch(/^shipyard_csrf=[\w-]{24}; Path=\/; HttpOnly; SameSite=Lax$/)
    const { cookie, token } = csrfFrom(page)
    const second = /<!-- (\S+) -->/.exec(page.body)![1]!
    expect(second).not.toBe(token)
    for (const t of [token, second]) expect((await post(cookie, t)).json()).toEqual({ ok: true })
    expect((await post('shipyard_csrf=AAAAAAAAAAAAAAAAAAAAAAAA', token)).json().code).toBe('SHIPYARD_FORM_CSRF_INVALID')
  })

  it('request.csrfToken() is undefined with CSRF off', async () => {
    app = await buildApp({ csrf: false }, (instance) => {
      instance.get('/', async (request) => ({ token: request.csrfToken() ?? null }))
    })
    const page = await app.inject('/')
    expect(page.json()).toEqual({ token: null })
    expect(page.headers['set-cookie']).toBeUndefined()
  })

  it('the CSRF cookie and cookies set with reply.setCookie() all reach the browser', async () => {
    app = await buildApp({}, (instance) => {
      instance.get('/', async (request, reply) => {
        reply.setCookie('theme', 'dark', { path: '/' })
        return reply.type('text/html').send(request.form(contact).render())
      })
      instance.post('/', async (request) => ({ valid: (await request.bindForm(contact)).valid }))
    })
    const page = await app.inject('/')
    const cookies = page.headers['set-cookie'] as string[]
    expect(cookies).toHaveLength(2)
    expect(cookies.some((c) => /^shipyard_csrf=[\w-]{24}; Path=\/; HttpOnly; SameSite=Lax$/.test(c))).toBe(true)
    expect(cookies.filter((c) => c.startsWith('theme=dark;'))).toHaveLength(1)
    const { token } = csrfFrom(page)
    const csrfCookie = cookies.find((c) => c.startsWith('shipyard_csrf='))!.split(';')[0]!
    expect((await post(csrfCookie, token)).json()).toEqual({ valid: true })
  })

  it('a cookie path or domain @fastify/cookie cannot serialise fails at register time', async () => {
    await expect(buildApp({ csrf: { secret: SECRET, cookie: { path: '/a;b' } } })).rejects.toMatchObject({ code: 'SHIPYARD_FORM_INVALID_OPTION', message: expect.stringContaining('"csrf.cookie"') })
    await expect(buildApp({ csrf: { secret: SECRET, cookie: { domain: 'bad domain' } } })).rejects.toMatchObject({ code: 'SHIPYARD_FORM_INVALID_OPTION' })
  })

  it('serialises the cookie right whatever its name and path contain', async () => {
    await contactApp({ csrf: { secret: SECRET, cookie: { name: 'COOKIEVALUE', path: '/COOKIEVALUE' } } })
    const page = await app.inject('/COOKIEVALUE/../')
    expect(page.headers['set-cookie']).toMatch(/^COOKIEVALUE=[\w-]{24}; Path=\/COOKIEVALUE; HttpOnly; SameSite=Lax$/)
  })
})
