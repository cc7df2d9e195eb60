import formWidgets, { defineForm, escapeHtml, fields, type FormView } from '@shipyard/form-widgets'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import { booleanFromString, integerFromString, type ConfigKey } from '../config-keys.js'
import type { ServerConfig } from '../config.js'
import type { MountedFeature } from '../server.js'

/** Configuration keys of the `forms` feature; merged into the server's one schema by config.ts. */
export const configKeys = [
  { key: 'formsCsrfMaxAge', env: 'FORMS_CSRF_MAX_AGE', schema: integerFromString(60, 30 * 86400).default(86400), description: 'Seconds a form\'s CSRF token stays valid; an older one re-renders the form with the input kept.' },
  { key: 'formsLocale', env: 'FORMS_LOCALE', schema: z.enum(['en', 'de']).default('en'), description: 'Language of validation messages (`en` or `de`).' },
  { key: 'formsBodyLimit', env: 'FORMS_BODY_LIMIT', schema: integerFromString(1024, 64 * 1024 * 1024).default(1024 * 1024), description: 'Largest urlencoded form body in bytes (larger: 413).' },
  { key: 'formsDemo', env: 'FORMS_DEMO', schema: booleanFromString.default(true), description: 'Mount the "Pick Things!" demo form (a checkbox group).' },
  { key: 'formsDemoPath', env: 'FORMS_DEMO_PATH', schema: z.string().regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'must be a path such as /forms/demo').default('/forms/demo'), description: 'Path of the demo form page (GET shows it, POST submits it).' },
] as const satisfies readonly ConfigKey[]

const pickThings = defineForm({
  name: fields.text({ label: 'Your name', required: true, maxLength: 80, autocomplete: 'name' }),
  things: fields.selectMultiple({
    label: 'Pick Things!',
    choices: [['apples', 'Apples'], ['bananas', 'Bananas'], ['cherries', 'Cherries'], ['dates', 'Dates']],
    widget: 'checkboxes',
    required: true,
    help: 'Pick at least one.',
  }),
}, { id: 'pick-things', submitLabel: 'Pick' })

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}' +
  '.sy-field{margin:0 0 1rem}.sy-fieldset{border:1px solid #888;padding:.5rem 1rem}.sy-label{display:block}' +
  '.sy-error,.sy-form-errors{color:#a00}.sy-help{color:#555;margin:.25rem 0}'

function page (reply: FastifyReply, title: string, body: string): string {
  // helmet's per-response nonce lets this one <style> block through the strict CSP; no nonce, no style.
  const nonce = (reply as FastifyReply & { cspNonce?: { style?: string } }).cspNonce?.style
  const style = nonce ? `<style nonce="${escapeHtml(nonce)}">${STYLE}</style>` : ''
  return '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title>${style}</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
}

function formPage (reply: FastifyReply, form: FormView<typeof pickThings.fields>, action: string): string {
  return page(reply, 'Pick Things!', form.render({ action }))
}

/** Registers the `forms` feature on the app and describes what it mounted. */
export async function register (app: FastifyInstance, config: ServerConfig): Promise<MountedFeature[]> {
  await app.register(formWidgets, {
    csrf: { secret: config.csrfSecret!, maxAge: config.formsCsrfMaxAge * 1000 },
    locale: config.formsLocale,
    limits: { bodySize: config.formsBodyLimit },
  })
  if (!config.formsDemo) return []
  const path = config.formsDemoPath
  app.get(path, async (request, reply) => reply.type('text/html').send(formPage(reply, request.form(pickThings), path)))
  app.post(path, async (request, reply) => {
    const form = await request.bindForm(pickThings)
    if (!form.valid) return reply.code(422).type('text/html').send(formPage(reply, form, path))
    const picked = form.data.things.map((thing) => `<li>${escapeHtml(thing)}</li>`).join('')
    return reply.type('text/html').send(page(reply, 'Thanks!', `<p id="result">${escapeHtml(form.data.name)} picked:</p><ul>${picked}</ul><p><a href="${escapeHtml(path)}">Pick again</a></p>`))
  })
  return [{ feature: 'forms', path: `GET|POST ${path}`, description: 'form-widgets demo: "Pick Things!" checkbox group with CSRF' }]
}
