import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import hostLanding, { errors, hostLanding as named, type HostLandingOptions } from '../src/index.js'
import { alpha, buildApp, removeTempDirs, secret, tempDir } from './helpers.js'

let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
  removeTempDirs()
})

describe('options', () => {
  const invalid: Array<[string, Partial<HostLandingOptions> | Record<string, unknown>, RegExp]> = [
    ['short secret', { secret: 'short' }, /"secret" must be a string of at least 32 characters/],
    ['header prefix', { headerPrefix: 'X Landing' }, /"headerPrefix"/],
    ['client IP header', { clientIpHeader: 'Bad Header' }, /"clientIpHeader"/],
    ['export token', { exportToken: 'short' }, /"exportToken" must be a string of at least 16/],
    ['style nonce', { styleNonce: 'abc' }, /"styleNonce" must be a function/],
    ['cidr', { trustedProxies: { cidrs: ['10.0.0.0/33'] } }, /"trustedProxies.cidrs" entry "10.0.0.0\/33" has an invalid prefix/],
    ['cidr address', { trustedProxies: { cidrs: ['nope'] } }, /is not an IP address or CIDR range/],
    ['trusted proxies', { trustedProxies: { cidrs: '10.0.0.0/8' } }, /"trustedProxies" must be/],
    ['rate limit', { rateLimit: { perIp: { max: 0, timeWindow: 1000 } } }, /"rateLimit.perIp" must be false or \{ max, timeWindow \}/],
    ['smtp url', { doubleOptIn: { smtp: 'http://x', from: 'a@b.c' } }, /"doubleOptIn.smtp" must start with smtp/],
    ['mail from', { doubleOptIn: { smtp: 'smtp://localhost', from: 'nobody' } }, /"doubleOptIn.from"/],
    ['ttl', { doubleOptIn: { smtp: 'smtp://localhost', from: 'a@b.c', confirmationTtl: -1 } }, /"doubleOptIn.confirmationTtl" must be a positive integer/],
    ['default site value', { defaultSite: { title: 'D', contactEmail: 'd@x.test', accentColor: 'red' } }, /"defaultSite.accentColor": must be a hex colour/],
    ['default site incomplete', { defaultSite: { title: 'D' } }, /"defaultSite" needs at least "title" and "contactEmail"/],
    ['template name', { templates: { 'bad name': () => '' } }, /"templates.bad name"/],
    ['template file', { templates: { custom: '/nonexistent/template.html' } }, /"templates.custom"/],
    ['store', { store: { mysql: 'x' } }, /"store" must be/],
  ]
  it.each(invalid)('refuses %s with SHIPYARD_LANDING_INVALID_OPTION', async (_name, options, message) => {
    const error = await buildApp(options as Partial<HostLandingOptions>).then(() => undefined, (err: unknown) => err)
    expect(error).toBeInstanceOf(errors.InvalidOption)
    expect(error).toMatchObject({ code: 'SHIPYARD_LANDING_INVALID_OPTION', message: expect.stringMatching(message) })
  })

  it('refuses a SQLite path that cannot be created', async () => {
    const file = join(tempDir(), 'plain-file')
    writeFileSync(file, '')
    await expect(buildApp({ store: { sqlite: join(file, 'x.sqlite') } })).rejects.toMatchObject({ code: 'SHIPYARD_LANDING_INVALID_OPTION', message: expect.stringMatching(/^"store": /) })
  })

  it('needs @shipyard/form-widgets registered first', async () => {
    const bare = Fastify()
    await expect(bare.register(hostLanding, { secret }).ready()).rejects.toThrow(/@shipyard\/form-widgets/)
    await bare.close()
  })

  it('exports the plugin as default and named, and decorates fastify.landing', async () => {
    expect(named).toBe(hostLanding)
    app = (await buildApp()).app
    expect(app.landing.store.kind).toBe('sqlite')
    expect(app.landing.sites().sites.size).toBe(0)
  })

  it('renders a site with a template function or an HTML file template, escaping values', async () => {
    const file = join(tempDir(), 'page.html')
    writeFileSync(file, '<!doctype html><html lang="{{locale}}"><head>{{{head}}}<title>{{title}}</title></head><body><h1 class="file">{{title}}</h1>{{{content}}}</body></html>')
    app = (await buildApp({
      templates: {
        fn: (page) => `<!doctype html><title>${page.escape(page.site.title)}</title><div class="fn">${page.contentHtml}</div>`,
        file,
      },
    })).app
    const fn = await app.inject({ url: '/', headers: { host: 'alpha.test', ...alpha, 'x-landing-template': 'fn', 'x-landing-title': '%3Ci%3E' } })
    expect(fn.body).toContain('<title>&lt;i&gt;</title><div class="fn"><form method="post" action="/signup"')
    const fromFile = await app.inject({ url: '/', headers: { host: 'alpha.test', ...alpha, 'x-landing-template': 'file', 'x-landing-title': 'A%26B' } })
    expect(fromFile.body).toContain('<h1 class="file">A&amp;B</h1><form')
    expect(fromFile.body).toContain('<link rel="stylesheet" href="/landing.css">')
    const unknown = await app.inject({ url: '/', headers: { host: 'alpha.test', ...alpha, 'x-landing-template': 'nope' } })
    expect(unknown.statusCode).toBe(500)
  })

  it('a file template must have a {{{content}}} placeholder', async () => {
    const file = join(tempDir(), 'bad.html')
    writeFileSync(file, '<html>{{title}}</html>')
    await expect(buildApp({ templates: { bad: file } })).rejects.toMatchObject({ code: 'SHIPYARD_LANDING_INVALID_OPTION', message: expect.stringContaining('{{{content}}}') })
  })

  it('closes cleanly: stores, watchers and timers released', async () => {
    const dir = tempDir()
    const sites = join(dir, 'sites.yaml')
    writeFileSync(sites, 'sites: {}\n')
    const built = await buildApp({ sitesFile: sites, doubleOptIn: { smtp: 'smtp://127.0.0.1:1', from: 'a@b.test', sweepInterval: 10 } })
    await built.app.close()
    writeFileSync(sites, 'sites: { a.test: { title: A, contactEmail: a@a.test } }\n')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(built.logs.some((l) => l.msg.includes('reloaded'))).toBe(false)
    await expect(built.app.landing.store.counts()).rejects.toThrow(/not open/)
  })
})
