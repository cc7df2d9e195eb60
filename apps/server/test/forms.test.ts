import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { buildServer } from '../src/server.js'

const dirs: string[] = []
let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function server (env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'shipyard-forms-'))
  dirs.push(dataDir)
  app = await buildServer(loadConfig({ env: { FEATURES: 'forms', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env } }))
  return app
}

function post (instance: FastifyInstance, url: string, cookie: string, body: string) {
  return instance.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body })
}

describe('forms feature', () => {
  it('mounts the "Pick Things!" demo under /forms/demo: invalid re-renders, valid lists the picks', async () => {
    const instance = await server()
    expect((await instance.inject('/_shipyard')).json().mounted).toContainEqual({ feature: 'forms', path: 'GET|POST /forms/demo', description: 'form-widgets demo: "Pick Things!" checkbox group with CSRF' })
    const pageRes = await instance.inject('/forms/demo')
    expect(pageRes.statusCode).toBe(200)
    const csp = String(pageRes.headers['content-security-policy'])
    const nonce = /style-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1]
    expect(nonce).toBeDefined()
    expect(pageRes.body).toContain(`<style nonce="${nonce}">`)
    expect(pageRes.body).not.toMatch(/ style=| on[a-z]+=|<script/)
    expect(pageRes.body).toContain('<legend class="sy-legend">Pick Things!</legend>')
    const cookie = String(pageRes.headers['set-cookie']).split(';')[0]!
    const token = encodeURIComponent(/name="_csrf" value="([^"]+)"/.exec(pageRes.body)![1]!)

    const invalid = await post(instance, '/forms/demo', cookie, `_csrf=${token}&name=Ada`)
    expect(invalid.statusCode).toBe(422)
    expect(invalid.body).toContain('<span>Pick Things! is required.</span>')
    expect(invalid.body).toContain('value="Ada"')

    const valid = await post(instance, '/forms/demo', cookie, `_csrf=${token}&name=Ada&things=apples&things=dates`)
    expect(valid.statusCode).toBe(200)
    expect(valid.body).toContain('<p id="result">Ada picked:</p><ul><li>apples</li><li>dates</li></ul>')

    const forged = await post(instance, '/forms/demo', cookie, 'name=Ada&things=apples')
    expect(forged.statusCode).toBe(403)
  })

  it('maps FORMS_* keys: demo path, locale, body limit; FORMS_DEMO=false mounts nothing', async () => {
    const instance = await server({ FORMS_DEMO_PATH: '/pick', FORMS_LOCALE: 'de', FORMS_BODY_LIMIT: '2048' })
    const pageRes = await instance.inject('/pick')
    const cookie = String(pageRes.headers['set-cookie']).split(';')[0]!
    const token = encodeURIComponent(/name="_csrf" value="([^"]+)"/.exec(pageRes.body)![1]!)
    expect((await post(instance, '/pick', cookie, `_csrf=${token}&name=`)).body).toContain('Your name ist ein Pflichtfeld.')
    expect((await post(instance, '/pick', cookie, `_csrf=${token}&name=${'x'.repeat(3000)}`)).statusCode).toBe(413)
    await instance.close()
    const off = await server({ FORMS_DEMO: 'false' })
    expect((await off.inject('/forms/demo')).statusCode).toBe(404)
    expect(off.hasPlugin('@shipyard/form-widgets')).toBe(true)
  })

  it('rejects bad FORMS_* values', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shipyard-forms-'))
    dirs.push(dataDir)
    expect(() => loadConfig({ env: { FORMS_DEMO_PATH: 'no-slash', FORMS_LOCALE: 'fr', FORMS_CSRF_MAX_AGE: '5', DATA_DIR: dataDir } }))
      .toThrow(/FORMS_CSRF_MAX_AGE[\s\S]*FORMS_LOCALE[\s\S]*FORMS_DEMO_PATH/)
  })
})
