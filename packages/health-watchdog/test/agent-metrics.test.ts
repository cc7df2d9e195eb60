import { connect } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp, closeAll } from './helpers/app.js'

const opened: FastifyInstance[] = []
afterEach(() => closeAll(opened))

/** Reads what the agent says on one connection, sending HAProxy's optional agent-send text first. */
function askAgent (port: number, send = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' })
    let text = ''
    socket.on('connect', () => { if (send) socket.write(send) })
    socket.on('data', (chunk) => { text += chunk.toString() })
    socket.on('end', () => resolve(text))
    socket.on('error', reject)
  })
}

describe('HAProxy agent-check', () => {
  it('answers each state with the agent words HAProxy understands', async () => {
    let healthy = true
    const app = await buildApp({
      fall: 1,
      rise: 1,
      agentCheck: { port: 0 },
      checks: [{ type: 'custom', name: 'c', check: () => healthy }],
    }, opened)
    expect(app.healthWatchdog.agentCheckAddress()).toBeNull()
    await app.ready()
    const { port, address } = app.healthWatchdog.agentCheckAddress()!
    expect(address).toBe('127.0.0.1')
    await app.healthWatchdog.refresh()
    expect(await askAgent(port)).toBe('up ready 100%\n')
    expect(await askAgent(port, 'hello\n')).toBe('up ready 100%\n')
    healthy = false
    await app.healthWatchdog.refresh()
    expect(await askAgent(port)).toBe('down\n')
    healthy = true
    await app.healthWatchdog.refresh()
    await app.healthWatchdog.enterMaintenance('x')
    expect(await askAgent(port)).toBe('drain\n')
    await app.healthWatchdog.leaveMaintenance()
    expect(await askAgent(port)).toBe('up ready 100%\n')
    const drained = app.healthWatchdog.drain(0)
    expect(await askAgent(port)).toBe('drain\n')
    await drained
    await app.close()
    await expect(askAgent(port)).rejects.toThrow(/ECONNREFUSED/)
  })

  it('says down while starting and can say maint for maintenance', async () => {
    const app = await buildApp({
      agentCheck: { port: 0, maintenance: 'maint' },
      checks: [{ type: 'custom', name: 'c', check: () => new Promise(() => {}) }],
    }, opened)
    await app.ready()
    const { port } = app.healthWatchdog.agentCheckAddress()!
    expect(await askAgent(port)).toBe('down\n')
    await app.healthWatchdog.enterMaintenance('x')
    expect(await askAgent(port)).toBe('maint\n')
  })
})

describe('metrics', () => {
  it('serves Prometheus text for each check: up, latency, transitions', async () => {
    let healthy = true
    const app = await buildApp({
      fall: 1,
      rise: 1,
      metrics: true,
      checks: [
        { type: 'custom', name: 'db "main"', check: () => healthy },
        { type: 'custom', name: 'cache', critical: false, check: () => true },
      ],
    }, opened)
    await app.ready()
    await app.healthWatchdog.refresh()
    healthy = false
    await app.healthWatchdog.refresh()
    const res = await app.inject('/healthz/metrics')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = res.body
    expect(text).toContain('# TYPE shipyard_health_check_up gauge')
    expect(text).toContain('shipyard_health_check_up{check="db \\"main\\"",critical="true"} 0')
    expect(text).toContain('shipyard_health_check_up{check="cache",critical="false"} 1')
    expect(text).toMatch(/shipyard_health_check_latency_seconds\{check="cache"\} \d+(\.\d+)?(e-\d+)?\n/)
    expect(text).toContain('# TYPE shipyard_health_check_transitions_total counter')
    expect(text).toContain('shipyard_health_check_transitions_total{check="db \\"main\\""} 1')
    const runs = app.healthWatchdog.snapshot().checks[1]!.runs
    expect(runs).toBeGreaterThanOrEqual(2)
    expect(text).toContain(`shipyard_health_check_runs_total{check="cache"} ${runs}`)
    expect(text).toContain('shipyard_health_check_failures_total{check="db \\"main\\""} 1')
    expect(text).toContain('shipyard_health_status{status="failed"} 1')
    expect(text).toContain('shipyard_health_status{status="ok"} 0')
    expect(text).toContain('shipyard_health_maintenance 0')
  })

  it('is off by default, takes a custom path and follows the token rules', async () => {
    const off = await buildApp({}, opened)
    expect((await off.inject('/healthz/metrics')).statusCode).toBe(404)
    const app = await buildApp({ metrics: { path: '/metrics' }, token: 't' }, opened)
    expect((await app.inject('/metrics')).statusCode).toBe(401)
    expect((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer t' } })).statusCode).toBe(200)
    const open = await buildApp({ metrics: true }, opened)
    expect((await open.inject({ url: '/healthz/metrics', remoteAddress: '198.51.100.7' })).statusCode).toBe(403)
  })
})
