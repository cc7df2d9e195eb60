import { PutBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../test-support/chromium.js'
import { buildApp, createBucket, getObjectBytes, MIB, multipartUploads, objectKeys, pngBytes, s3Client, s3Target } from './helpers.js'

let client: S3Client
let bucket: string
let app: FastifyInstance
let browser: Browser
let origin: string

beforeAll(async () => {
  client = s3Client()
  bucket = await createBucket(client, 'browser')
  app = await buildApp({ target: s3Target(bucket), maxFileSize: 8 * MIB }, async (instance) => {
    // The strict policy the composed server sends (helmet there), with the bucket origin the plugin names.
    const bucketOrigins = await instance.s3Upload.cspOrigins()
    const policy = ["default-src 'self'", "script-src 'self'", "script-src-attr 'none'", "style-src 'self'", "object-src 'none'",
      `connect-src 'self' ${bucketOrigins.join(' ')}`, "form-action 'self'"].join('; ')
    instance.addHook('onSend', async (_request, reply) => { reply.header('content-security-policy', policy) })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  // Direct uploads are cross-origin XHRs: the bucket must allow the page's origin.
  await client.send(new PutBucketCorsCommand({
    Bucket: bucket,
    CORSConfiguration: { CORSRules: [{ AllowedOrigins: [origin], AllowedMethods: ['POST', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }] },
  }))
  browser = await launchChromium()
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await app?.close()
  client.destroy()
})

/** Collects CSP violations and console errors of a page. */
function watch (page: Page): { violations: string[], errors: string[] } {
  const seen = { violations: [] as string[], errors: [] as string[] }
  page.on('console', (message) => {
    if (message.type() === 'error') seen.errors.push(message.text())
    if (/Content Security Policy/i.test(message.text())) seen.violations.push(message.text())
  })
  page.on('pageerror', (error) => seen.errors.push(error.message))
  return seen
}

async function keyFromFlash (page: Page, name: string): Promise<string> {
  const flash = page.locator('.sy-upload-flash-success')
  await flash.waitFor({ timeout: 15_000 })
  const text = await flash.textContent()
  const match = new RegExp(`^${name.replace('.', '\\.')} uploaded as (uploads/[0-9a-f]{32}\\.png)$`).exec(text ?? '')
  expect(match, `flash: ${text}`).not.toBeNull()
  return match![1]!
}

describe('Chromium', () => {
  it('uploads through the server when JavaScript is off (post/redirect/get with a flash)', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    const seen = watch(page)
    await page.goto(`${origin}/upload`)
    const content = pngBytes(2 * MIB + 17)
    await page.setInputFiles('input[type=file]', { name: 'no-js.png', mimeType: 'image/png', buffer: content })
    await Promise.all([page.waitForURL(`${origin}/upload`), page.click('button[type=submit]')])
    const key = await keyFromFlash(page, 'no-js.png')
    expect((await getObjectBytes(client, bucket, key)).equals(content)).toBe(true)
    expect(seen.violations).toEqual([])
    await context.close()
  })

  it('uploads straight to the bucket with a presigned POST and a progress bar when JavaScript runs, under a strict CSP', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const seen = watch(page)
    const bucketRequests: string[] = []
    page.on('request', (request) => { if (!request.url().startsWith(origin)) bucketRequests.push(`${request.method()} ${request.url()}`) })
    const serverPosts: string[] = []
    page.on('request', (request) => { if (request.url().startsWith(origin) && request.method() === 'POST') serverPosts.push(new URL(request.url()).pathname) })
    // When the completion request goes out, the bytes are in the bucket: read the progress bar then.
    let progressAtCompletion: number | undefined
    await page.route(`${origin}/upload/complete`, async (route) => {
      progressAtCompletion = await page.locator('.sy-upload-progress progress').evaluate((el) => (el as unknown as { value: number }).value)
      await route.continue()
    })
    await page.goto(`${origin}/upload`)
    const content = pngBytes(3 * MIB + 5)
    await page.setInputFiles('input[type=file]', { name: 'with-js.png', mimeType: 'image/png', buffer: content })
    await page.click('button[type=submit]')
    const key = await keyFromFlash(page, 'with-js.png')
    expect((await getObjectBytes(client, bucket, key)).equals(content)).toBe(true)
    // The file went to the bucket, not through the server: the server only saw presign and complete.
    expect(bucketRequests).toContain(`POST ${s3Target(bucket).type === 's3' ? (s3Target(bucket) as { endpoint: string }).endpoint : ''}/${bucket}`)
    expect(serverPosts).toEqual(['/upload/presign', '/upload/complete'])
    expect(progressAtCompletion).toBe(100)
    expect(seen.violations).toEqual([])
    expect(seen.errors).toEqual([])
    expect(await multipartUploads(client, bucket)).toEqual([])
    expect(await objectKeys(client, bucket)).toHaveLength(2)
    await context.close()
  })
})
