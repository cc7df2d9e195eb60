import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { normaliseEmail } from '../src/index.js'
import { alpha, buildApp, openForm, removeTempDirs, secret, signUp, type LogLine } from './helpers.js'
import { createHmac, createHash } from 'node:crypto'

let app: FastifyInstance | undefined
let logs: LogLine[] = []
afterEach(async () => {
  await app?.close()
  app = undefined
  removeTempDirs()
})

async function start (options: Parameters<typeof buildApp>[0] = {}) {
  const built = await buildApp(options)
  app = built.app
  logs = built.logs
  return built.app
}

const rows = async (site = 'alpha.test') => {
  const page = await app!.landing.store.activePage(site, 0, 1000)
  const pending = (await app!.landing.store.counts()).find((c) => c.site === site)
  return { page, counts: pending }
}

describe('sign-up', () => {
  it('stores a sign-up and answers with post/redirect/get to a thank-you page', async () => {
    await start()
    const res = await signUp(app!, { email: 'Ann@Example.COM' }, { headers: { 'user-agent': 'test-agent/1' } })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/thanks')
    const thanks = await app!.inject({ url: '/thanks', headers: { host: 'alpha.test', ...alpha } })
    expect(thanks.statusCode).toBe(200)
    expect(thanks.body).toContain('You are on the list. We will write when Alpha goes live.')
    const { page } = await rows()
    expect(page).toHaveLength(1)
    expect(page[0]).toMatchObject({ site: 'alpha.test', email: 'Ann@example.com', status: 'active', userAgent: 'test-agent/1', name: null })
  })

  it('normalises addresses: trim, lower-case domain, IDN to punycode', () => {
    expect(normaliseEmail('  Bob@Bücher.DE ')).toBe('Bob@xn--bcher-kva.de')
    expect(normaliseEmail('x@EXAMPLE.com')).toBe('x@example.com')
    expect(normaliseEmail('no-at-sign')).toBeUndefined()
    expect(normaliseEmail('a@b')).toBeUndefined()
    expect(normaliseEmail('a..b@example.com')).toBeUndefined()
    expect(normaliseEmail('a@-bad-.com')).toBeUndefined()
  })

  it('a duplicate answers exactly like a new sign-up and stores nothing twice', async () => {
    await start()
    const first = await signUp(app!, { email: 'dup@bücher.de' })
    const second = await signUp(app!, { email: '  dup@BÜCHER.de ' })
    expect(second.statusCode).toBe(first.statusCode)
    expect(second.headers.location).toBe(first.headers.location)
    expect(second.body).toBe(first.body)
    const { page } = await rows()
    expect(page.map((s) => s.email)).toEqual(['dup@xn--bcher-kva.de'])
  })

  it('keeps sites apart: the same address on two sites is two sign-ups', async () => {
    await start()
    await signUp(app!, { email: 'same@example.com' })
    await signUp(app!, { email: 'same@example.com' }, { host: 'beta.test', headers: { 'x-landing-title': 'Beta', 'x-landing-email': 'b@beta.test' } })
    expect((await rows('alpha.test')).page).toHaveLength(1)
    expect((await rows('beta.test')).page).toHaveLength(1)
  })

  it('re-renders the form with errors (400) for an invalid address, keeping the input', async () => {
    await start()
    const res = await signUp(app!, { email: 'not an address' })
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('aria-invalid="true"')
    expect(res.body).toContain('value="not an address"')
    expect((await rows()).page).toHaveLength(0)
  })

  it('refuses a post without a valid CSRF token (403) and stores nothing', async () => {
    await start()
    const res = await app!.inject({
      method: 'POST',
      url: '/signup',
      headers: { host: 'alpha.test', ...alpha, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=evil%40example.com&_csrf=forged',
    })
    expect(res.statusCode).toBe(403)
    expect((await rows()).page).toHaveLength(0)
  })

  it('the honeypot: a bot gets the normal success and nothing is stored', async () => {
    await start()
    const { page } = await openForm(app!)
    expect(page).toMatch(/<div class="landing-hp" aria-hidden="true">.*name="website"/s)
    const res = await signUp(app!, { email: 'bot@example.com', website: 'http://spam.example' })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/thanks')
    expect((await rows()).page).toHaveLength(0)
    expect(logs.some((l) => l.msg === 'landing sign-up caught by the honeypot')).toBe(true)
  })

  it('requires the consent box when the site asks for it, and stores the consent proof', async () => {
    await start()
    const consentHeaders = { 'x-landing-consent-required': 'true', 'x-landing-consent-text': 'Yes, mail me about Alpha' }
    const refused = await signUp(app!, { email: 'c@example.com' }, { headers: consentHeaders })
    expect(refused.statusCode).toBe(400)
    expect((await rows()).page).toHaveLength(0)
    const res = await signUp(app!, { email: 'c@example.com', consent: 'y' }, { headers: { ...consentHeaders, 'x-real-ip': '198.51.100.23', 'user-agent': 'UA/2' } })
    expect(res.statusCode).toBe(303)
    const [signup] = (await rows()).page
    expect(signup).toMatchObject({
      site: 'alpha.test',
      consentGiven: true,
      consentTextHash: createHash('sha256').update('Yes, mail me about Alpha').digest('hex'),
      userAgent: 'UA/2',
      ipHashed: true,
      ip: createHmac('sha256', secret).update('shipyard-landing-ip\n198.51.100.23').digest('hex').slice(0, 32),
    })
    expect(signup!.createdAt.getTime()).toBeGreaterThan(Date.now() - 10_000)
  })

  it('stores the plain IP when hashIp is off, and the name when the site collects it', async () => {
    await start({ hashIp: false })
    await signUp(app!, { email: 'n@example.com', name: '  Nina  ' }, { headers: { 'x-landing-collect-name': 'yes', 'x-real-ip': '2001:db8::7' } })
    expect((await rows()).page[0]).toMatchObject({ ip: '2001:db8::7', ipHashed: false, name: 'Nina' })
  })

  it('ignores the client-IP header from an untrusted peer', async () => {
    await start({ hashIp: false, defaultSite: { title: 'D', contactEmail: 'd@example.com' } })
    await signUp(app!, { email: 'u@example.com' }, { host: 'other.test', remoteAddress: '203.0.113.50', headers: { 'x-real-ip': '1.2.3.4' } })
    expect((await rows('default')).page[0]).toMatchObject({ ip: '203.0.113.50' })
  })
})

describe('rate limits (memory)', () => {
  it('limits per IP', async () => {
    await start({ rateLimit: { perIp: { max: 2, timeWindow: 60_000 } } })
    const ip = { 'x-real-ip': '192.0.2.1' }
    expect((await signUp(app!, { email: 'a1@example.com' }, { headers: ip })).statusCode).toBe(303)
    expect((await signUp(app!, { email: 'a2@example.com' }, { headers: ip })).statusCode).toBe(303)
    const limited = await signUp(app!, { email: 'a3@example.com' }, { headers: ip })
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBe('60')
    expect(limited.body).toContain('too many sign-ups (perIp limit)')
    expect((await signUp(app!, { email: 'a4@example.com' }, { headers: { 'x-real-ip': '192.0.2.2' } })).statusCode).toBe(303)
    expect((await rows()).page.map((s) => s.email)).toEqual(['a1@example.com', 'a2@example.com', 'a4@example.com'])
  })

  it('limits per address (normalised) whatever the IP', async () => {
    await start({ rateLimit: { perAddress: { max: 2, timeWindow: 60_000 } } })
    expect((await signUp(app!, { email: 'x@example.com' }, { headers: { 'x-real-ip': '192.0.2.1' } })).statusCode).toBe(303)
    expect((await signUp(app!, { email: 'x@EXAMPLE.com' }, { headers: { 'x-real-ip': '192.0.2.2' } })).statusCode).toBe(303)
    expect((await signUp(app!, { email: ' x@example.com' }, { headers: { 'x-real-ip': '192.0.2.3' } })).statusCode).toBe(429)
    expect((await signUp(app!, { email: 'y@example.com' }, { headers: { 'x-real-ip': '192.0.2.3' } })).statusCode).toBe(303)
  })

  it('limits per site', async () => {
    await start({ rateLimit: { perSite: { max: 2, timeWindow: 60_000 } } })
    for (const n of [1, 2]) expect((await signUp(app!, { email: `s${n}@example.com` }, { headers: { 'x-real-ip': `192.0.2.${n}` } })).statusCode).toBe(303)
    expect((await signUp(app!, { email: 's3@example.com' }, { headers: { 'x-real-ip': '192.0.2.3' } })).statusCode).toBe(429)
    const beta = { 'x-landing-title': 'Beta', 'x-landing-email': 'b@beta.test', 'x-real-ip': '192.0.2.4' }
    expect((await signUp(app!, { email: 's4@example.com' }, { host: 'beta.test', headers: beta })).statusCode).toBe(303)
  })
})
