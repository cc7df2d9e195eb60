import { afterAll, expect, it } from 'vitest'
import Fastify from 'fastify'
import { launchChromium } from '../../../test-support/chromium.js'

const app = Fastify()
afterAll(() => app.close())

it('drives Debian Chromium headless against a page served on loopback', async () => {
  app.get('/', async (_req, reply) => reply.type('text/html').send('<title>t</title><button onclick="this.textContent=\'clicked\'">go</button>'))
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await launchChromium()
  try {
    const page = await browser.newPage()
    await page.goto(address)
    await page.click('button')
    expect(await page.textContent('button')).toBe('clicked')
  } finally {
    await browser.close()
  }
})
