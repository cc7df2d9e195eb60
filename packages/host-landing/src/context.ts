import { isIP } from 'node:net'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Mailer } from './opt-in.js'
import type { LimitCheck } from './rate-limits.js'
import type { ResolvedSite } from './resolve-site.js'
import type { SiteConfig } from './site.js'
import type { SignupStore } from './store/types.js'
import { escapeHtml, stylesheet, type PageKind, type TemplateRenderer } from './template.js'
import { textsFor } from './texts.js'

/** What the route modules share. */
export interface LandingContext {
  store: SignupStore
  secret: string
  hashIp: boolean
  resolveSite: (request: FastifyRequest) => ResolvedSite
  limit: LimitCheck
  mailer: Mailer | undefined
  confirmationTtl: number
  maxConfirmationMails: number
  exportToken: string | undefined
  clientIp: (request: FastifyRequest, trusted: boolean) => string
  /** `https://host` as the visitor sees it, for links in mails */
  origin: (request: FastifyRequest, trusted: boolean) => string
  /** the per-response style nonce when `styleNonce` is set */
  nonceFor: ((request: FastifyRequest, reply: FastifyReply) => string) | undefined
  /** `nonce` replaces the `styleNonce` call (to render a cacheable page with a marker) */
  renderPage: (request: FastifyRequest, reply: FastifyReply, site: SiteConfig, kind: PageKind, contentHtml: string, nonce?: string) => string
  /** keeps background work (mails) so close can wait for it */
  track: (work: Promise<unknown>) => void
  /** the `prefix` option: every route and link lives under it ('' by default) */
  prefix: string
}

export function clientIpReader (header: string | false) {
  return (request: FastifyRequest, trusted: boolean): string => {
    if (trusted && header) {
      const value = request.headers[header]
      const first = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim()
      if (first && isIP(first)) return first
    }
    const address = request.socket.remoteAddress
    if (address === undefined) return 'unix'
    return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
  }
}

export function originOf (request: FastifyRequest, trusted: boolean): string {
  const forwarded = trusted ? request.headers['x-forwarded-proto'] : undefined
  const proto = forwarded === 'https' || forwarded === 'http' ? forwarded : request.protocol
  return `${proto}://${request.host}`
}

export function pageRenderer (templates: ReadonlyMap<string, TemplateRenderer>, styleNonce: ((request: FastifyRequest, reply: FastifyReply) => string) | undefined, prefix = '') {
  return (request: FastifyRequest, reply: FastifyReply, site: SiteConfig, kind: PageKind, contentHtml: string, nonce?: string): string => {
    const headHtml = styleNonce
      ? `<style nonce="${escapeHtml(nonce ?? styleNonce(request, reply))}">${stylesheet(site.accentColor)}</style>`
      : `<link rel="stylesheet" href="${escapeHtml(prefix)}/landing.css">`
    const render = templates.get(site.template)!
    reply.type('text/html; charset=utf-8')
    return render({ site, kind, texts: textsFor(site.locale), headHtml, contentHtml, escape: escapeHtml })
  }
}
