import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { normaliseEmail } from './address.js'
import type { LandingContext } from './context.js'
import { errors } from './errors.js'
import { consentTextFor, honeypotField, renderSignupForm, signupFormFor } from './signup-form.js'
import type { SiteConfig } from './site.js'
import { escapeHtml, message, stylesheet } from './template.js'
import { textsFor } from './texts.js'
import { hashIp, sha256, signToken } from './tokens.js'

const tokenMarker = '\uE000token\uE000'
const nonceMarker = '\uE000nonce\uE000'

type LandingPage = (token: string, nonce: string) => string

/** The page with its markers replaced by the arguments. */
function landingPage (html: string): LandingPage {
  // Round-tripped through UTF-8 so that Latin-1 text becomes one-byte strings again (the markers made the
  // whole page two-byte), which Node encodes faster when writing the response: without it the landing page
  // measured 28–30 k requests/s instead of 31–35 k.
  const parts = html.split(/(\uE000(?:token|nonce)\uE000)/).map((part) => (part === tokenMarker || part === nonceMarker ? part : Buffer.from(part).toString()))
  if (parts.length === 3 && parts[1] === tokenMarker) {
    const [before, , after] = parts as [string, string, string]
    return (token) => before + token + after
  }
  return (token, nonce) => {
    let out = ''
    for (const part of parts) out += part === tokenMarker ? token : part === nonceMarker ? nonce : part
    return out
  }
}

/** Landing page, stylesheet, sign-up (post/redirect/get) and thank-you page. */
export function signupRoutes (app: FastifyInstance, ctx: LandingContext): void {
  // An unbound landing page differs between requests only by its CSRF token (and the style nonce, when
  // used): render it once per site settings with markers, then splice each request's values in. The token
  // still comes from form-widgets for every request. Sites are shared objects (see resolve-site), hence WeakMap.
  const pageCache = new WeakMap<SiteConfig, LandingPage>()
  const { prefix } = ctx
  app.get(prefix || '/', async (request, reply) => {
    const { site } = ctx.resolveSite(request)
    // a token is base64url and dots (form-widgets' format): nothing in it needs escaping
    const token = request.csrfToken() ?? ''
    let page = pageCache.get(site)
    if (!page) {
      // rendered once with a stand-in token (the page needs the markup of the form's CSRF field)
      const view = request.form(signupFormFor(site))
      const standIn = escapeHtml(view.csrfToken ?? '')
      const form = renderSignupForm(view, site, prefix)
      page = landingPage(ctx.renderPage(request, reply, site, 'landing', standIn ? form.replace(standIn, tokenMarker) : form, nonceMarker))
      pageCache.set(site, page)
    }
    return reply.type('text/html; charset=utf-8').send(page(token, ctx.nonceFor ? escapeHtml(ctx.nonceFor(request, reply)) : ''))
  })

  app.get(`${prefix}/landing.css`, async (request, reply) => {
    const { site } = ctx.resolveSite(request)
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300')
    return stylesheet(site.accentColor)
  })

  app.get(`${prefix}/thanks`, async (request, reply) => {
    const { site } = ctx.resolveSite(request)
    const texts = textsFor(site.locale)
    const content = `<h2>${texts.thanksHeading}</h2>${message(ctx.mailer ? texts.checkInbox : texts.thanks, site)}`
    return ctx.renderPage(request, reply, site, 'thanks', content)
  })

  app.post(`${prefix}/signup`, async (request, reply) => {
    const { site, trusted } = ctx.resolveSite(request)
    const ip = ctx.clientIp(request, trusted)
    await ctx.limit(request, 'perIp', ip)
    await ctx.limit(request, 'perSite', site.id)
    const form = await request.bindForm(signupFormFor(site), { locale: site.locale })
    if (!form.valid) {
      reply.code(400)
      return ctx.renderPage(request, reply, site, 'landing', renderSignupForm(form, site, prefix))
    }
    // A bot filled the invisible field: it sees the usual success, nothing is stored.
    if (form.data[honeypotField]) {
      request.log.info({ site: site.id }, 'landing sign-up caught by the honeypot')
      return reply.redirect(`${prefix}/thanks`, 303)
    }
    const email = normaliseEmail(form.data.email)!
    await ctx.limit(request, 'perAddress', `${site.id}:${email}`)
    const name = site.collectName ? form.data.name?.trim() || null : null
    const now = new Date()
    let result
    try {
      result = await ctx.store.insert({
        id: randomBytes(16).toString('base64url'),
        site: site.id,
        email,
        name,
        locale: site.locale,
        status: ctx.mailer ? 'pending' : 'active',
        createdAt: now,
        consentGiven: site.consentRequired ? form.data.consent : false,
        consentTextHash: sha256(consentTextFor(site)),
        userAgent: request.headers['user-agent']?.slice(0, 500) ?? null,
        ip: ctx.hashIp ? hashIp(ctx.secret, ip) : ip,
        ipHashed: ctx.hashIp,
      })
    } catch (err) {
      request.log.error({ err, site: site.id }, 'landing sign-up could not be stored')
      throw new errors.StoreUnavailable()
    }
    // New or repeated, the visitor gets the same answer; a repeat of a pending sign-up re-sends (capped).
    const signup = result.signup
    if (ctx.mailer && signup.status === 'pending') {
      const mailer = ctx.mailer
      const link = `${ctx.origin(request, trusted)}${prefix}/confirm?token=${signToken(ctx.secret, 'confirm', site.id, signup.id, signup.createdAt.getTime() + ctx.confirmationTtl)}`
      ctx.track((async () => {
        if (!await ctx.store.claimConfirmationMail(signup.id, ctx.maxConfirmationMails)) {
          request.log.info({ site: site.id }, 'landing confirmation mail not sent: cap reached')
          return
        }
        await mailer.sendConfirmation({ site, to: signup.email, link })
      })().catch((err: unknown) => request.log.error({ err, site: site.id }, 'landing confirmation mail failed')))
    }
    return reply.redirect(`${prefix}/thanks`, 303)
  })
}
