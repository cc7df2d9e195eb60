import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { LandingContext } from './context.js'
import { errors } from './errors.js'
import { escapeHtml, message } from './template.js'
import { textsFor } from './texts.js'
import { verifyToken, type TokenPurpose } from './tokens.js'

function tokenOf (request: FastifyRequest): unknown {
  const body = request.body as Record<string, unknown> | undefined
  const fromBody = body && typeof body === 'object' ? body.token : undefined
  return fromBody ?? (request.query as Record<string, unknown>).token
}

/**
 * Signed links from mails. GET only shows a page with a button: mail scanners follow links, and must not
 * confirm or unsubscribe anyone. The POST does the work (also RFC 8058 one-click unsubscribe).
 */
export function linkRoutes (app: FastifyInstance, ctx: LandingContext): void {
  const check = (request: FastifyRequest, purpose: TokenPurpose, siteId: string) => {
    const result = verifyToken(ctx.secret, purpose, siteId, tokenOf(request))
    if (!result.ok) throw result.reason === 'expired' ? new errors.ExpiredToken() : new errors.InvalidToken()
    return result.id
  }
  const buttonPage = (path: string, token: string, heading: string, button: string) =>
    `<h2>${escapeHtml(heading)}</h2><form method="post" action="${escapeHtml(path)}"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit">${escapeHtml(button)}</button></form>`

  const { prefix } = ctx
  app.get(`${prefix}/confirm`, async (request, reply) => {
    const { site } = ctx.resolveSite(request)
    const signup = await ctx.store.get(check(request, 'confirm', site.id))
    if (!signup || signup.site !== site.id) throw new errors.ExpiredToken()
    const texts = textsFor(site.locale)
    return ctx.renderPage(request, reply, site, 'confirm', buttonPage(`${prefix}/confirm`, String(tokenOf(request)), texts.confirmHeading, texts.confirmButton))
  })

  app.post(`${prefix}/confirm`, async (request, reply) => {
    const { site } = ctx.resolveSite(request)
    const id = check(request, 'confirm', site.id)
    const signup = await ctx.store.get(id)
    if (!signup || signup.site !== site.id) throw new errors.ExpiredToken()
    if (signup.status === 'pending') await ctx.store.confirm(id, new Date())
    const texts = textsFor(site.locale)
    return ctx.renderPage(request, reply, site, 'confirmed', `<h2>${escapeHtml(texts.thanksHeading)}</h2>${message(texts.confirmed, site)}`)
  })

  app.get(`${prefix}/unsubscribe`, async (request, reply) => {
    const { site } = ctx.resolveSite(request)
    check(request, 'unsubscribe', site.id)
    const texts = textsFor(site.locale)
    return ctx.renderPage(request, reply, site, 'unsubscribe', buttonPage(`${prefix}/unsubscribe`, String(tokenOf(request)), texts.unsubscribeHeading, texts.unsubscribeButton))
  })

  app.post(`${prefix}/unsubscribe`, async (request, reply) => {
    const { site } = ctx.resolveSite(request)
    const id = check(request, 'unsubscribe', site.id)
    // Unknown (deleted) or already unsubscribed: the outcome the visitor wants holds either way.
    await ctx.store.unsubscribe(id, new Date())
    const texts = textsFor(site.locale)
    return ctx.renderPage(request, reply, site, 'unsubscribed', `<h2>${escapeHtml(texts.unsubscribeHeading)}</h2>${message(texts.unsubscribed, site)}`)
  })
}
