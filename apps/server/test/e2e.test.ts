// The server as ops run it: the BUILT server (dist/, as `pnpm start` runs it) in a child process configured only
// by environment variables, every feature exercised over HTTP, then SIGTERM during a slow download.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { csrfToken, HttpSession } from './helpers/http-session.js'
import { listeningAddress, spawnServer, type SpawnedServer } from './helpers/spawn-server.js'

const dist = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url))
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex')

const dataDir = mkdtempSync(join(tmpdir(), 'shipyard-e2e-'))
const env: Record<string, string> = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  DATA_DIR: dataDir,
  LOG_LEVEL: 'info',
  CSRF_SECRET: 'e2e-csrf-secret-'.padEnd(48, 'x'),
  COOKIE_SECRET: 'e2e-cookie-secret-'.padEnd(48, 'y'),
  ADMIN_TOKEN: 'e2e-admin-token-'.padEnd(48, 'z'),
  LANDING_SECRET: 'e2e-landing-secret-'.padEnd(48, 'w'),
  HEALTH_DRAIN_DELAY: '2000',
}
let server: SpawnedServer
let address: string

beforeAll(async () => {
  if (!existsSync(dist)) throw new Error('apps/server/dist is missing: run `pnpm build` first (the test command does)')
  // a bundle large enough that a paused reader keeps the download in flight across SIGTERM (.jpg: stored, not deflated)
  const bundleDir = mkdtempSync(join(tmpdir(), 'shipyard-e2e-bundle-'))
  mkdirSync(join(bundleDir, 'photos'))
  writeFileSync(join(bundleDir, 'photos', 'big.jpg'), randomBytes(48 * 1024 * 1024))
  server = spawnServer(['start'], env, { built: true })
  address = await listeningAddress(server)
  // added while the server runs (it seeded the demo bundle into the empty table at start)
  const add = spawnServer(['bundles', 'add', bundleDir, '--id', 'big'], env, { built: true })
  expect((await add.exited).code).toBe(0)
}, 60_000)

afterAll(() => {
  if (server?.child.exitCode === null) server.child.kill('SIGKILL')
})

describe('the built server, configured by environment only', () => {
  it('answers the healthcheck once the first round has run', async () => {
    await expect.poll(async () => (await fetch(`${address}/healthz`)).status, { timeout: 5000 }).toBe(200)
    const res = await fetch(`${address}/healthz`)
    expect(await res.text()).toBe('OK')
    expect(res.headers.get('cache-control')).toContain('no-store')
  })

  it('serves the default landing page by Host and stores a sign-up that the CLI exports', async () => {
    const session = new HttpSession(address)
    const page = await session.request('/')
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('action="/signup"')
    const posted = await session.request('/signup', { method: 'POST', body: new URLSearchParams({ _csrf: csrfToken(html), email: 'Ops@Example.COM' }) })
    expect(posted.status).toBe(303)
    const thanks = await session.request(posted.headers.get('location')!)
    expect(thanks.status).toBe(200)

    const exported = spawnServer(['signups', 'export', 'default'], env, { built: true })
    expect((await exported.exited).code).toBe(0)
    const csv = exported.logs.map((l) => l.msg).join('\n')
    expect(csv).toContain('Ops@example.com')
    // the same through the authenticated route
    const route = await fetch(`${address}/_landing/export.csv?site=default`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } })
    expect(await route.text()).toContain('Ops@example.com')
  })

  it('serves the demo form with a checkbox group and accepts a valid submission', async () => {
    const session = new HttpSession(address)
    const page = await session.request('/forms/demo')
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('type="checkbox"')
    const body = new URLSearchParams({ _csrf: csrfToken(html), name: 'Ops', things: 'apples' })
    body.append('things', 'cherries')
    const posted = await session.request('/forms/demo', { method: 'POST', body })
    expect(posted.status).toBe(200)
    expect(await posted.text()).toMatch(/Ops picked:[\s\S]*apples[\s\S]*cherries/)
    // without the token: refused
    const forged = await new HttpSession(address).request('/forms/demo', { method: 'POST', body: new URLSearchParams({ name: 'x', things: 'apples' }) })
    expect(forged.status).toBe(403)
  })

  it('stores an upload on the filesystem target and flashes its key', async () => {
    const session = new HttpSession(address)
    const form = await session.request('/upload')
    expect(form.status).toBe(200)
    const body = new FormData()
    body.append('_csrf', csrfToken(await form.text()))
    body.append('file', new Blob([PNG], { type: 'image/png' }), 'pixel.png')
    const posted = await session.request('/upload', { method: 'POST', body })
    expect(posted.status).toBe(303)
    const after = await session.request(posted.headers.get('location')!)
    const flash = await after.text()
    expect(flash).toMatch(/pixel\.png/)
    // the object and its metadata sidecar
    const stored = readdirSync(join(dataDir, 'uploads', 'uploads')).filter((name) => !name.endsWith('.meta.json'))
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatch(/^[0-9a-f]{32}\.png$/)
    expect(readFileSync(join(dataDir, 'uploads', 'uploads', stored[0]!))).toEqual(PNG)
    expect(flash).toContain(stored[0])
  })

  it('streams the demo bundle as a valid zip', async () => {
    const res = await fetch(`${address}/download/demo.zip`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/zip')
    const file = join(mkdtempSync(join(tmpdir(), 'shipyard-e2e-zip-')), 'demo.zip')
    writeFileSync(file, Buffer.from(await res.arrayBuffer()))
    execFileSync('unzip', ['-tq', file])
    expect((await fetch(`${address}/download/nope.zip`)).status).toBe(404)
  })

  it('sends security headers with a strict CSP', async () => {
    const res = await fetch(`${address}/forms/demo`)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'self'")
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/)
    expect(csp).not.toContain('unsafe-inline')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('on SIGTERM: the watchdog turns 503 first, a slow download in flight completes, exit 0', async () => {
    const download = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      get(`${address}/download/big.zip`, resolve).on('error', reject)
    })
    expect(download.statusCode).toBe(200)
    const expectedLength = Number(download.headers['content-length'])
    expect(expectedLength).toBeGreaterThan(48 * 1024 * 1024)
    download.pause() // a slow client: the server is now held by backpressure mid-archive

    server.child.kill('SIGTERM')
    await expect.poll(async () => (await fetch(`${address}/healthz`)).status, { timeout: 1500, interval: 50 }).toBe(503)
    const drainingSeenAt = Date.now()
    expect(server.child.exitCode).toBeNull()

    const chunks: Buffer[] = []
    download.on('data', (chunk: Buffer) => chunks.push(chunk))
    download.resume()
    await new Promise((resolve, reject) => download.on('end', resolve).on('error', reject))
    const archive = Buffer.concat(chunks)
    expect(archive.length).toBe(expectedLength)
    const file = join(mkdtempSync(join(tmpdir(), 'shipyard-e2e-zip-')), 'big.zip')
    writeFileSync(file, archive)
    execFileSync('unzip', ['-tq', file])

    const { code } = await server.exited
    expect(code).toBe(0)
    expect(Date.now() - drainingSeenAt).toBeLessThan(10_000)
    const order = server.logs.map((l) => l.msg)
    expect(order.indexOf('shutting down gracefully')).toBeGreaterThan(-1)
  }, 60_000)
})
