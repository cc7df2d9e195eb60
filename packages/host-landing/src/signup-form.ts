import { defineForm, fields, validators, type FormDefinition, type FormView } from '@shipyard/form-widgets'
import { normaliseEmail } from './address.js'
import type { SiteConfig } from './site.js'
import { escapeHtml } from './template.js'
import { fill, textsFor } from './texts.js'

/** The honeypot: a field people never see or fill, which naive bots do. */
export const honeypotField = 'website'

function build (site: SiteConfig, consentText: string) {
  const texts = textsFor(site.locale)
  return defineForm({
    // A text field typed `email` in HTML: the WHATWG email rule would refuse IDN domains, which we accept
    // and store as punycode.
    email: fields.text({
      label: texts.emailLabel,
      required: true,
      maxLength: 254,
      autocomplete: 'email',
      attrs: { type: 'email', inputmode: 'email' },
      validators: [validators.custom((value: string, ctx) => (normaliseEmail(value) === undefined ? ctx.message('invalidEmail') : undefined))],
    }),
    name: fields.text({ label: texts.nameLabel, maxLength: 200, autocomplete: 'name' }),
    consent: fields.checkbox({ label: consentText, required: site.consentRequired }),
    [honeypotField]: fields.text({ label: texts.honeypotLabel, autocomplete: 'off', maxLength: 2000, attrs: { tabindex: '-1' } }),
  }, { id: 'signup', action: '/signup', submitLabel: texts.submit })
}

export type SignupForm = ReturnType<typeof build>

const cache = new Map<string, SignupForm>()
const bySite = new WeakMap<SiteConfig, SignupForm>()

/** The consent wording shown to this site's visitors; its hash is the consent version stored with a sign-up. */
export function consentTextFor (site: SiteConfig): string {
  return site.consentText ?? fill(textsFor(site.locale).consent, { title: site.title })
}

/** The sign-up form of a site (definitions are cached per wording and locale). */
export function signupFormFor (site: SiteConfig): SignupForm {
  const known = bySite.get(site)
  if (known) return known
  const consentText = consentTextFor(site)
  const key = `${site.locale}\n${site.consentRequired}\n${consentText}`
  let form = cache.get(key)
  if (!form) {
    if (cache.size >= 1000) cache.clear()
    form = build(site, consentText)
    cache.set(key, form)
  }
  bySite.set(site, form)
  return form
}

/** The `<form>`: errors, email, optional name and consent, the hidden honeypot, CSRF and the button. */
export function renderSignupForm (view: FormView<SignupForm extends FormDefinition<infer F> ? F : never>, site: SiteConfig, prefix = ''): string {
  const texts = textsFor(site.locale)
  const privacy = site.privacyPolicyUrl ? `<p class="landing-privacy"><a href="${escapeHtml(site.privacyPolicyUrl)}">${escapeHtml(texts.privacyPolicy)}</a></p>` : ''
  return `<form method="post" action="${escapeHtml(prefix)}/signup" class="landing-form">` +
    view.renderFormErrors() +
    view.renderField('email') +
    (site.collectName ? view.renderField('name') : '') +
    (site.consentRequired ? `<div class="landing-consent">${view.renderField('consent')}</div>` : '') +
    privacy +
    `<div class="landing-hp" aria-hidden="true">${view.renderField(honeypotField)}</div>` +
    view.renderCsrf() +
    `<button type="submit">${escapeHtml(texts.submit)}</button></form>`
}
