// Every page of every plugin, loaded in Chromium under the server's helmet CSP: no violation may be reported.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../test-support/chromium.js'
import { loadConfig } from '../src/config.js'
import { buildServer } from '../src/server.js'

let app: FastifyInstance
let browser: Browser
let address: string

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'shipyard-csp-'))
  app = await buildServer(loadConfig({ env: { DATA_DIR: dataDir, LOG_LEVEL: 'silent', HEALTH_DRAIN_DELAY: '0' } }))
  // a page that breaks the policy, to prove the watcher below notices
  app.get('/__csp_probe', async (_request, reply) => reply.type('text/html').send('<p>x</p><script>document.title = "ran"</script>'))
  address = await app.listen({ host: '127.0.0.1', port: 0 })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

/** Opens a page that records CSP violations (reported to the page as events) and console errors. */
async function watchedPage (): Promise<{ page: Page, problems: string[] }> {
  const page = await browser.newPage()
  const problems: string[] = []
  await page.exposeFunction('reportViolation', (text: string) => { problems.push(text) })
  // (strings, not functions: this file is type-checked without the DOM lib)
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (event) => {
    window.reportViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' at ' + event.sourceFile + ':' + event.lineNumber)
  })`)
  // Chromium also logs CSP refusals to the console; other console errors here are expected 4xx answers
  // (a 422 re-render, the missing favicon).
  page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) problems.push(`console: ${message.text()}`) })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  return { page, problems }
}

describe('pages under the Content-Security-Policy', () => {
  it('the landing page, an invalid and a valid sign-up, and the thank-you page', async () => {
    const { page, problems } = await watchedPage()
    const url = new URL(address)
    await page.goto(`http://localhost:${url.port}/`)
    expect(await page.locator('h1').textContent()).toBe('Shipyard')
    // styles from the nonce'd block applied (a blocked <style> would leave the default serif font)
    expect(await page.evaluate('getComputedStyle(document.body).fontFamily')).not.toMatch(/^"?Times/)
    await page.locator('input[type=email]').fill('not-an-email')
    await page.evaluate("document.querySelector('form').setAttribute('novalidate', '')")
    await page.locator('form button[type=submit], form input[type=submit]').first().click()
    await page.waitForLoadState('load')
    await page.locator('input[type=email]').fill('reader@example.com')
    await page.locator('form button[type=submit], form input[type=submit]').first().click()
    await page.waitForURL(/\/thanks/)
    expect(problems).toEqual([])
  })

  it('the demo form, its error re-render and its result page', async () => {
    const { page, problems } = await watchedPage()
    await page.goto(`${address}/forms/demo`)
    await page.evaluate("document.querySelector('form').setAttribute('novalidate', '')")
    await page.locator('form [type=submit]').click()
    await page.waitForLoadState('load')
    expect(await page.locator('[aria-invalid="true"]').count()).toBeGreaterThan(0)
    await page.locator('input[name=name]').fill('Ada')
    await page.locator('input[value=apples]').check()
    await page.locator('form [type=submit]').click()
    await page.waitForSelector('#result')
    expect(problems).toEqual([])
  })

  it('the upload page with its progressive-enhancement script, and the page after an upload', async () => {
    const { page, problems } = await watchedPage()
    await page.goto(`${address}/upload`)
    await page.locator('input[type=file]').setInputFiles({ name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('hello from chromium\n') })
    await page.locator('form [type=submit]').click()
    await page.waitForLoadState('load')
    expect(await page.content()).toContain('note.txt')
    expect(problems).toEqual([])
  })

  it('would report an inline script, so the checks above can fail', async () => {
    const { page, problems } = await watchedPage()
    await page.goto(`${address}/__csp_probe`)
    expect(await page.title()).not.toBe('ran')
    await expect.poll(() => problems.length).toBeGreaterThan(0)
  })
})
