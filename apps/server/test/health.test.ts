import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, redactConfig } from '../src/config.js'
import { buildServer } from '../src/server.js'
import { listeningAddress, spawnServer, type SpawnedServer } from './helpers/spawn-server.js'

const TOKEN = 'a'.repeat(40)
const apps: FastifyInstance[] = []
const backends: Server[] = []
const processes: SpawnedServer[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
  await Promise.all(backends.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
  for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
})

/** The seed's backend: three nodes on one port answering /<node>/isalive. */
async function seedBackend (down: string[] = []): Promise<string> {
  const server = createServer((req, res) => {
    const node = req.url?.split('/')[1] ?? ''
    res.writeHead(down.includes(node) ? 500 : 200).end()
  })
  backends.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'shipyard-health-'))
const seedChecks = (base: string) => ['node1', 'node2', 'node3'].map((n) => `${base}/${n}/isalive`).join(',')

async function build (env: Record<string, string>) {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'shipyard-health-'))
  const config = loadConfig({ env: { FEATURES: 'health', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ADMIN_TOKEN: TOKEN, HEALTH_DRAIN_DELAY: '0', ...env } })
  const app = await buildServer(config)
  apps.push(app)
  await app.ready()
  await app.healthWatchdog.refresh()
  return { app, dataDir }
}

describe('health feature', () => {
  it('serves the seed probe at /my-service/healthcheck over three polled nodes', async () => {
    const base = await seedBackend()
    const { app } = await build({ HEALTH_PATH: '/my-service/healthcheck', HEALTH_CHECKS: seedChecks(base) })
    const res = await app.inject('/my-service/healthcheck')
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('OK')
    expect(res.headers['cache-control']).toBe('no-store')
    const verbose = await app.inject({ url: '/my-service/healthcheck?verbose', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(Object.keys(verbose.json().checks)).toEqual([
      `${base.slice(7)}/node1/isalive:responseTime`, `${base.slice(7)}/node2/isalive:responseTime`, `${base.slice(7)}/node3/isalive:responseTime`,
    ])
    const mounted = (await app.inject('/_shipyard')).json().mounted
    expect(mounted.map((m: { path: string }) => m.path)).toEqual(['/my-service/healthcheck', '/my-service/healthcheck/maintenance'])
  })

  it('answers 503 FAILED when a node fails, and its status with HEALTH_PROPAGATE_STATUS', async () => {
    const base = await seedBackend(['node2'])
    const { app } = await build({ HEALTH_CHECKS: seedChecks(base) })
    expect((await app.inject('/healthz')).statusCode).toBe(503)
    const { app: propagating } = await build({ HEALTH_CHECKS: seedChecks(base), HEALTH_PROPAGATE_STATUS: 'true' })
    expect((await propagating.inject('/healthz')).statusCode).toBe(500)
  })

  it('reads the maintenance file from <DATA_DIR>/maintenance by default, or HEALTH_MAINTENANCE_FILE', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shipyard-health-'))
    writeFileSync(join(dataDir, 'maintenance'), 'moving racks')
    const { app } = await build({ DATA_DIR: dataDir })
    const res = await app.inject('/healthz')
    expect(res.statusCode).toBe(503)
    expect(res.body).toContain(`remove the file ${resolve(dataDir, 'maintenance')}`)
    const other = join(mkdtempSync(join(tmpdir(), 'shipyard-health-')), 'down')
    const { app: custom } = await build({ DATA_DIR: dataDir, HEALTH_MAINTENANCE_FILE: other })
    expect((await custom.inject('/healthz')).body).toBe('OK')
  })

  it('enters and leaves maintenance through the admin route with ADMIN_TOKEN', async () => {
    const { app, dataDir } = await build({})
    const auth = { authorization: `Bearer ${TOKEN}` }
    expect((await app.inject({ method: 'PUT', url: '/healthz/maintenance', payload: { reason: 'x' } })).statusCode).toBe(401)
    const put = await app.inject({ method: 'PUT', url: '/healthz/maintenance', headers: auth, payload: { reason: 'patching' } })
    expect(put.statusCode).toBe(200)
    expect(existsSync(join(dataDir, 'maintenance'))).toBe(true)
    expect((await app.inject({ url: '/healthz?verbose', headers: auth })).json().output).toBe('under maintenance: patching')
    await app.inject({ method: 'DELETE', url: '/healthz/maintenance', headers: auth })
    expect((await app.inject('/healthz')).body).toBe('OK')
  })

  it('maps tcp:// checks, JSON objects, metrics and the agent port', async () => {
    const base = await seedBackend()
    const port = Number(new URL(base).port)
    const checks = JSON.stringify([
      `tcp://127.0.0.1:${port}`,
      { url: `${base}/node1/isalive`, name: 'node1', critical: false, expectStatus: [200, 204] },
    ])
    const { app } = await build({ HEALTH_CHECKS: checks, HEALTH_METRICS: 'true', HEALTH_AGENT_PORT: String(await freePort()), HEALTH_ADMIN_ROUTES: 'false' })
    const snapshot = app.healthWatchdog.snapshot()
    expect(snapshot.checks.map((c) => [c.name, c.type, c.critical, c.health])).toEqual([
      [`127.0.0.1:${port}`, 'tcp', true, 'up'],
      ['node1', 'http', false, 'up'],
    ])
    const metrics = await app.inject({ url: '/healthz/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(metrics.body).toContain('shipyard_health_check_up{check="node1",critical="false"} 1')
    expect(app.healthWatchdog.agentCheckAddress()).not.toBeNull()
    expect((await app.inject({ method: 'PUT', url: '/healthz/maintenance' })).statusCode).toBe(404)
  })

  it('drain() turns the probe to DRAINING while other routes keep answering', async () => {
    const { app } = await build({})
    const drained = app.healthWatchdog.drain()
    expect((await app.inject('/healthz')).body).toBe('DRAINING')
    expect((await app.inject('/_shipyard')).statusCode).toBe(200)
    await drained
  })
})

describe('health configuration', () => {
  it('rejects bad HEALTH_* values with the key named', () => {
    let error: unknown
    try {
      loadConfig({ env: { DATA_DIR: tempDir(), HEALTH_CHECKS: 'ftp://x/,tcp://nohost', HEALTH_PATH: 'healthz', HEALTH_INTERVAL: '0', HEALTH_TOKEN: 'short' } })
    } catch (err) { error = err }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems.join('\n')
    for (const key of ['HEALTH_CHECKS', 'HEALTH_PATH', 'HEALTH_INTERVAL', 'HEALTH_TOKEN']) expect(problems).toContain(key)
    expect(problems).not.toContain('short')
    expect(() => loadConfig({ env: { DATA_DIR: tempDir(), HEALTH_CHECKS: '[{"url":"http://x/","bogus":1}]' } })).toThrow(/HEALTH_CHECKS/)
    expect(() => loadConfig({ env: { DATA_DIR: tempDir(), HEALTH_CHECKS: '[not json' } })).toThrow(/HEALTH_CHECKS/)
  })

  it('hides the health token and refuses a drain delay longer than the shutdown timeout', async () => {
    const config = loadConfig({ env: { HEALTH_TOKEN: 'b'.repeat(20), DATA_DIR: mkdtempSync(join(tmpdir(), 'shipyard-health-')) } })
    expect(redactConfig(config).healthToken).toBe('(set)')
    expect(config.healthChecks).toEqual([])
    await expect(build({ HEALTH_DRAIN_DELAY: '10000', SHUTDOWN_TIMEOUT: '5000' })).rejects.toThrow(/HEALTH_DRAIN_DELAY \(10000 ms\) must be shorter than SHUTDOWN_TIMEOUT/)
  })
})

describe('standalone side-channel monitor', () => {
  it('runs `shipyard start` with FEATURES=health only and answers the probe from its polled backends', async () => {
    const base = await seedBackend(['node3'])
    const server = spawnServer(['start'], {
      LOG_LEVEL: 'info',
      FEATURES: 'health',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'shipyard-health-')),
      HEALTH_PATH: '/my-service/healthcheck',
      HEALTH_CHECKS: seedChecks(base),
      HEALTH_INTERVAL: '100',
      HEALTH_DRAIN_DELAY: '0',
    })
    processes.push(server)
    const address = await listeningAddress(server)
    let res = await fetch(`${address}/my-service/healthcheck`)
    for (let i = 0; i < 50 && (await res.clone().text()) === 'STARTING'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      res = await fetch(`${address}/my-service/healthcheck`)
    }
    expect(res.status).toBe(503)
    expect(await res.text()).toBe('FAILED')
    expect(((await (await fetch(`${address}/_shipyard`)).json()) as { mounted: unknown[] }).mounted[0]).toMatchObject({ feature: 'health', path: '/my-service/healthcheck' })
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)
  })
})

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
