import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { csvCell, signLinkToken, signupsCsv } from '../src/index.js'
import { alpha, buildApp, removeTempDirs, secret, signUp } from './helpers.js'

const exportToken = 'export-token-0123456789'
let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
  removeTempDirs()
})

async function start (options: Parameters<typeof buildApp>[0] = {}) {
  app = (await buildApp({ exportToken, rateLimit: { perIp: false }, ...options })).app
  return app
}

const auth = { authorization: `Bearer ${exportToken}` }

/** A small RFC 4180 parser, to read back what the export wrote. */
function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++ } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(cell); cell = '' } else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++ } else cell += c
  }
  return rows
}

describe('export', () => {
  it('streams RFC 4180 CSV of the active sign-ups of one site, neutralising formulas', async () => {
    await start()
    const named = { 'x-landing-collect-name': 'yes' }
    await signUp(app!, { email: 'plain@example.com', name: 'Plain' }, { headers: named })
    await signUp(app!, { email: 'formula@example.com', name: '=HYPERLINK("http://evil","x")' }, { headers: named })
    await signUp(app!, { email: 'plus@example.com', name: '+1, "quoted"\nnext line' }, { headers: named })
    await signUp(app!, { email: 'other@example.com' }, { host: 'beta.test', headers: { 'x-landing-title': 'Beta', 'x-landing-email': 'b@beta.test' } })
    const res = await app!.inject({ url: '/_landing/export.csv?site=alpha.test', headers: { host: 'admin.test', ...auth } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present')
    expect(res.headers['content-disposition']).toBe('attachment; filename="signups-alpha.test.csv"')
    expect(res.body.endsWith('\r\n')).toBe(true)
    const rows = parseCsv(res.body)
    expect(rows[0]).toEqual(['email', 'name', 'signed_up_at', 'confirmed_at', 'locale', 'consent_given', 'consent_text_sha256', 'user_agent', 'ip', 'ip_hashed', 'unsubscribe_token'])
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['plain@example.com', 'Plain'],
      ['formula@example.com', '\'=HYPERLINK("http://evil","x")'],
      ['plus@example.com', '\'+1, "quoted"\nnext line'],
    ])
    expect(rows.every((r) => r.length === 11)).toBe(true)
  })

  it('neutralises every formula prefix', () => {
    expect(['=1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', 'a=1'].map(csvCell)).toEqual(["'=1", "'+1", "'-1", "'@SUM(A1)", "'\t=1", "\"'\r=1\"", 'a=1'])
  })

  it('streams large exports page by page', async () => {
    await start()
    await Promise.all(Array.from({ length: 1200 }, (_, i) => app!.landing.store.insert({ id: `id${i}`, site: 'big.test', email: `u${i}@example.com`, name: null, locale: 'en', status: 'active', createdAt: new Date(), consentGiven: false, consentTextHash: 'x', userAgent: null, ip: null, ipHashed: false })))
    const chunks: string[] = []
    for await (const chunk of signupsCsv(app!.landing.store, 'big.test', secret)) chunks.push(chunk)
    expect(chunks.length).toBeGreaterThan(3)
    expect(chunks.join('').split('\r\n').length - 2).toBe(1200)
  })

  it('needs the bearer token (401) and a valid site (400)', async () => {
    await start()
    const none = await app!.inject({ url: '/_landing/export.csv?site=alpha.test' })
    expect(none.statusCode).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer realm="shipyard-landing"')
    expect(none.json()).toMatchObject({ code: 'SHIPYARD_LANDING_UNAUTHORIZED' })
    expect((await app!.inject({ url: '/_landing/counts', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401)
    const bad = await app!.inject({ url: '/_landing/export.csv?site=../x', headers: auth })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 'SHIPYARD_LANDING_INVALID_EXPORT_QUERY' })
  })

  it('has no export routes without a token', async () => {
    app = (await buildApp()).app
    expect((await app.inject({ url: '/_landing/counts', headers: auth })).statusCode).toBe(404)
  })

  it('counts per site', async () => {
    await start()
    await signUp(app!, { email: 'a@example.com' })
    await signUp(app!, { email: 'b@example.com' })
    const res = await app!.inject({ url: '/_landing/counts', headers: auth })
    expect(res.json()).toEqual({ sites: [{ site: 'alpha.test', active: 2, pending: 0, unsubscribed: 0 }] })
  })
})

describe('unsubscribe', () => {
  it('a signed link shows a button; the POST unsubscribes and the row leaves the export', async () => {
    await start()
    await signUp(app!, { email: 'leave@example.com' })
    await signUp(app!, { email: 'stay@example.com' })
    const csv = parseCsv((await app!.inject({ url: '/_landing/export.csv?site=alpha.test', headers: auth })).body)
    const token = csv.find((r) => r[0] === 'leave@example.com')![10]!
    const headers = { host: 'alpha.test', ...alpha }
    const page = await app!.inject({ url: `/unsubscribe?token=${encodeURIComponent(token)}`, headers })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<form method="post" action="/unsubscribe">')
    expect((await app!.landing.store.counts())[0]).toMatchObject({ active: 2, unsubscribed: 0 })
    const done = await app!.inject({ method: 'POST', url: '/unsubscribe', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${encodeURIComponent(token)}` })
    expect(done.statusCode).toBe(200)
    expect(done.body).toContain('You are unsubscribed')
    // repeated: same answer
    const again = await app!.inject({ method: 'POST', url: '/unsubscribe', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${encodeURIComponent(token)}` })
    expect(again.statusCode).toBe(200)
    const after = parseCsv((await app!.inject({ url: '/_landing/export.csv?site=alpha.test', headers: auth })).body)
    expect(after.slice(1).map((r) => r[0])).toEqual(['stay@example.com'])
    expect((await app!.landing.store.counts())[0]).toMatchObject({ active: 1, unsubscribed: 1 })
  })

  it('supports RFC 8058 one-click (token in the URL, POST body List-Unsubscribe=One-Click)', async () => {
    await start()
    await signUp(app!, { email: 'one@example.com' })
    const [signup] = await app!.landing.store.activePage('alpha.test', 0, 1)
    const token = signLinkToken(secret, 'unsubscribe', 'alpha.test', signup!.id)
    const res = await app!.inject({ method: 'POST', url: `/unsubscribe?token=${token}`, headers: { host: 'alpha.test', ...alpha, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })
    expect(res.statusCode).toBe(200)
    expect((await app!.landing.store.get(signup!.id))?.status).toBe('unsubscribed')
  })

  it('refuses forged tokens, tokens of another site and confirm tokens (400)', async () => {
    await start()
    await signUp(app!, { email: 'keep@example.com' })
    const [signup] = await app!.landing.store.activePage('alpha.test', 0, 1)
    const headers = { host: 'alpha.test', ...alpha, 'content-type': 'application/x-www-form-urlencoded' }
    const forged = signLinkToken('another-secret-another-secret-another', 'unsubscribe', 'alpha.test', signup!.id)
    const otherSite = signLinkToken(secret, 'unsubscribe', 'beta.test', signup!.id)
    const confirm = signLinkToken(secret, 'confirm', 'alpha.test', signup!.id)
    for (const token of [forged, otherSite, confirm, 'garbage', '']) {
      const res = await app!.inject({ method: 'POST', url: '/unsubscribe', headers, payload: `token=${encodeURIComponent(token)}` })
      expect(res.statusCode).toBe(400)
      expect(res.body).toContain('invalid or unknown link')
    }
    expect((await app!.inject({ url: '/unsubscribe?token=garbage', headers })).statusCode).toBe(400)
    expect((await app!.landing.store.get(signup!.id))?.status).toBe('active')
  })
})
