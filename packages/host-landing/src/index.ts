import type { FastifyError, FastifyPluginAsync, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { clientIpReader, originOf, pageRenderer, type LandingContext } from './context.js'
import { errors } from './errors.js'
import { exportRoutes } from './export-routes.js'
import { linkRoutes } from './links.js'
import { createMailer, type Mailer } from './opt-in.js'
import { sqlitePath, validateOptions, type HostLandingOptions } from './options.js'
import { setupRateLimits } from './rate-limits.js'
import { createSiteResolver, kResolvedSite, type ResolvedSite } from './resolve-site.js'
import { signupRoutes } from './signup.js'
import { loadSitesFile, watchSitesFile, type SitesFileWatcher, type SitesTable } from './sites-file.js'
import { createPostgresStore } from './store/postgres.js'
import { createSqliteStore } from './store/sqlite.js'
import type { SignupStore } from './store/types.js'
import { defaultTemplate, escapeHtml, fileTemplate, type TemplateRenderer } from './template.js'
import { textsFor } from './texts.js'
import { createPeerCheck } from './trust.js'

export interface LandingDecorator {
  /** the sign-up store in use */
  readonly store: SignupStore
  /** the site a request is for (throws the 404/500 coded errors) */
  resolveSite: (request: FastifyRequest) => ResolvedSite
  /** the current sites-file table */
  sites: () => SitesTable
  /** re-reads the sites file now (it also reloads on change) */
  reloadSites: () => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    landing: LandingDecorator
  }
}

function openStore (option: HostLandingOptions['store']): { store: SignupStore, owned: boolean } {
  if (option === undefined) return { store: createSqliteStore(sqlitePath('landing.sqlite')), owned: true }
  if ('sqlite' in option) return { store: createSqliteStore(sqlitePath(option.sqlite)), owned: true }
  if ('postgres' in option) {
    return { store: createPostgresStore(typeof option.postgres === 'string' ? { connectionString: option.postgres } : option.postgres), owned: true }
  }
  return { store: option, owned: false }
}

function templatesFrom (option: HostLandingOptions['templates']): Map<string, TemplateRenderer> {
  const templates = new Map<string, TemplateRenderer>([['default', defaultTemplate]])
  for (const [name, template] of Object.entries(option ?? {})) {
    try {
      templates.set(name, typeof template === 'string' ? fileTemplate(template) : template)
    } catch (err) {
      throw new errors.InvalidOption(`"templates.${name}": ${(err as Error).message}`)
    }
  }
  return templates
}

const plugin: FastifyPluginAsync<HostLandingOptions> = async (fastify, opts) => {
  const { defaultSite } = validateOptions(opts)
  const headerPrefix = opts.headerPrefix ?? 'x-landing-'
  const prefix = opts.prefix ?? ''
  let isTrustedPeer
  try {
    isTrustedPeer = createPeerCheck(opts.trustedProxies)
  } catch (err) {
    throw new errors.InvalidOption((err as Error).message)
  }
  const templates = templatesFrom(opts.templates)

  let table: SitesTable = { sites: new Map() }
  let watcher: SitesFileWatcher | undefined
  const sitesFile = opts.sitesFile
  const reloadSites = async () => {
    if (sitesFile === undefined) return
    try {
      table = await loadSitesFile(sitesFile)
    } catch (err) {
      throw new errors.InvalidSitesFile(sitesFile, (err as Error).message)
    }
  }
  await reloadSites()
  if (sitesFile !== undefined && opts.watchSitesFile !== false) {
    watcher = watchSitesFile(sitesFile, (loaded) => {
      table = loaded
      fastify.log.info({ sitesFile, sites: loaded.sites.size }, 'landing sites file reloaded')
    }, (err) => {
      fastify.log.error({ sitesFile }, `landing sites file ${sitesFile} not reloaded, keeping the previous sites: ${err.message}`)
    })
  }

  let opened
  try {
    opened = openStore(opts.store)
  } catch (err) {
    watcher?.close()
    throw new errors.InvalidOption(`"store": ${(err as Error).message}`)
  }
  const { store, owned } = opened
  const redis = typeof opts.rateLimit?.redis === 'string'
    ? new Redis(opts.rateLimit.redis, { connectTimeout: 1000, maxRetriesPerRequest: 1, lazyConnect: true })
    : opts.rateLimit?.redis
  const mailer: Mailer | undefined = opts.doubleOptIn ? createMailer(opts.doubleOptIn) : undefined
  const background = new Set<Promise<unknown>>()
  let sweeper: NodeJS.Timeout | undefined

  fastify.addHook('onClose', async () => {
    watcher?.close()
    if (sweeper) clearInterval(sweeper)
    await Promise.allSettled([...background])
    mailer?.close()
    if (typeof opts.rateLimit?.redis === 'string') redis?.disconnect()
    if (owned) await store.close()
  })

  // Without a listener ioredis reports connection errors as unhandled; the failing requests say enough.
  if (typeof opts.rateLimit?.redis === 'string') redis!.on('error', () => {})
  try {
    if (redis && typeof opts.rateLimit?.redis === 'string') await redis.connect()
    if (opts.migrate !== false) await store.migrate()
  } catch (err) {
    // onClose hooks do not run for a plugin that failed to register: release what was opened here.
    watcher?.close()
    mailer?.close()
    if (typeof opts.rateLimit?.redis === 'string') redis?.disconnect()
    if (owned) await store.close().catch(() => {})
    throw new errors.InvalidOption(`could not open the ${redis && redis.status !== 'ready' ? 'Redis connection' : `${store.kind} store`}: ${(err as Error).message}`)
  }

  const resolveSite = createSiteResolver({
    headerPrefix,
    isTrustedPeer,
    table: () => table,
    defaultSite,
    templateNames: new Set(templates.keys()),
  })
  const confirmationTtl = opts.doubleOptIn?.confirmationTtl ?? 48 * 3_600_000

  fastify.decorateRequest(kResolvedSite, null)
  fastify.decorate('landing', {
    store,
    resolveSite,
    sites: () => table,
    reloadSites,
  } satisfies LandingDecorator)

  if (mailer) {
    const sweep = () => {
      store.deleteExpiredPending(new Date(Date.now() - confirmationTtl)).then((deleted) => {
        if (deleted > 0) fastify.log.info({ deleted }, 'landing: expired unconfirmed sign-ups deleted')
      }, (err: unknown) => fastify.log.error({ err }, 'landing: sweeping expired sign-ups failed'))
    }
    sweeper = setInterval(sweep, opts.doubleOptIn!.sweepInterval ?? 600_000).unref()
  }

  // Routes live in their own context: the rate-limit plugin and the HTML error handler stay ours.
  await fastify.register(async (scope) => {
    const ctx: LandingContext = {
      store,
      secret: opts.secret,
      hashIp: opts.hashIp ?? true,
      resolveSite,
      limit: await setupRateLimits(scope, opts.rateLimit ?? {}, redis),
      mailer,
      confirmationTtl,
      maxConfirmationMails: opts.doubleOptIn?.maxConfirmationMails ?? 3,
      exportToken: opts.exportToken,
      clientIp: clientIpReader(opts.clientIpHeader ?? 'x-real-ip'),
      origin: originOf,
      nonceFor: opts.styleNonce,
      renderPage: pageRenderer(templates, opts.styleNonce, prefix),
      prefix,
      track (work) {
        background.add(work)
        work.finally(() => background.delete(work)).catch(() => {})
      },
    }

    scope.setErrorHandler(async (error: FastifyError & { retryAfter?: number }, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
      if (status >= 500 && error.code !== errors.SiteMisconfigured.prototype.code) request.log.error({ err: error }, 'landing request failed')
      if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter))
      reply.code(status)
      if (request.url.startsWith(`${prefix}/_landing/`)) return { statusCode: status, code: error.code, error: error.name, message: status >= 500 && !error.code ? 'Internal Server Error' : error.message }
      return errorPage(ctx, request, reply, error, status)
    })

    signupRoutes(scope, ctx)
    linkRoutes(scope, ctx)
    if (opts.exportToken !== undefined) exportRoutes(scope, ctx, opts.exportToken)
  })
}

/** An HTML error page in the site's look when the site is known, otherwise a bare one. */
function errorPage (ctx: LandingContext, request: FastifyRequest, reply: Parameters<LandingContext['renderPage']>[1], error: FastifyError, status: number): string {
  // Only our own coded errors (and 4xx from Fastify or form-widgets) show their message; the rest stay generic.
  const known = error.code?.startsWith('SHIPYARD_') || status < 500
  const text = known && error.code !== errors.SiteMisconfigured.prototype.code ? error.message : 'This page is not available right now.'
  let site
  try {
    site = ctx.resolveSite(request).site
  } catch {
    reply.type('text/html; charset=utf-8')
    return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${status}</title></head><body><main><h1>${status}</h1><p>${escapeHtml(text)}</p></main></body></html>\n`
  }
  const texts = textsFor(site.locale)
  return ctx.renderPage(request, reply, site, 'error', `<h2>${escapeHtml(texts.errorHeading)}</h2><p role="alert">${escapeHtml(text)}</p><p><a href="/">${escapeHtml(texts.backHome)}</a></p>`)
}

/** Registers per-Host landing pages with sign-up; needs @shipyard/form-widgets registered first. */
export const hostLanding = fp(plugin, {
  fastify: '5.x',
  name: '@shipyard/host-landing',
  dependencies: ['@shipyard/form-widgets'],
})
export default hostLanding
export { errors }
export type { HostLandingOptions, StoreOption } from './options.js'
export type { SiteConfig, SiteSettings } from './site.js'
export type { TrustedProxies } from './trust.js'
export type { RateLimitOptions, Limit } from './rate-limits.js'
export type { DoubleOptInOptions } from './opt-in.js'
export type { TemplateRenderer, PageContext, PageKind } from './template.js'
export type { ResolvedSite } from './resolve-site.js'
export type { SitesTable } from './sites-file.js'
export type { SignupStore, Signup, NewSignup, SignupStatus, SiteCounts, InsertResult, ConsentProof } from './store/types.js'
export type { SqliteStoreOptions } from './store/sqlite.js'
export type { PostgresStoreOptions } from './store/postgres.js'
export { createSqliteStore } from './store/sqlite.js'
export { createPostgresStore } from './store/postgres.js'
export { signupsCsv, csvCell } from './export.js'
export { parseSitesFile, loadSitesFile } from './sites-file.js'
export { decodeHeaderValue } from './proxy-headers.js'
export { normaliseEmail } from './address.js'
export { signToken as signLinkToken } from './tokens.js'
export { defaultTemplate, escapeHtml } from './template.js'
