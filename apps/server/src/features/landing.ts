import { createHmac } from 'node:crypto'
import { join, resolve } from 'node:path'
import type { Writable } from 'node:stream'
import formWidgets from '@shipyard/form-widgets'
import hostLanding, { createPostgresStore, createSqliteStore, signupsCsv, type HostLandingOptions, type SignupStore } from '@shipyard/host-landing'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import { booleanFromString, integerFromString, type ConfigKey } from '../config-keys.js'
import type { ServerConfig } from '../config.js'
import type { MountedFeature } from '../server.js'

const cidrList = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value),
  z.array(z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'must be IP addresses or CIDR ranges, comma-separated'))
)
const url = (schemes: string[]) => z.string().refine((value) => schemes.some((s) => value.startsWith(`${s}://`)), `must be a ${schemes.join(' or ')} URL`)

/** Configuration keys of the `landing` feature; merged into the server's one schema by config.ts. */
export const configKeys = [
  { key: 'landingSecret', env: 'LANDING_SECRET', schema: z.string().min(32, 'must be at least 32 characters').optional(), secret: true, description: 'Signs confirmation/unsubscribe links and keys IP hashes (≥ 32 characters); unset: derived from `CSRF_SECRET` (rotating that then invalidates mailed links).' },
  { key: 'landingPrefix', env: 'LANDING_PREFIX', schema: z.string().regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'must be empty or a path such as /welcome').default(''), description: 'Path the landing pages live under on every host (default: the root of each host); the sign-up, thank-you, link and export routes follow it.' },
  { key: 'landingSitesFile', env: 'LANDING_SITES_FILE', schema: z.string().min(1).optional(), description: 'JSON or YAML sites file keyed by host name, reloaded on change; proxy headers override its values.' },
  { key: 'landingDefaultSite', env: 'LANDING_DEFAULT_SITE', schema: booleanFromString.default(true), description: 'Answer hosts that neither the proxy nor the sites file describes with the default site (else 404).' },
  { key: 'landingDefaultTitle', env: 'LANDING_DEFAULT_TITLE', schema: z.string().min(1).max(200).default('Shipyard'), description: 'Title of the default site.' },
  { key: 'landingDefaultEmail', env: 'LANDING_DEFAULT_EMAIL', schema: z.email('must be an email address').default('hello@example.com'), description: 'Contact address of the default site.' },
  { key: 'landingDefaultTagline', env: 'LANDING_DEFAULT_TAGLINE', schema: z.string().min(1).max(300).default('Something new is coming. Leave your email and we will tell you when it launches.'), description: 'Tagline of the default site.' },
  { key: 'landingHeaderPrefix', env: 'LANDING_HEADER_PREFIX', schema: z.string().regex(/^[a-z0-9-]+$/, 'must be a lower-case header prefix such as x-landing-').default('x-landing-'), description: 'Prefix of the site-setting headers the proxy sets.' },
  { key: 'landingTrustedProxies', env: 'LANDING_TRUSTED_PROXIES', schema: cidrList.default([]), description: 'Extra proxy addresses/CIDRs (comma-separated) whose landing headers are trusted; unix-socket peers are always trusted.' },
  { key: 'landingTrustLoopback', env: 'LANDING_TRUST_LOOPBACK', schema: booleanFromString.default(true), description: 'Trust landing headers from 127.0.0.0/8 and ::1 (turn off when other local users can reach the port).' },
  { key: 'landingRedisUrl', env: 'LANDING_REDIS_URL', schema: url(['redis', 'rediss']).optional(), secret: true, description: 'Redis URL for sign-up rate-limit counters shared by several instances; unset: in memory.' },
  { key: 'landingLimitPerIp', env: 'LANDING_LIMIT_PER_IP', schema: integerFromString(0, 1_000_000).default(10), description: 'Sign-ups per client IP per minute (0: no limit).' },
  { key: 'landingLimitPerAddress', env: 'LANDING_LIMIT_PER_ADDRESS', schema: integerFromString(0, 1_000_000).default(5), description: 'Sign-ups per email address and site per hour (0: no limit).' },
  { key: 'landingLimitPerSite', env: 'LANDING_LIMIT_PER_SITE', schema: integerFromString(0, 1_000_000).default(300), description: 'Sign-ups per site per minute (0: no limit).' },
  { key: 'landingHashIp', env: 'LANDING_HASH_IP', schema: booleanFromString.default(true), description: 'Store a keyed hash of the visitor IP in the consent record instead of the IP.' },
  { key: 'landingSmtpUrl', env: 'LANDING_SMTP_URL', schema: url(['smtp', 'smtps']).optional(), secret: true, description: 'SMTP URL; when set, sign-ups need double opt-in by mail.' },
  { key: 'landingMailFrom', env: 'LANDING_MAIL_FROM', schema: z.string().min(3).default('Shipyard <noreply@localhost>'), description: 'From address of confirmation mails.' },
  { key: 'landingConfirmHours', env: 'LANDING_CONFIRM_HOURS', schema: integerFromString(1, 24 * 60).default(48), description: 'Hours an unconfirmed sign-up waits for confirmation before it is deleted.' },
] as const satisfies readonly ConfigKey[]

/** Where sign-ups go: PostgreSQL with `DATABASE_URL`, else the SQLite file other features share (own tables). */
function storeOption (config: ServerConfig): { postgres: string } | { sqlite: string } {
  return config.databaseUrl ? { postgres: config.databaseUrl } : { sqlite: join(resolve(config.dataDir), 'shipyard.sqlite') }
}

/** The sign-up store the server uses, opened on its own (for the CLI). */
export function landingStore (config: ServerConfig): SignupStore {
  const option = storeOption(config)
  return 'postgres' in option ? createPostgresStore({ connectionString: option.postgres }) : createSqliteStore({ path: option.sqlite })
}

/** The link-signing secret: LANDING_SECRET, or a key derived from CSRF_SECRET (never the CSRF key itself). */
function linkSecret (config: ServerConfig): string {
  return config.landingSecret ?? createHmac('sha256', config.csrfSecret!).update('shipyard-landing-links').digest('base64url')
}

const limit = (max: number, timeWindow: number) => (max === 0 ? false : { max, timeWindow })

/** Maps the server config to the plugin's options. */
export function landingOptions (config: ServerConfig): HostLandingOptions {
  return {
    secret: linkSecret(config),
    store: storeOption(config),
    sitesFile: config.landingSitesFile,
    defaultSite: config.landingDefaultSite
      ? { id: 'default', title: config.landingDefaultTitle, contactEmail: config.landingDefaultEmail, tagline: config.landingDefaultTagline }
      : undefined,
    headerPrefix: config.landingHeaderPrefix,
    prefix: config.landingPrefix,
    trustedProxies: { unixSocket: true, loopback: config.landingTrustLoopback, cidrs: config.landingTrustedProxies },
    // helmet (enableCSPNonces) gives every response a style nonce: the page inlines its CSS under it.
    styleNonce: (_request, reply: FastifyReply) => (reply as FastifyReply & { cspNonce: { style: string } }).cspNonce.style,
    hashIp: config.landingHashIp,
    rateLimit: {
      perIp: limit(config.landingLimitPerIp, 60_000),
      perAddress: limit(config.landingLimitPerAddress, 3_600_000),
      perSite: limit(config.landingLimitPerSite, 60_000),
      redis: config.landingRedisUrl,
    },
    exportToken: config.adminToken,
    doubleOptIn: config.landingSmtpUrl
      ? { smtp: config.landingSmtpUrl, from: config.landingMailFrom, confirmationTtl: config.landingConfirmHours * 3_600_000 }
      : undefined,
  }
}

/** Registers the `landing` feature on the app and describes what it mounted. */
export async function register (app: FastifyInstance, config: ServerConfig): Promise<MountedFeature[]> {
  // The sign-up form needs form-widgets; the forms feature registers it when enabled.
  if (!app.hasPlugin('@shipyard/form-widgets')) await app.register(formWidgets, { csrf: { secret: config.csrfSecret! } })
  await app.register(hostLanding, landingOptions(config))
  const store = app.landing.store
  const p = config.landingPrefix
  return [
    { feature: 'landing', path: `GET ${p || '/'} by Host`, description: `landing page per Host from proxy headers (${config.landingHeaderPrefix}*)${config.landingSitesFile ? ' and the sites file' : ''}; sign-ups in ${store.kind === 'postgres' ? 'PostgreSQL' : 'SQLite'}` },
    { feature: 'landing', path: `POST ${p}/signup, GET ${p}/thanks, GET ${p}/landing.css`, description: 'sign-up (CSRF, honeypot, rate limits) and thank-you page' },
    { feature: 'landing', path: `GET|POST ${p}/confirm, GET|POST ${p}/unsubscribe`, description: `signed links${config.landingSmtpUrl ? '; double opt-in by mail is on' : ''}` },
    { feature: 'landing', path: `GET ${p}/_landing/export.csv?site=, GET ${p}/_landing/counts`, description: 'CSV export and counts (Bearer ADMIN_TOKEN)' },
  ]
}

/**
 * `shipyard signups export <site>`: writes the same CSV as `/_landing/export.csv` to `out` (stdout), straight
 * from the store, without starting the server.
 */
export async function exportSignups (config: ServerConfig, site: string, out: Writable): Promise<void> {
  const store = landingStore(config)
  try {
    await store.migrate()
    for await (const chunk of signupsCsv(store, site, linkSecret(config))) {
      if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve))
    }
  } finally {
    await store.close()
  }
}
