import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildApp, closeAll } from './helpers/app.js'

const opened: FastifyInstance[] = []
afterEach(async () => {
  vi.useRealTimers()
  await closeAll(opened)
})

async function get (base: string, path: string) {
  const res = await request(`${base}${path}`, { reset: true })
  return { status: res.statusCode, body: await res.body.text() }
}

describe('drain on shutdown', () => {
  it('turns the probe to DRAINING at once and holds close() for drainDelay', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    const app = await buildApp({ drainDelay: 5000 }, opened)
    await app.listen({ port: 0, host: '127.0.0.1' })
    let closed = false
    const closing = app.close().then(() => { closed = true })
    await vi.advanceTimersByTimeAsync(0)
    expect(app.healthWatchdog.snapshot()).toMatchObject({ status: 'draining', httpStatus: 503, draining: true })
    await vi.advanceTimersByTimeAsync(4999)
    expect(closed).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await closing
    expect(closed).toBe(true)
  })

  it('keeps serving ordinary requests during the delay when the server sets return503OnClosing: false', async () => {
    const app = await buildApp({ drainDelay: 400 }, opened, { return503OnClosing: false })
    app.get('/work', async () => 'done')
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    expect(await get(base, '/healthz')).toEqual({ status: 200, body: 'OK' })
    const started = performance.now()
    const closing = app.close()
    expect(await get(base, '/healthz')).toEqual({ status: 503, body: 'DRAINING' })
    expect(await get(base, '/work')).toEqual({ status: 200, body: 'done' })
    await closing
    expect(performance.now() - started).toBeGreaterThanOrEqual(390)
    await expect(get(base, '/work')).rejects.toThrow()
  })

  it('drain() before close() lets ordinary requests through with Fastify defaults, and close() does not wait again', async () => {
    const app = await buildApp({ drainDelay: 300 }, opened)
    app.get('/work', async () => 'done')
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    const started = performance.now()
    const draining = app.healthWatchdog.drain()
    expect(await get(base, '/healthz')).toEqual({ status: 503, body: 'DRAINING' })
    expect(await get(base, '/work')).toEqual({ status: 200, body: 'done' })
    await draining
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    const closeStarted = performance.now()
    await app.close()
    expect(performance.now() - closeStarted).toBeLessThan(200)
  })

  it('lets a request already running finish while closing', async () => {
    const app = await buildApp({ drainDelay: 100 }, opened)
    app.get('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 400))
      return 'finished'
    })
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    const slow = get(base, '/slow')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const closing = app.close()
    expect(await slow).toEqual({ status: 200, body: 'finished' })
    await closing
  })

  it('does not wait when the server never listened (no balancer can be looking)', async () => {
    const app = await buildApp({ drainDelay: 60_000 }, opened)
    await app.ready()
    const started = performance.now()
    await app.close()
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('ends a pending drain() when the app closes, so nothing waits on a cleared timer', async () => {
    const app = await buildApp({ drainDelay: 60_000 }, opened)
    await app.ready()
    const drained = app.healthWatchdog.drain()
    await app.close()
    await drained
  })

  it('reports draining ahead of maintenance and failures', async () => {
    const app = await buildApp({ checks: [{ type: 'custom', name: 'c', check: () => false }] }, opened)
    await app.ready()
    await app.healthWatchdog.refresh()
    await app.healthWatchdog.enterMaintenance('x')
    expect(app.healthWatchdog.snapshot().status).toBe('maintenance')
    const drained = app.healthWatchdog.drain(0)
    expect(app.healthWatchdog.snapshot().status).toBe('draining')
    expect((await app.inject('/healthz?verbose')).json()).toMatchObject({ status: 'fail', state: 'draining', output: 'draining before shutdown' })
    await drained
  })
})
