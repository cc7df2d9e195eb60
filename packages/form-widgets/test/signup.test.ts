import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { defineForm, fields } from '../src/index.js'
import { buildApp, csrfFrom, urlencoded } from './helpers.js'

const signup = defineForm({
  email: fields.email({ label: 'Email', required: true, maxLength: 254 }),
  name: fields.text({ label: 'Name', maxLength: 100 }),
  consent: fields.checkbox({ label: 'I agree to be emailed', required: true }),
  website: fields.text({ label: 'Leave this empty', wrapperClass: 'hp', attrs: { tabindex: -1, autocomplete: 'off' } }),
}, { id: 'signup', submitLabel: 'Sign up' })

let app: FastifyInstance
afterEach(async () => { await app?.close() })

async function signupApp () {
  app = await buildApp({}, (instance) => {
    instance.get('/signup', async (request, reply) => reply.type('text/html').send(request.form(signup).render()))
    instance.post('/signup', async (request, reply) => {
      const form = await request.bindForm(signup)
      if (!form.valid) return reply.code(422).type('text/html').send(form.render())
      return { ok: true, data: form.data }
    })
  })
  const page = await app.inject('/signup')
  return csrfFrom(page)
}

describe('sign-up form (urlencoded)', () => {
  it('renders a form with the CSRF token as the first field and sets the CSRF cookie', async () => {
    const page = await (async () => { await signupApp(); return app.inject('/signup') })()
    expect(page.headers['set-cookie']).toMatch(/^shipyard_csrf=[A-Za-z0-9_-]{24}; Path=\/; HttpOnly; SameSite=Lax$/)
    expect(page.body).toMatch(/^<form id="signup" class="sy-form" method="post"><input type="hidden" name="_csrf" value="[^"]+">/)
    expect(page.body).toContain('<label class="sy-label" for="signup-email">Email</label><input type="email" id="signup-email" name="email" class="sy-control" maxlength="254" required>')
    expect(page.body).toContain('<input type="checkbox" id="signup-consent" name="consent" class="sy-control" required value="y"><label class="sy-label" for="signup-consent">I agree to be emailed</label>')
    expect(page.body).toContain('<button type="submit" class="sy-submit">Sign up</button></form>')
  })

  it('binds valid input to typed data', async () => {
    const { cookie, token } = await signupApp()
    const res = await app.inject({
      method: 'POST',
      url: '/signup',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded([['_csrf', token], ['email', ' ada@example.org '], ['consent', 'y'], ['website', ''], ['unknown', 'x']]),
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true, data: { email: 'ada@example.org', consent: true } })
  })

  it('re-renders invalid input with errors beside the fields and the values kept', async () => {
    const { cookie, token } = await signupApp()
    const res = await app.inject({
      method: 'POST',
      url: '/signup',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded([['_csrf', token], ['email', 'not-an-email'], ['name', 'Ada']]),
    })
    expect(res.statusCode).toBe(422)
    expect(res.body).toContain('<input type="email" id="signup-email" name="email" class="sy-control" maxlength="254" required aria-invalid="true" aria-describedby="signup-email-error" value="not-an-email"><p class="sy-error" id="signup-email-error"><span>Email must be a valid email address.</span></p>')
    expect(res.body).toContain('value="Ada"')
    expect(res.body).toContain('<span>Please tick “I agree to be emailed”.</span>')
  })

  it('answers 403 SHIPYARD_FORM_CSRF_MISSING without a token', async () => {
    const { cookie } = await signupApp()
    const noToken = await app.inject({ method: 'POST', url: '/signup', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'email=a%40b.c&consent=y' })
    expect(noToken.statusCode).toBe(403)
    expect(noToken.json().code).toBe('SHIPYARD_FORM_CSRF_MISSING')
    const emptyToken = await app.inject({ method: 'POST', url: '/signup', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: '_csrf=&email=a%40b.c&consent=y' })
    expect(emptyToken.json().code).toBe('SHIPYARD_FORM_CSRF_MISSING')
  })

  it('without the CSRF cookie (cleared, browser restarted) nothing is accepted: the form re-renders with a new cookie and token, input kept', async () => {
    const { token } = await signupApp()
    const noCookie = await app.inject({ method: 'POST', url: '/signup', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: urlencoded([['_csrf', token], ['email', 'a@b.c'], ['consent', 'y']]) })
    expect(noCookie.statusCode).toBe(422)
    expect(noCookie.body).toContain('This form expired.')
    expect(noCookie.body).toContain('value="a@b.c"')
    const fresh = csrfFrom(noCookie)
    expect(fresh.cookie).toMatch(/^shipyard_csrf=/)
    const again = await app.inject({ method: 'POST', url: '/signup', headers: { cookie: fresh.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: urlencoded([['_csrf', fresh.token], ['email', 'a@b.c'], ['consent', 'y']]) })
    expect(again.statusCode).toBe(200)
    // a malformed token without a cookie is still a 403
    const garbage = await app.inject({ method: 'POST', url: '/signup', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: urlencoded([['_csrf', 'garbage'], ['email', 'a@b.c'], ['consent', 'y']]) })
    expect(garbage.json().code).toBe('SHIPYARD_FORM_CSRF_INVALID')
  })

  it('answers 403 SHIPYARD_FORM_CSRF_INVALID for a forged token or a token minted for another cookie', async () => {
    const { cookie, token } = await signupApp()
    const other = csrfFrom(await app.inject('/signup'))
    for (const [useCookie, useToken] of [[cookie, token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA')], [cookie, other.token], [other.cookie, token], [cookie, 'garbage']]) {
      const res = await app.inject({ method: 'POST', url: '/signup', headers: { cookie: useCookie!, 'content-type': 'application/x-www-form-urlencoded' }, payload: urlencoded([['_csrf', useToken!], ['email', 'a@b.c'], ['consent', 'y']]) })
      expect(res.statusCode).toBe(403)
      expect(res.json().code).toBe('SHIPYARD_FORM_CSRF_INVALID')
    }
  })
})
