import { resolve } from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import { errors } from './errors.js'
import type { DoubleOptInOptions } from './opt-in.js'
import type { Limit, RateLimitOptions } from './rate-limits.js'
import { parseSettings, type SiteSettings } from './site.js'
import type { PostgresStoreOptions } from './store/postgres.js'
import type { SqliteStoreOptions } from './store/sqlite.js'
import type { SignupStore } from './store/types.js'
import type { TemplateRenderer } from './template.js'
import type { TrustedProxies } from './trust.js'

export type StoreOption =
  | { sqlite: string | SqliteStoreOptions }
  | { postgres: string | PostgresStoreOptions }
  | SignupStore

export interface HostLandingOptions {
  /** at least 32 characters: signs confirmation/unsubscribe links and keys the IP hashes */
  secret: string
  /** where sign-ups go (default `{ sqlite: 'landing.sqlite' }`); a store you pass is migrated but not closed */
  store?: StoreOption
  /** apply pending migrations at start (default true) */
  migrate?: boolean
  /** JSON or YAML file of sites keyed by host name (see README) */
  sitesFile?: string
  /** reload the sites file when it changes (default true) */
  watchSitesFile?: boolean
  /** settings answering hosts that neither the sites file nor the proxy describes; without it they get a 404 */
  defaultSite?: SiteSettings
  /** prefix of the proxy headers carrying site settings (default `x-landing-`) */
  headerPrefix?: string
  /** who may set site settings and the client IP through headers (default: unix socket and loopback) */
  trustedProxies?: TrustedProxies
  /** header a trusted proxy puts the client IP in (default `x-real-ip`); `false` to use the socket peer */
  clientIpHeader?: string | false
  /** extra templates by name (a render function or an HTML file path); `default` is built in */
  templates?: Record<string, TemplateRenderer | string>
  /**
   * Returns the CSP nonce for an inline `<style>` (e.g. `(req, reply) => reply.cspNonce.style` with
   * @fastify/helmet's `enableCSPNonces`); without it pages link `/landing.css`.
   */
  styleNonce?: (request: FastifyRequest, reply: FastifyReply) => string
  /** store a keyed hash of the visitor IP instead of the IP (default true) */
  hashIp?: boolean
  /** sign-up limits, plus `redis` (URL or ioredis client) to share the counters between instances */
  rateLimit?: RateLimitOptions & { redis?: string | Redis }
  /** bearer token for `/_landing/export.csv` and `/_landing/counts` (at least 16 characters); no token, no routes */
  exportToken?: string
  /** double opt-in by mail, on when given */
  doubleOptIn?: DoubleOptInOptions
  /**
   * path every route of the plugin lives under (default `''`: the landing page is the root of each host);
   * e.g. `/welcome` serves the page at `/welcome` and the sign-up at `/welcome/signup`
   */
  prefix?: string
}

function fail (message: string): never {
  throw new errors.InvalidOption(message)
}

function checkLimit (name: string, limit: Limit | false | undefined): void {
  if (limit === undefined || limit === false) return
  if (limit === null || typeof limit !== 'object' || !Number.isSafeInteger(limit.max) || limit.max < 1 || !Number.isSafeInteger(limit.timeWindow) || limit.timeWindow < 1) {
    fail(`"rateLimit.${name}" must be false or { max, timeWindow } with positive integers`)
  }
}

/** Eager validation of every option, throwing SHIPYARD_LANDING_INVALID_OPTION naming the option. */
export function validateOptions (opts: HostLandingOptions): { defaultSite: SiteSettings | undefined } {
  if (opts === null || typeof opts !== 'object') fail('options must be an object')
  if (typeof opts.secret !== 'string' || opts.secret.length < 32) fail('"secret" must be a string of at least 32 characters')
  if (opts.headerPrefix !== undefined && (typeof opts.headerPrefix !== 'string' || !/^[a-z0-9-]+$/.test(opts.headerPrefix))) {
    fail('"headerPrefix" must be lower-case letters, digits and "-", e.g. "x-landing-"')
  }
  if (opts.clientIpHeader !== undefined && opts.clientIpHeader !== false && (typeof opts.clientIpHeader !== 'string' || !/^[a-z0-9-]+$/.test(opts.clientIpHeader))) {
    fail('"clientIpHeader" must be a lower-case header name or false')
  }
  if (opts.prefix !== undefined && (typeof opts.prefix !== 'string' || !/^(\/[A-Za-z0-9._~-]+)*$/.test(opts.prefix))) {
    fail('"prefix" must be "" or a path such as /welcome, without a trailing slash')
  }
  if (opts.sitesFile !== undefined && (typeof opts.sitesFile !== 'string' || opts.sitesFile === '')) fail('"sitesFile" must be a file path')
  if (opts.styleNonce !== undefined && typeof opts.styleNonce !== 'function') fail('"styleNonce" must be a function returning the nonce')
  if (opts.exportToken !== undefined && (typeof opts.exportToken !== 'string' || opts.exportToken.length < 16)) fail('"exportToken" must be a string of at least 16 characters')
  const proxies = opts.trustedProxies
  if (proxies !== undefined && (proxies === null || typeof proxies !== 'object' || (proxies.cidrs !== undefined && !Array.isArray(proxies.cidrs)))) {
    fail('"trustedProxies" must be { unixSocket?, loopback?, cidrs?: string[] }')
  }
  for (const [name, template] of Object.entries(opts.templates ?? {})) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) fail(`"templates.${name}": template names are letters, digits, "_" and "-"`)
    if (typeof template !== 'function' && typeof template !== 'string') fail(`"templates.${name}" must be a render function or an HTML file path`)
  }
  const limits = opts.rateLimit ?? {}
  checkLimit('perIp', limits.perIp)
  checkLimit('perAddress', limits.perAddress)
  checkLimit('perSite', limits.perSite)
  const optIn = opts.doubleOptIn
  if (optIn !== undefined) {
    if (optIn === null || typeof optIn !== 'object') fail('"doubleOptIn" must be { smtp, from, … }')
    if (typeof optIn.smtp !== 'string' && (optIn.smtp === null || typeof optIn.smtp !== 'object')) fail('"doubleOptIn.smtp" must be an SMTP URL or nodemailer transport options')
    if (typeof optIn.smtp === 'string' && !/^smtps?:\/\//.test(optIn.smtp)) fail('"doubleOptIn.smtp" must start with smtp:// or smtps://')
    if (typeof optIn.from !== 'string' || !optIn.from.includes('@')) fail('"doubleOptIn.from" must be a sender address')
    for (const key of ['confirmationTtl', 'maxConfirmationMails', 'sweepInterval'] as const) {
      const value = optIn[key]
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) fail(`"doubleOptIn.${key}" must be a positive integer`)
    }
  }
  let defaultSite: SiteSettings | undefined
  if (opts.defaultSite !== undefined) {
    try {
      defaultSite = parseSettings(opts.defaultSite as Record<string, unknown>, (key) => `"defaultSite.${key}"`)
    } catch (err) {
      fail((err as Error).message)
    }
    if (defaultSite.title === undefined || defaultSite.contactEmail === undefined) fail('"defaultSite" needs at least "title" and "contactEmail"')
  }
  const store = opts.store
  if (store !== undefined && (store === null || typeof store !== 'object' || !('sqlite' in store || 'postgres' in store || 'insert' in store))) {
    fail('"store" must be { sqlite: path }, { postgres: connectionString } or a SignupStore')
  }
  return { defaultSite }
}

/** Path of the SQLite file, resolved against the working directory. */
export function sqlitePath (option: string | SqliteStoreOptions): SqliteStoreOptions {
  const options = typeof option === 'string' ? { path: option } : option
  return { ...options, path: resolve(options.path) }
}
