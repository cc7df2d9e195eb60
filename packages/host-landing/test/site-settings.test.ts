import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeHeaderValue, parseSitesFile } from '../src/index.js'
import { alpha, buildApp, removeTempDirs, tempDir, type LogLine } from './helpers.js'

let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
  removeTempDirs()
})

async function start (options: Parameters<typeof buildApp>[0] = {}): Promise<LogLine[]> {
  const built = await buildApp(options)
  app = built.app
  return built.logs
}

const get = (headers: Record<string, string>, extra: { remoteAddress?: string, url?: string } = {}) =>
  app!.inject({ method: 'GET', url: extra.url ?? '/', headers: { host: 'alpha.test', ...headers }, ...(extra.remoteAddress ? { remoteAddress: extra.remoteAddress } : {}) })

describe('site settings from proxy headers', () => {
  it('maps every x-landing-* header to the page', async () => {
    await start()
    const res = await get({
      ...alpha,
      'x-landing-tagline': 'Soon here',
      'x-landing-description': 'A longer text',
      'x-landing-locale': 'de',
      'x-landing-theme': 'dark',
      'x-landing-accent-color': '#AA3300',
      'x-landing-privacy-url': 'https://alpha.test/privacy',
      'x-landing-consent-required': 'yes',
      'x-landing-consent-text': 'Alpha may mail me',
      'x-landing-collect-name': 'true',
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.body).toContain('<html lang="de" class="theme-dark">')
    expect(res.body).toContain('<title>Alpha</title>')
    expect(res.body).toContain('<h1>Alpha</h1>')
    expect(res.body).toContain('Soon here')
    expect(res.body).toContain('A longer text')
    expect(res.body).toContain('href="mailto:hello@alpha.test"')
    expect(res.body).toContain('href="https://alpha.test/privacy"')
    expect(res.body).toContain('Alpha may mail me')
    expect(res.body).toMatch(/type="checkbox"[^>]*name="consent"|name="consent"[^>]*type="checkbox"/)
    expect(res.body).toContain('name="name"')
    expect(res.body).toContain('E-Mail-Adresse')
    const css = await get({ ...alpha, 'x-landing-accent-color': '#AA3300' }, { url: '/landing.css' })
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    expect(css.body).toContain('--accent:#aa3300')
  })

  it('stores sign-ups under the x-landing-site id and applies the theme', async () => {
    await start()
    const res = await get({ ...alpha, 'x-landing-site': 'Shared-List', 'x-landing-theme': 'light' })
    expect(res.body).toContain('class="theme-light"')
    expect(res.body).toContain('<form method="post" action="/signup"')
    const resolved = app!.landing.resolveSite({ hostname: 'alpha.test', headers: { ...alpha, 'x-landing-site': 'Shared-List' }, socket: { remoteAddress: '127.0.0.1' }, log: app!.log } as never)
    expect(resolved).toMatchObject({ host: 'alpha.test', trusted: true, site: { id: 'shared-list', title: 'Alpha', theme: 'auto', locale: 'en', accentColor: '#2563eb', consentRequired: false, collectName: false, template: 'default' } })
  })

  it('honours a custom header prefix', async () => {
    await start({ headerPrefix: 'x-site-' })
    const res = await get({ 'x-site-title': 'Prefixed', 'x-site-email': 'a@alpha.test' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<h1>Prefixed</h1>')
  })

  it('decodes percent-encoded UTF-8 and escapes every value', async () => {
    await start()
    const res = await get({
      'x-landing-title': 'Caf%C3%A9 %3Cscript%3Ealert(1)%3C%2Fscript%3E',
      'x-landing-email': 'hello@alpha.test',
      'x-landing-tagline': '"quoted" & <b>bold</b>',
    })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<h1>Café &lt;script&gt;alert(1)&lt;/script&gt;</h1>')
    expect(res.body).not.toContain('<script>')
    expect(res.body).toContain('&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;')
  })

  it('decodes header values safely', () => {
    expect(decodeHeaderValue('Caf%C3%A9')).toBe('Café')
    expect(decodeHeaderValue('plain')).toBe('plain')
    expect(decodeHeaderValue('50%25 off')).toBe('50% off')
    // raw UTF-8 bytes as Node sees them (latin1)
    expect(decodeHeaderValue(Buffer.from('Café', 'utf8').toString('latin1'))).toBe('Café')
    expect(() => decodeHeaderValue('50% off')).toThrow(/malformed percent-encoding/)
    expect(() => decodeHeaderValue('%C3')).toThrow(/malformed/)
    expect(() => decodeHeaderValue('a%0Ab')).toThrow(/control characters/)
    expect(() => decodeHeaderValue('\xe9t\xe9')).toThrow(/UTF-8/)
  })

  it('ignores and logs x-landing-* headers from an untrusted peer', async () => {
    const logs = await start({ defaultSite: { title: 'Default', contactEmail: 'd@example.com' } })
    const res = await get({ ...alpha, 'x-landing-title': 'Forged' }, { remoteAddress: '203.0.113.9' })
    expect(res.statusCode).toBe(200)
    expect(res.body).not.toContain('Forged')
    expect(res.body).toContain('<h1>Default</h1>')
    const line = logs.find((l) => l.msg === 'ignored landing headers from an untrusted peer')
    expect(line).toMatchObject({ peer: '203.0.113.9', ignored: expect.arrayContaining(['x-landing-title', 'x-landing-email']) })
  })

  it('without a default site, an untrusted peer with forged headers gets a 404', async () => {
    await start()
    const res = await get(alpha, { remoteAddress: '198.51.100.1' })
    expect(res.statusCode).toBe(404)
    expect(res.body).toContain('no landing site for host alpha.test')
  })

  it('trusts configured CIDRs and refuses loopback when told to', async () => {
    await start({ trustedProxies: { loopback: false, cidrs: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'] } })
    expect((await get(alpha, { remoteAddress: '10.1.2.3' })).statusCode).toBe(200)
    expect((await get(alpha, { remoteAddress: '2001:db8::1' })).statusCode).toBe(200)
    expect((await get(alpha, { remoteAddress: '::ffff:192.0.2.7' })).statusCode).toBe(200)
    expect((await get(alpha, { remoteAddress: '192.0.2.8' })).statusCode).toBe(404)
    expect((await get(alpha, { remoteAddress: '127.0.0.1' })).statusCode).toBe(404)
  })

  it('fails closed when a required setting is missing, naming the header', async () => {
    const logs = await start()
    const res = await get({ 'x-landing-title': 'Alpha' })
    expect(res.statusCode).toBe(500)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.body).not.toContain('<form')
    expect(res.body).not.toContain('<h1>Alpha</h1>')
    const line = logs.find((l) => l.level === 50 && l.msg.includes('misconfigured'))
    expect(line?.msg).toContain('missing header x-landing-email')
  })

  it('fails closed on an invalid value (the accent colour goes into CSS)', async () => {
    const logs = await start()
    const res = await get({ ...alpha, 'x-landing-accent-color': 'red;}body{display:none' })
    expect(res.statusCode).toBe(500)
    expect(res.body).not.toContain('display:none')
    expect(logs.some((l) => l.msg.includes('header x-landing-accent-color must be a hex colour'))).toBe(true)
    const malformed = await get({ ...alpha, 'x-landing-tagline': '100% sure' })
    expect(malformed.statusCode).toBe(500)
    expect(logs.some((l) => l.msg.includes('header x-landing-tagline has a malformed percent-encoding'))).toBe(true)
  })
})

describe('sites file', () => {
  it('serves sites by host, proxy values override file values, unknown hosts get 404', async () => {
    const file = join(tempDir(), 'sites.yaml')
    writeFileSync(file, 'sites:\n  alpha.test:\n    title: From file\n    contactEmail: file@alpha.test\n    tagline: File tagline\n  beta.test:\n    title: Beta\n    contactEmail: b@beta.test\n')
    await start({ sitesFile: file })
    const fromFile = await get({})
    expect(fromFile.body).toContain('<h1>From file</h1>')
    expect(fromFile.body).toContain('File tagline')
    const overridden = await get({ 'x-landing-title': 'From proxy' })
    expect(overridden.body).toContain('<h1>From proxy</h1>')
    expect(overridden.body).toContain('File tagline')
    const beta = await app!.inject({ url: '/', headers: { host: 'BETA.test:8080' } })
    expect(beta.body).toContain('<h1>Beta</h1>')
    const unknown = await app!.inject({ url: '/', headers: { host: 'gamma.test' } })
    expect(unknown.statusCode).toBe(404)
  })

  it('reads JSON and picks a default site for unknown hosts', async () => {
    const file = join(tempDir(), 'sites.json')
    writeFileSync(file, JSON.stringify({ defaultSite: 'main.test', sites: { 'main.test': { title: 'Main', contactEmail: 'm@main.test' } } }))
    await start({ sitesFile: file })
    const res = await app!.inject({ url: '/', headers: { host: 'whatever.test' } })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<h1>Main</h1>')
  })

  it('reloads on change without restart and keeps the old sites when the new file is invalid', async () => {
    const dir = tempDir()
    const file = join(dir, 'sites.yaml')
    writeFileSync(file, 'sites:\n  alpha.test: { title: One, contactEmail: a@alpha.test }\n')
    const logs = await start({ sitesFile: file })
    expect((await get({})).body).toContain('<h1>One</h1>')
    writeFileSync(file, 'sites:\n  alpha.test: { title: Two, contactEmail: a@alpha.test }\n')
    await expect.poll(async () => (await get({})).body, { timeout: 5000 }).toContain('<h1>Two</h1>')
    writeFileSync(file, 'sites:\n  alpha.test: { title: Three, accentColor: nope }\n')
    await expect.poll(() => logs.some((l) => l.msg.includes('not reloaded')), { timeout: 5000 }).toBe(true)
    expect(logs.find((l) => l.msg.includes('not reloaded'))?.msg).toContain('"sites.alpha.test.accentColor": must be a hex colour')
    expect((await get({})).body).toContain('<h1>Two</h1>')
  })

  it('refuses an invalid file at register time with clear errors', async () => {
    const dir = tempDir()
    const cases: Array<[string, string, RegExp]> = [
      ['a.yaml', 'sites:\n  alpha.test: { title: A, colour: red }\n', /"sites\.alpha\.test\.colour": unknown setting/],
      ['b.yaml', 'sites:\n  "not a host": { title: A }\n', /"sites\.not a host" is not a host name/],
      ['c.json', '{ "sites": ', /JSON/],
      ['d.yaml', 'sites: []\n', /"sites" must be an object/],
      ['e.yaml', 'sites: {}\ndefaultSite: nowhere.test\n', /"defaultSite" must name a host/],
      ['f.yaml', 'sites: {}\nextra: 1\n', /unknown top-level key "extra"/],
    ]
    for (const [name, text, error] of cases) {
      const file = join(dir, name)
      writeFileSync(file, text)
      await expect(buildApp({ sitesFile: file })).rejects.toMatchObject({ code: 'SHIPYARD_LANDING_INVALID_SITES_FILE', message: expect.stringMatching(error) })
    }
    await expect(buildApp({ sitesFile: join(dir, 'missing.yaml') })).rejects.toMatchObject({ code: 'SHIPYARD_LANDING_INVALID_SITES_FILE' })
  })

  it('parses settings of every type', () => {
    const table = parseSitesFile('sites:\n  x.test: { title: 1, contactEmail: x@x.test, consentRequired: true, accentColor: "#abc" }\n', 'sites.yml')
    expect(table.sites.get('x.test')).toEqual({ title: '1', contactEmail: 'x@x.test', consentRequired: true, accentColor: '#abc' })
  })
})
