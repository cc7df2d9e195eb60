import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../test-support/chromium.js'
import { buildApp, removeTempDirs, secret, signUp } from './helpers.js'
import { signLinkToken } from '../src/index.js'

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const siteHeaders = {
  'x-landing-title': 'Alpha <Launch>',
  'x-landing-email': 'hello@alpha.test',
  'x-landing-tagline': 'Caf%C3%A9 culture, soon',
  'x-landing-description': 'We are building something.',
  'x-landing-privacy-url': 'https://alpha.test/privacy',
  'x-landing-consent-required': 'true',
  'x-landing-collect-name': 'true',
  'x-landing-accent-color': '#f5c518',
}

let browser: Browser
let linkApp: FastifyInstance
let nonceApp: FastifyInstance
let origin: string
let nonceOrigin: string

beforeAll(async () => {
  browser = await launchChromium()
  linkApp = (await buildApp({}, { listen: false })).app
  linkApp.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', "default-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
  })
  // A control page proving the violation collector sees what it must.
  linkApp.get('/csp-control', async (_request, reply) => reply.type('text/html').send('<!doctype html><p style="color:red">x</p>'))
  await linkApp.listen({ port: 0, host: '127.0.0.1' })
  origin = `http://127.0.0.1:${(linkApp.server.address() as { port: number }).port}`
  // As with @fastify/helmet's enableCSPNonces: a fresh style nonce per response.
  const nonces = new WeakMap<object, string>()
  nonceApp = (await buildApp({ styleNonce: (request) => nonces.get(request)! })).app
  nonceApp.addHook('onRequest', async (request, reply) => {
    const nonce = randomBytes(16).toString('base64')
    nonces.set(request, nonce)
    reply.header('content-security-policy', `default-src 'self'; style-src 'nonce-${nonce}'; form-action 'self'`)
  })
  await nonceApp.listen({ port: 0, host: '127.0.0.1' })
  nonceOrigin = `http://127.0.0.1:${(nonceApp.server.address() as { port: number }).port}`
})

afterAll(async () => {
  await browser?.close()
  await linkApp?.close()
  await nonceApp?.close()
  removeTempDirs()
})

/** Opens a page and collects every CSP violation the browser reports. */
async function open (base: string, path: string): Promise<{ page: Page, violations: string[], status: number }> {
  const context = await browser.newContext({ extraHTTPHeaders: siteHeaders })
  const page = await context.newPage()
  const violations: string[] = []
  page.on('console', (msg) => { if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text()) })
  const response = await page.goto(`${base}${path}`)
  await page.waitForLoadState('load')
  return { page, violations, status: response!.status() }
}

/** A computed style property of the first element matching the selector (evaluated in the page). */
function computed (page: Page, selector: string, property: string): Promise<string> {
  return page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(selector)}))[${JSON.stringify(property)}]`)
}

async function axe (page: Page): Promise<Array<{ id: string, nodes: unknown[] }>> {
  await page.evaluate(axeSource)
  const result = await page.evaluate(async () => (globalThis as unknown as { axe: { run: (options: unknown) => Promise<{ violations: Array<{ id: string, nodes: unknown[] }> }> } }).axe.run({ runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] }))
  return result.violations
}

describe('pages in Chromium under a strict CSP', () => {
  it('the collector reports an inline style (control)', async () => {
    const { page, violations } = await open(origin, '/csp-control')
    await expect.poll(() => violations.length).toBeGreaterThan(0)
    await page.context().close()
  })

  it('the landing page loads its stylesheet with no CSP violation and no axe violation', async () => {
    const { page, violations, status } = await open(origin, '/')
    expect(status).toBe(200)
    expect(violations).toEqual([])
    // the stylesheet applied: the card carries the accent colour
    const border = await computed(page, '.landing-card', 'borderTopColor')
    expect(border).toBe('rgb(245, 197, 24)')
    // a light accent gets dark button text
    expect(await computed(page, 'button', 'color')).toBe('rgb(0, 0, 0)')
    expect(await page.title()).toBe('Alpha <Launch>')
    const problems = await axe(page)
    expect(problems.map((v) => v.id)).toEqual([])
    await page.context().close()
  })

  it('signing up in the browser lands on the thank-you page, with no CSP violation', async () => {
    const { page, violations } = await open(origin, '/')
    await page.getByLabel('Email address').fill('browser@example.com')
    await page.getByLabel(/may email me/).check()
    await page.getByRole('button', { name: 'Notify me' }).click()
    await page.waitForURL(`${origin}/thanks`)
    expect(await page.textContent('main')).toContain('You are on the list')
    expect(violations).toEqual([])
    expect((await axe(page)).map((v) => v.id)).toEqual([])
    expect((await linkApp.landing.store.counts())[0]).toMatchObject({ active: 1 })
    await page.context().close()
  })

  it('the form with errors, error pages, unsubscribe page: no CSP or axe violation', async () => {
    const { page, violations } = await open(origin, '/')
    await page.getByLabel('Email address').fill('not-an-address')
    await page.locator('form').evaluate((form) => form.setAttribute('novalidate', ''))
    await page.getByRole('button', { name: 'Notify me' }).click()
    await page.waitForLoadState('load')
    expect(await page.locator('[aria-invalid="true"]').count()).toBeGreaterThan(0)
    expect((await axe(page)).map((v) => v.id)).toEqual([])
    await page.goto(`${origin}/unsubscribe?token=garbage`)
    expect((await axe(page)).map((v) => v.id)).toEqual([])
    await signUp(linkApp, { email: 'u@example.com', consent: 'y' }, { host: new URL(origin).host, headers: siteHeaders })
    const signup = (await linkApp.landing.store.activePage('127.0.0.1', 0, 10)).find((s) => s.email === 'u@example.com')!
    await page.goto(`${origin}/unsubscribe?token=${signLinkToken(secret, 'unsubscribe', '127.0.0.1', signup.id)}`)
    await page.getByRole('button', { name: 'Unsubscribe me' }).click()
    await page.waitForLoadState('load')
    expect(await page.textContent('main')).toContain('You are unsubscribed')
    expect((await axe(page)).map((v) => v.id)).toEqual([])
    expect(violations).toEqual([])
    await page.context().close()
  })

  it('with styleNonce the CSS is inline under a nonce CSP, with no violation', async () => {
    const { page, violations, status } = await open(nonceOrigin, '/')
    expect(status).toBe(200)
    expect(await page.locator('link[rel=stylesheet]').count()).toBe(0)
    expect(await computed(page, '.landing-card', 'borderTopColor')).toBe('rgb(245, 197, 24)')
    expect(violations).toEqual([])
    await page.context().close()
  })
})
