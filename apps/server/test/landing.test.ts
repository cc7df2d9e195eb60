import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startPostgres } from '../../../scripts/postgres.mjs'
import { launchChromium } from '../../../test-support/chromium.js'
import { loadConfig } from '../src/config.js'
import { exportSignups } from '../src/features/landing.js'
import { buildServer } from '../src/server.js'

const dirs: string[] = []
let app: FastifyInstance | undefined
let postgres: Awaited<ReturnType<typeof startPostgres>>
beforeAll(async () => { postgres = await startPostgres() })
afterAll(async () => { await postgres?.stop() })
afterEach(async () => {
  await app?.close()
  app = undefined
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function dataDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-landing-'))
  dirs.push(dir)
  return dir
}

async function server (env: Record<string, string> = {}) {
  const dir = env.DATA_DIR ?? dataDir()
  const config = loadConfig({ env: { FEATURES: 'forms,landing', DATA_DIR: dir, LOG_LEVEL: 'silent', ...env } })
  app = await buildServer(config)
  return { app, config, dir }
}

async function signUp (instance: FastifyInstance, email: string, headers: Record<string, string> = {}) {
  const page = await instance.inject({ url: '/', headers: { host: 'localhost:3000', ...headers } })
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
  const cookie = String(page.headers['set-cookie']).split(';')[0]!
  return instance.inject({
    method: 'POST',
    url: '/signup',
    headers: { host: 'localhost:3000', ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: token, email }).toString(),
  })
}

describe('landing feature', () => {
  it('a fresh start serves a default landing page with a sign-up form on http://localhost:3000', async () => {
    const { app } = await server()
    const res = await app.inject({ url: '/', headers: { host: 'localhost:3000' } })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<h1>Shipyard</h1>')
    expect(res.body).toContain('<form method="post" action="/signup"')
    // helmet's per-response style nonce carries the inline CSS; nothing else inline
    const nonce = /style-src 'self' 'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))?.[1]
    expect(nonce).toBeDefined()
    expect(res.body).toContain(`<style nonce="${nonce}">`)
    expect(res.body).not.toMatch(/ style=| on[a-z]+=|<script/)
    expect((await app.inject('/_shipyard')).json().mounted).toContainEqual(expect.objectContaining({ feature: 'landing', path: 'GET / by Host' }))
  })

  it('stores sign-ups in <DATA_DIR>/shipyard.sqlite in its own tables', async () => {
    const { app, dir } = await server()
    const res = await signUp(app, 'first@example.com')
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/thanks')
    const db = new Database(join(dir, 'shipyard.sqlite'), { readonly: true })
    expect(db.prepare('SELECT site, email, status FROM landing_signups').all()).toEqual([{ site: 'default', email: 'first@example.com', status: 'active' }])
    db.close()
  })

  it('site settings come from the proxy headers and the sites file', async () => {
    const dir = dataDir()
    const sites = join(dir, 'sites.yaml')
    writeFileSync(sites, 'sites:\n  alpha.test:\n    title: Alpha from file\n    contactEmail: a@alpha.test\n')
    const { app } = await server({ DATA_DIR: dir, LANDING_SITES_FILE: sites, LANDING_DEFAULT_SITE: 'false' })
    expect((await app.inject({ url: '/', headers: { host: 'alpha.test' } })).body).toContain('<h1>Alpha from file</h1>')
    expect((await app.inject({ url: '/', headers: { host: 'beta.test', 'x-landing-title': 'Beta', 'x-landing-email': 'b@beta.test' } })).body).toContain('<h1>Beta</h1>')
    expect((await app.inject({ url: '/', headers: { host: 'unknown.test' } })).statusCode).toBe(404)
  })

  it('exports CSV over HTTP with ADMIN_TOKEN and through the CLI function', async () => {
    const adminToken = 'admin-token-admin-token-admin-token!'
    const { app, config } = await server({ ADMIN_TOKEN: adminToken })
    await signUp(app, '=cmd@example.com')
    await signUp(app, 'second@example.com')
    expect((await app.inject({ url: '/_landing/export.csv?site=default' })).statusCode).toBe(401)
    const http = await app.inject({ url: '/_landing/export.csv?site=default', headers: { authorization: `Bearer ${adminToken}` } })
    expect(http.statusCode).toBe(200)
    const out = new PassThrough()
    let cli = ''
    out.setEncoding('utf8').on('data', (chunk: string) => { cli += chunk })
    await exportSignups(config, 'default', out)
    expect(cli).toBe(http.body)
    expect(cli.split('\r\n')[1]).toMatch(/^'=cmd@example.com,/)
    expect(cli.split('\r\n')[2]).toMatch(/^second@example.com,/)
  })

  it('uses PostgreSQL when DATABASE_URL is set', async () => {
    const { app } = await server({ DATABASE_URL: postgres.url })
    expect(app.landing.store.kind).toBe('postgres')
    expect((await signUp(app, 'pg@example.com')).statusCode).toBe(303)
    expect(await app.landing.store.counts()).toContainEqual({ site: 'default', active: 1, pending: 0, unsubscribed: 0 })
  })

  it('validates its config keys', () => {
    expect(() => loadConfig({ env: { DATA_DIR: dataDir(), DATABASE_URL: 'mysql://x', LANDING_TRUSTED_PROXIES: 'nope', LANDING_SMTP_URL: 'http://x' } }))
      .toThrow(/DATABASE_URL[\s\S]*LANDING_TRUSTED_PROXIES[\s\S]*LANDING_SMTP_URL/)
  })

  it('every landing page passes the server\'s helmet CSP in Chromium, sign-up included', async () => {
    const { app } = await server()
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      const violations: string[] = []
      page.on('console', (msg) => { if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text()) })
      await page.goto(`${address}/`)
      expect(await page.locator('h1').textContent()).toBe('Shipyard')
      await page.getByLabel('Email address').fill('chromium@example.com')
      await page.getByRole('button', { name: 'Notify me' }).click()
      await page.waitForURL(`${address}/thanks`)
      expect(await page.textContent('main')).toContain('You are on the list')
      await page.goto(`${address}/unsubscribe?token=forged`)
      expect(await page.textContent('main')).toContain('invalid or unknown link')
      expect(violations).toEqual([])
      expect(await app.landing.store.counts()).toEqual([{ site: 'default', active: 1, pending: 0, unsubscribed: 0 }])
    } finally {
      await browser.close()
    }
  })
})

describe('landing feature under LANDING_PREFIX', () => {
  it('serves the page and its sign-up under the prefix, leaving / to the server index', async () => {
    const { app } = await server({ LANDING_PREFIX: '/welcome' })
    const page = await app.inject({ url: '/welcome', headers: { host: 'localhost:3000' } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('action="/welcome/signup"')
    expect((await app.inject({ url: '/', headers: { host: 'localhost:3000' } })).json()).toMatchObject({ name: 'shipyard' })
    expect((await app.inject('/_shipyard')).json().mounted).toContainEqual(expect.objectContaining({ feature: 'landing', path: 'GET /welcome by Host' }))
  })
})
