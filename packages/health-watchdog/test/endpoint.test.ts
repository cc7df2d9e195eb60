import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp, closeAll } from './helpers/app.js'
import { Backends } from './helpers/backends.js'

const opened: FastifyInstance[] = []
const backends = new Backends()
afterEach(async () => {
  await closeAll(opened)
  await backends.closeAll()
})

/** The seed's layout: one backend port, three nodes answering /<node>/isalive. */
async function seedBackend (down: Record<string, number> = {}) {
  return backends.http((req, res) => {
    const node = req.url?.split('/')[1] ?? ''
    const status = down[node] ?? 200
    res.writeHead(status).end(status === 200 ? 'alive' : 'broken')
  })
}

const seedChecks = (url: string, extra: { critical?: boolean } = {}) => ['node1', 'node2', 'node3'].map((node) => ({
  type: 'http' as const, name: node, url: `${url}/${node}/isalive`, ...extra,
}))

describe('probe endpoint', () => {
  it('serves the seed path with GET and HEAD, plain text and no caching', async () => {
    const backend = await seedBackend()
    const app = await buildApp({ path: '/my-service/healthcheck', checks: seedChecks(backend.url) }, opened)
    await app.ready()
    await app.healthWatchdog.refresh()
    const get = await app.inject('/my-service/healthcheck')
    expect(get.statusCode).toBe(200)
    expect(get.body).toBe('OK')
    expect(get.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(get.headers['cache-control']).toBe('no-store')
    const head = await app.inject({ method: 'HEAD', url: '/my-service/healthcheck' })
    expect(head.statusCode).toBe(200)
    expect(head.body).toBe('')
    expect(head.headers['cache-control']).toBe('no-store')
    expect((await app.inject('/healthz')).statusCode).toBe(404)
  })

  it('answers 503 FAILED when a critical backend is down, and can propagate its status like the seed', async () => {
    const backend = await seedBackend({ node2: 502 })
    const app = await buildApp({ checks: seedChecks(backend.url) }, opened)
    const propagating = await buildApp({ propagateStatus: true, checks: seedChecks(backend.url) }, opened)
    await app.ready()
    await propagating.ready()
    await app.healthWatchdog.refresh()
    await propagating.healthWatchdog.refresh()
    const res = await app.inject('/healthz')
    expect(res.statusCode).toBe(503)
    expect(res.body).toBe('FAILED')
    expect(res.headers['cache-control']).toBe('no-store')
    const propagated = await propagating.inject('/healthz')
    expect(propagated.statusCode).toBe(502)
    expect(propagated.body).toBe('FAILED')
  })

  it('propagates 503, not a made-up status, when the failure has no HTTP status', async () => {
    const refused = await backends.closedPort()
    const app = await buildApp({ propagateStatus: true, checks: [{ type: 'http', name: 'gone', url: `http://127.0.0.1:${refused}/` }] }, opened)
    await app.ready()
    await app.healthWatchdog.refresh()
    expect((await app.inject('/healthz')).statusCode).toBe(503)
  })

  it('stays 200 when only a non-critical check fails and says so in the details', async () => {
    const backend = await seedBackend({ node3: 500 })
    const checks = seedChecks(backend.url)
    checks[2] = { ...checks[2]!, critical: false }
    const app = await buildApp({ checks }, opened)
    await app.ready()
    await app.healthWatchdog.refresh()
    const res = await app.inject('/healthz')
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('OK')
    const verbose = await app.inject('/healthz?verbose')
    expect(verbose.json()).toMatchObject({ status: 'warn', state: 'warn', output: 'degraded: node3' })
    expect(verbose.json().checks['node3:responseTime'][0]).toMatchObject({ status: 'warn', critical: false, output: 'unexpected status 500' })
  })
})

describe('rise/fall on the probe', () => {
  it('stays 200 through fall - 1 failures and needs rise successes to come back', async () => {
    let healthy = true
    const app = await buildApp({ rise: 2, fall: 3, checks: [{ type: 'custom', name: 'flaky', check: () => healthy }] }, opened)
    await app.ready()
    const probe = async () => (await app.inject('/healthz')).statusCode
    await app.healthWatchdog.refresh()
    expect(await probe()).toBe(200)
    healthy = false
    await app.healthWatchdog.refresh()
    await app.healthWatchdog.refresh()
    expect(await probe()).toBe(200)
    expect((await app.inject('/healthz?verbose')).json().checks['flaky:responseTime'][0]).toMatchObject({ status: 'pass', output: 'check returned false' })
    await app.healthWatchdog.refresh()
    expect(await probe()).toBe(503)
    healthy = true
    await app.healthWatchdog.refresh()
    expect(await probe()).toBe(503)
    await app.healthWatchdog.refresh()
    expect(await probe()).toBe(200)
  })
})

describe('verbose output', () => {
  it('is application/health+json in the draft-inadarei format', async () => {
    const backend = await seedBackend({ node1: 500 })
    const app = await buildApp({ checks: seedChecks(backend.url) }, opened)
    await app.ready()
    await app.healthWatchdog.refresh()
    const res = await app.inject({ url: '/healthz', headers: { accept: 'application/health+json' } })
    expect(res.statusCode).toBe(503)
    expect(res.headers['content-type']).toMatch(/^application\/health\+json/)
    expect(res.headers['cache-control']).toBe('no-store')
    const body = res.json()
    expect(body).toMatchObject({ status: 'fail', state: 'failed', output: 'failing: node1' })
    expect(Object.keys(body.checks)).toEqual(['node1:responseTime', 'node2:responseTime', 'node3:responseTime'])
    const node1 = body.checks['node1:responseTime'][0]
    expect(node1).toMatchObject({ componentId: 'node1', componentType: 'http', status: 'fail', observedUnit: 'ms', output: 'unexpected status 500' })
    expect(node1.observedValue).toBeTypeOf('number')
    expect(new Date(node1.time).toString()).not.toBe('Invalid Date')
    expect(body.checks['node2:responseTime'][0]).toMatchObject({ status: 'pass' })
    expect(body.checks['node2:responseTime'][0].output).toBeUndefined()
  })

  it('is served to loopback callers only when no token is configured', async () => {
    const app = await buildApp({}, opened)
    const local = await app.inject('/healthz?verbose=1')
    expect(local.statusCode).toBe(200)
    expect(local.json()).toMatchObject({ status: 'pass' })
    const remote = await app.inject({ url: '/healthz?verbose=1', remoteAddress: '203.0.113.9' })
    expect(remote.statusCode).toBe(403)
    expect(remote.json()).toMatchObject({ code: 'SHIPYARD_HEALTH_FORBIDDEN' })
    // The terse answer stays open to everyone: that is what the balancer reads.
    expect((await app.inject({ url: '/healthz', remoteAddress: '203.0.113.9' })).body).toBe('OK')
    expect((await app.inject({ url: '/healthz?verbose=false', remoteAddress: '203.0.113.9' })).body).toBe('OK')
  })

  it('requires the bearer token when one is configured, even from loopback', async () => {
    const app = await buildApp({ token: 's3cret' }, opened)
    const none = await app.inject('/healthz?verbose')
    expect(none.statusCode).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer')
    expect(none.json()).toMatchObject({ code: 'SHIPYARD_HEALTH_UNAUTHORIZED' })
    const wrong = await app.inject({ url: '/healthz?verbose', headers: { authorization: 'Bearer s3cre' } })
    expect(wrong.statusCode).toBe(401)
    const right = await app.inject({ url: '/healthz?verbose', remoteAddress: '203.0.113.9', headers: { authorization: 'Bearer s3cret' } })
    expect(right.statusCode).toBe(200)
    expect(right.headers['content-type']).toMatch(/^application\/health\+json/)
  })
})
