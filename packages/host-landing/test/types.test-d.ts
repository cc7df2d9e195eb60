import formWidgets from '@shipyard/form-widgets'
import Fastify, { type FastifyRequest } from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import hostLanding, { type HostLandingOptions, type LandingDecorator, type ResolvedSite, type SignupStore, type SiteConfig, type SiteSettings, type TemplateRenderer } from '../src/index.js'

describe('options', () => {
  it('accepts a full set of options', async () => {
    const app = Fastify()
    await app.register(formWidgets, { csrf: { secret: 'x'.repeat(32) } })
    await app.register(hostLanding, {
      secret: 'x'.repeat(32),
      store: { sqlite: 'landing.sqlite' },
      sitesFile: 'sites.yaml',
      defaultSite: { title: 'T', contactEmail: 'a@b.c', theme: 'dark' },
      headerPrefix: 'x-landing-',
      trustedProxies: { unixSocket: true, loopback: false, cidrs: ['10.0.0.0/8'] },
      clientIpHeader: false,
      templates: { plain: (page) => page.contentHtml, fromFile: '/srv/template.html' },
      styleNonce: (_request, reply) => reply.statusCode.toString(),
      hashIp: true,
      rateLimit: { perIp: { max: 5, timeWindow: 60_000 }, perAddress: false, redis: 'redis://127.0.0.1:6379' },
      exportToken: 'y'.repeat(16),
      doubleOptIn: { smtp: 'smtp://127.0.0.1:25', from: 'a@b.c', confirmationTtl: 1000 },
    })
    await app.register(hostLanding, { secret: 'x'.repeat(32), store: { postgres: 'postgres://localhost/db' } })
  })

  it('rejects wrong option types', () => {
    expectTypeOf<{ secret: string }>().toExtend<HostLandingOptions>()
    // @ts-expect-error secret is required
    expectTypeOf<{ store: { sqlite: string } }>().toExtend<HostLandingOptions>()
    const theme: SiteSettings = {
      // @ts-expect-error theme is auto, light or dark
      theme: 'blue',
    }
    expectTypeOf(theme).toBeObject()
    const wrongLimit: HostLandingOptions['rateLimit'] = {
      // @ts-expect-error a limit is { max, timeWindow } or false
      perIp: 10,
    }
    expectTypeOf(wrongLimit).not.toBeNever()
  })
})

describe('site config', () => {
  it('is fully typed, with required and optional settings', () => {
    expectTypeOf<SiteConfig['title']>().toEqualTypeOf<string>()
    expectTypeOf<SiteConfig['contactEmail']>().toEqualTypeOf<string>()
    expectTypeOf<SiteConfig['tagline']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<SiteConfig['theme']>().toEqualTypeOf<'auto' | 'light' | 'dark'>()
    expectTypeOf<SiteConfig['consentRequired']>().toEqualTypeOf<boolean>()
    expectTypeOf<SiteConfig['collectName']>().toEqualTypeOf<boolean>()
    expectTypeOf<SiteConfig['privacyPolicyUrl']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<SiteSettings>().toEqualTypeOf<Partial<SiteConfig>>()
    expectTypeOf<Parameters<TemplateRenderer>[0]['site']>().toEqualTypeOf<SiteConfig>()
  })
})

describe('decorators', () => {
  it('adds fastify.landing', () => {
    const app = Fastify()
    expectTypeOf(app.landing).toEqualTypeOf<LandingDecorator>()
    expectTypeOf(app.landing.store).toEqualTypeOf<SignupStore>()
    expectTypeOf(app.landing.resolveSite).toEqualTypeOf<(request: FastifyRequest) => ResolvedSite>()
    expectTypeOf(app.landing.resolveSite).returns.toHaveProperty('site').toEqualTypeOf<SiteConfig>()
    expectTypeOf(app.landing.reloadSites).returns.toEqualTypeOf<Promise<void>>()
  })
})
