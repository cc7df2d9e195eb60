import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp, closeAll } from './helpers/app.js'
import { Backends, misbehavingBackends } from './helpers/backends.js'

const opened: FastifyInstance[] = []
const backends = new Backends()
afterEach(async () => {
  await closeAll(opened)
  await backends.closeAll()
})

const check = (app: FastifyInstance, name: string) => {
  const found = app.healthWatchdog.snapshot().checks.find((c) => c.name === name)
  if (!found) throw new Error(`no check ${name}`)
  return found
}

describe('http check', () => {
  it('sends the method and headers, accepts the expected statuses and matches the body', async () => {
    const seen: Array<{ method?: string, auth?: string }> = []
    const backend = await backends.http((req, res) => {
      seen.push({ method: req.method, auth: req.headers.authorization })
      if (req.url === '/teapot') return res.writeHead(418).end('short and stout')
      res.writeHead(200).end(req.method === 'HEAD' ? undefined : 'status: alive')
    })
    const app = await buildApp({
      checks: [
        { type: 'http', name: 'plain', url: `${backend.url}/isalive` },
        { type: 'http', name: 'head', url: `${backend.url}/isalive`, method: 'HEAD', headers: { authorization: 'Bearer x' } },
        { type: 'http', name: 'teapot', url: `${backend.url}/teapot`, expectStatus: [200, 418], expectBody: /stout/ },
        { type: 'http', name: 'wrong-body', url: `${backend.url}/isalive`, expectBody: 'dead' },
        { type: 'http', name: 'wrong-status', url: `${backend.url}/teapot` },
      ],
    }, opened)
    await app.ready()
    await app.healthWatchdog.refresh()
    expect(check(app, 'plain')).toMatchObject({ health: 'up', status: 'pass' })
    expect(check(app, 'head')).toMatchObject({ health: 'up' })
    expect(seen).toContainEqual({ method: 'HEAD', auth: 'Bearer x' })
    expect(check(app, 'teapot')).toMatchObject({ health: 'up', last: { httpStatus: 418 } })
    expect(check(app, 'wrong-body')).toMatchObject({ health: 'down', last: { output: 'body does not match dead' } })
    expect(check(app, 'wrong-status')).toMatchObject({ health: 'down', last: { httpStatus: 418, output: 'unexpected status 418' } })
  })

  it('reuses one keep-alive connection across polls', async () => {
    const sockets = new Set<unknown>()
    const backend = await backends.http((req, res) => {
      sockets.add(req.socket)
      res.end('ok')
    })
    const app = await buildApp({ checks: [{ type: 'http', name: 'b', url: backend.url }] }, opened)
    await app.ready()
    for (let i = 0; i < 5; i++) {
      await app.healthWatchdog.refresh()
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(backend.hits()).toBeGreaterThanOrEqual(5)
    expect(sockets.size).toBe(1)
  })

  it('follows redirects when asked and fails a redirect loop', async () => {
    const backend = await backends.http((req, res) => {
      if (req.url === '/moved') return res.writeHead(301, { location: '/here' }).end()
      if (req.url === '/here') return res.end('ok')
      res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' }).end()
    })
    const app = await buildApp({
      checks: [
        { type: 'http', name: 'moved', url: `${backend.url}/moved`, maxRedirects: 3 },
        { type: 'http', name: 'moved-not-followed', url: `${backend.url}/moved` },
        { type: 'http', name: 'loop', url: `${backend.url}/a`, maxRedirects: 5 },
      ],
    }, opened)
    await app.ready()
    await app.healthWatchdog.refresh()
    expect(check(app, 'moved')).toMatchObject({ health: 'up', last: { httpStatus: 200 } })
    expect(check(app, 'moved-not-followed')).toMatchObject({ health: 'down', last: { httpStatus: 301 } })
    expect(check(app, 'loop')).toMatchObject({ health: 'down', last: { output: 'more than 5 redirects' } })
  })
})

describe('tcp and custom checks', () => {
  it('passes when the port accepts and fails when it refuses', async () => {
    const open = await backends.tcp((socket) => socket.end())
    const refused = await backends.closedPort()
    const app = await buildApp({
      checks: [
        { type: 'tcp', name: 'open', host: '127.0.0.1', port: open.port },
        { type: 'tcp', name: 'refused', host: '127.0.0.1', port: refused },
      ],
    }, opened)
    await app.ready()
    await app.healthWatchdog.refresh()
    expect(check(app, 'open').health).toBe('up')
    expect(check(app, 'refused')).toMatchObject({ health: 'down', last: { output: expect.stringContaining('ECONNREFUSED') } })
  })

  it('maps a custom function result, a throw and a hang that ignores its signal', async () => {
    let aborted = false
    const app = await buildApp({
      checks: [
        { type: 'custom', name: 'void', check: async () => {} },
        { type: 'custom', name: 'false', check: () => false },
        { type: 'custom', name: 'explicit', check: async () => ({ ok: true, output: 'queue depth 3' }) },
        { type: 'custom', name: 'throws', check: async () => { throw new Error('database gone') } },
        {
          type: 'custom',
          name: 'hangs',
          timeout: 100,
          check: (signal) => {
            signal.addEventListener('abort', () => { aborted = true })
            return new Promise(() => {})
          },
        },
      ],
    }, opened)
    await app.ready()
    await app.healthWatchdog.refresh()
    expect(check(app, 'void').health).toBe('up')
    expect(check(app, 'false')).toMatchObject({ health: 'down', last: { output: 'check returned false' } })
    expect(check(app, 'explicit')).toMatchObject({ health: 'up', last: { output: 'queue depth 3' } })
    expect(check(app, 'throws')).toMatchObject({ health: 'down', last: { output: 'database gone' } })
    expect(check(app, 'hangs')).toMatchObject({ health: 'down', last: { output: 'timed out after 100 ms' } })
    expect(aborted).toBe(true)
  })

  it('runs the checks in parallel', async () => {
    const slow = (name: string) => ({ type: 'custom' as const, name, check: () => new Promise<void>((resolve) => setTimeout(resolve, 200)) })
    const app = await buildApp({ checks: [slow('a'), slow('b'), slow('c'), slow('d')] }, opened)
    await app.ready()
    const started = performance.now()
    await app.healthWatchdog.refresh()
    await app.healthWatchdog.refresh()
    // Two rounds of four 200 ms checks: ~400 ms in parallel, 1 600 ms in sequence.
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

describe('misbehaving backends', () => {
  const TIMEOUT = 300

  it('each fails within its timeout', async () => {
    const bad = await misbehavingBackends(backends)
    const app = await buildApp({
      timeout: TIMEOUT,
      checks: [
        { type: 'http', name: 'hanging', url: bad.hanging.url },
        { type: 'http', name: 'refusing', url: `http://127.0.0.1:${bad.refusedPort}/` },
        { type: 'http', name: 'resetting', url: bad.resetting.url },
        { type: 'http', name: 'slow-headers', url: bad.slowHeaders.url },
        { type: 'http', name: 'slow-body', url: bad.slowBody.url },
        { type: 'http', name: 'server-error', url: bad.serverError.url },
        { type: 'http', name: 'redirect-loop', url: `${bad.redirectLoop.url}/a`, maxRedirects: 10 },
        { type: 'http', name: 'unresolvable', url: 'http://no-such-host.invalid/isalive' },
        { type: 'tcp', name: 'tcp-unresolvable', host: 'no-such-host.invalid', port: 80 },
      ],
    }, opened)
    await app.ready()
    const started = performance.now()
    await app.healthWatchdog.refresh()
    const elapsed = performance.now() - started
    const checks = app.healthWatchdog.snapshot().checks
    for (const c of checks) {
      expect(c.health, c.name).toBe('down')
      expect(c.last!.latencyMs, c.name).toBeLessThan(TIMEOUT + 150)
    }
    expect(elapsed).toBeLessThan(TIMEOUT + 300)
    const output = Object.fromEntries(checks.map((c) => [c.name, c.last!.output]))
    expect(output.hanging).toBe(`timed out after ${TIMEOUT} ms`)
    expect(output['slow-headers']).toBe(`timed out after ${TIMEOUT} ms`)
    expect(output['slow-body']).toBe(`timed out after ${TIMEOUT} ms`)
    expect(output.refusing).toContain('ECONNREFUSED')
    expect(output.resetting).toMatch(/ECONNRESET|socket|closed/i)
    expect(output['server-error']).toBe('unexpected status 503')
    expect(output['redirect-loop']).toBe('more than 10 redirects')
    expect(output.unresolvable).toMatch(/ENOTFOUND|EAI_AGAIN|timed out/)
  })

  it('never delays the probe', async () => {
    const bad = await misbehavingBackends(backends)
    const app = await buildApp({
      timeout: 2000,
      checks: [
        { type: 'http', name: 'hanging', url: bad.hanging.url },
        { type: 'http', name: 'slow-body', url: bad.slowBody.url },
      ],
    }, opened)
    await app.ready()
    for (let i = 0; i < 20; i++) {
      const started = performance.now()
      const res = await app.inject('/healthz')
      expect(res.statusCode).toBe(503)
      expect(res.body).toBe('STARTING')
      expect(performance.now() - started).toBeLessThan(100)
    }
  })
})
