import axe from 'axe-core'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../test-support/chromium.js'
import { defineForm, escapeHtml, fields } from '../src/index.js'
import { buildApp } from './helpers.js'

const pickThings = defineForm({
  name: fields.text({ label: 'Your name', required: true, maxLength: 100, help: 'So we know who picked.' }),
  email: fields.email({ label: 'Email', required: true }),
  things: fields.selectMultiple({
    label: 'Pick things',
    choices: [{ value: 'apples', label: 'Apples' }, { value: 'pears', label: 'Pears' }, { value: 'plums', label: 'Plums' }],
    widget: 'checkboxes',
    required: true,
    max: 2,
  }),
  size: fields.radio({ label: 'Size', choices: ['small', 'large'], required: true }),
  colour: fields.select({ label: 'Colour', choices: ['red', 'green'] }),
  notes: fields.textarea({ label: 'Notes' }),
  agree: fields.checkbox({ label: 'I agree', required: true }),
}, { id: 'things', submitLabel: 'Pick!' })

// A strict CSP, as the composed server sends: no inline script or style at all.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

function page (title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
}

let app: FastifyInstance
let browser: Browser
let origin: string

beforeAll(async () => {
  app = await buildApp({}, (instance) => {
    instance.addHook('onSend', async (_request, reply) => { reply.header('content-security-policy', CSP) })
    instance.get('/', async (request, reply) => reply.type('text/html').send(page('Pick Things!', request.form(pickThings).render())))
    instance.post('/', async (request, reply) => {
      const form = await request.bindForm(pickThings)
      if (!form.valid) return reply.code(422).type('text/html').send(page('Pick Things!', form.render()))
      return reply.type('text/html').send(page('Thanks', `<p id="result">${escapeHtml(form.data.name)} picked ${escapeHtml(form.data.things.join(', '))}</p>`))
    })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  origin = `http://127.0.0.1:${(app.server.address() as import('node:net').AddressInfo).port}`
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await app?.close()
})

async function axeViolations (target: Page) {
  // Evaluated over the DevTools protocol, so the page's CSP does not block it (an inline <script> would be).
  await target.evaluate(axe.source)
  return target.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: typeof axe }).axe.run((globalThis as unknown as { document: never }).document, { resultTypes: ['violations'] })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.html) }))
  })
}

describe('in Chromium', () => {
  it('submits an invalid then a valid form: re-render with errors and kept values, 0 axe violations, no CSP violations, no script from input', async () => {
    const context = await browser.newContext()
    const tab = await context.newPage()
    const problems: string[] = []
    // 422 responses and the missing favicon log "Failed to load resource"; anything else (CSP refusals) counts.
    tab.on('console', (message) => { if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text()) })
    tab.on('pageerror', (error) => problems.push(error.message))
    tab.on('dialog', (dialog) => { problems.push(`dialog: ${dialog.message()}`); dialog.dismiss().catch(() => {}) })

    await tab.goto(origin)
    expect(await axeViolations(tab)).toEqual([])

    // Invalid: the browser's own checks pass (no box of the group is `required`), the server's fail.
    const payload = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    await tab.fill('#things-name', payload)
    await tab.fill('#things-email', 'ada@example.org')
    await tab.check('#things-size-1')
    await tab.selectOption('#things-colour', 'green')
    await tab.fill('#things-notes', 'line 1\nline </textarea> 2')
    await tab.check('#things-agree')
    await Promise.all([tab.waitForURL(origin + '/'), tab.click('button[type=submit]')])

    expect(await tab.textContent('#things-things-error')).toBe('Pick things is required.')
    expect(await tab.getAttribute('#things-things-group', 'aria-describedby')).toBe('things-things-error')
    expect(await tab.getAttribute('#things-things-0', 'aria-invalid')).toBe('true')
    expect(await tab.inputValue('#things-name')).toBe(payload)
    expect(await tab.inputValue('#things-email')).toBe('ada@example.org')
    expect(await tab.isChecked('#things-size-1')).toBe(true)
    expect(await tab.inputValue('#things-colour')).toBe('green')
    expect(await tab.inputValue('#things-notes')).toBe('line 1\nline </textarea> 2')
    expect(await tab.isChecked('#things-agree')).toBe(true)
    expect(await tab.locator('script, img').count()).toBe(0)
    expect(await axeViolations(tab)).toEqual([])

    // Too many picks: still server-side only.
    await tab.check('#things-things-0')
    await tab.check('#things-things-1')
    await tab.check('#things-things-2')
    await Promise.all([tab.waitForURL(origin + '/'), tab.click('button[type=submit]')])
    expect(await tab.textContent('#things-things-error')).toBe('Pick things: pick at most 2.')
    expect(await axeViolations(tab)).toEqual([])

    // Valid.
    await tab.fill('#things-name', 'Ada')
    await tab.uncheck('#things-things-1')
    await Promise.all([tab.waitForURL(origin + '/'), tab.click('button[type=submit]')])
    expect(await tab.textContent('#result')).toBe('Ada picked apples, plums')

    expect(problems).toEqual([])
    await context.close()
  })

  it('the axe check is live: an unlabeled control in the same page shell is reported', async () => {
    const tab = await browser.newPage()
    await tab.setContent(page('Broken', '<form><input type="text" name="x"></form>'))
    expect((await axeViolations(tab)).map((v) => v.id)).toContain('label')
    await tab.close()
  })
})
