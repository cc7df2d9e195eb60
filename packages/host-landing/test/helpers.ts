import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import formWidgets from '@shipyard/form-widgets'
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify'
import pg from 'pg'
import { inject } from 'vitest'
import hostLanding, { type HostLandingOptions } from '../src/index.js'

export const secret = 'test-secret-test-secret-test-secret!'
export const csrfSecret = 'csrf-secret-csrf-secret-csrf-secret!'

export interface LogLine { level: number, msg: string, [key: string]: unknown }

/** A Fastify app with form-widgets and the plugin, capturing log lines. */
export async function buildApp (options: Partial<HostLandingOptions> = {}, { listen = false } = {}): Promise<{ app: FastifyInstance, logs: LogLine[] }> {
  const logs: LogLine[] = []
  const app = Fastify({
    logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } },
  })
  await app.register(formWidgets, { csrf: { secret: csrfSecret } })
  await app.register(hostLanding, { secret, store: { sqlite: join(tempDir(), 'landing.sqlite') }, ...options })
  if (listen) await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, logs }
}

const dirs: string[] = []
export function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'host-landing-test-'))
  dirs.push(dir)
  return dir
}
export function removeTempDirs (): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** A fresh PostgreSQL database on the run's server, so test files do not see each other's rows. */
export async function freshPostgresDatabase (): Promise<string> {
  const base = inject('postgresUrl')
  const name = `landing_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: base })
  await client.connect()
  await client.query(`CREATE DATABASE ${name}`)
  await client.end()
  return base.replace(/\/[^/]*$/, `/${name}`)
}

export const alpha = { 'x-landing-title': 'Alpha', 'x-landing-email': 'hello@alpha.test' }

/** GETs the landing page and returns what a browser would post back: CSRF token and cookie. */
export async function openForm (app: FastifyInstance, headers: Record<string, string> = {}, host = 'alpha.test') {
  const res = await app.inject({ method: 'GET', url: '/', headers: { host, ...alpha, ...headers } })
  if (res.statusCode !== 200) throw new Error(`GET / answered ${res.statusCode}: ${res.body}`)
  const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1]
  const setCookie = res.headers['set-cookie']
  const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie ?? '']).map((c) => c.split(';')[0]).join('; ')
  if (!token) throw new Error('no CSRF token in the form')
  return { token, cookie, page: res.body }
}

/** POSTs a sign-up like a browser, with a fresh form token. */
export async function signUp (app: FastifyInstance, fields: Record<string, string>, { headers = {}, host = 'alpha.test', remoteAddress }: { headers?: Record<string, string>, host?: string, remoteAddress?: string } = {}) {
  const { token, cookie } = await openForm(app, headers, host)
  const options: InjectOptions = {
    method: 'POST',
    url: '/signup',
    headers: { host, ...alpha, ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: token, ...fields }).toString(),
  }
  if (remoteAddress) options.remoteAddress = remoteAddress
  return app.inject(options)
}
