import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import healthWatchdog, {
  healthWatchdog as named, type CheckOptions, type HealthSnapshot, type HealthStatus, type HealthWatchdogHandle,
  type HealthWatchdogOptions,
} from '../src/index.js'

describe('types', () => {
  it('exports the plugin as default and named', () => {
    expectTypeOf(named).toEqualTypeOf(healthWatchdog)
  })

  it('decorates the instance with the healthWatchdog handle', async () => {
    const app = Fastify()
    await app.register(healthWatchdog, { path: '/my-service/healthcheck' })
    expectTypeOf(app.healthWatchdog).toEqualTypeOf<HealthWatchdogHandle>()
    expectTypeOf(app.healthWatchdog.snapshot()).toEqualTypeOf<HealthSnapshot>()
    expectTypeOf(app.healthWatchdog.snapshot().status).toEqualTypeOf<HealthStatus>()
    expectTypeOf(app.healthWatchdog.enterMaintenance).parameter(0).toEqualTypeOf<string | undefined>()
    expectTypeOf(app.healthWatchdog.leaveMaintenance).returns.toEqualTypeOf<Promise<void>>()
    expectTypeOf(app.healthWatchdog.drain).returns.toEqualTypeOf<Promise<void>>()
    expectTypeOf(app.healthWatchdog.refresh).returns.toEqualTypeOf<Promise<HealthSnapshot>>()
  })

  it('checks options: the check union is discriminated by type', () => {
    expectTypeOf<HealthStatus>().toEqualTypeOf<'ok' | 'warn' | 'failed' | 'starting' | 'maintenance' | 'draining'>()
    expectTypeOf<{ type: 'http', name: 'a', url: 'http://x/' }>().toExtend<CheckOptions>()
    expectTypeOf<{ type: 'tcp', name: 'db', host: 'db', port: 5432 }>().toExtend<CheckOptions>()
    expectTypeOf<{ type: 'custom', name: 'c', check: () => Promise<boolean> }>().toExtend<CheckOptions>()
    // @ts-expect-error a tcp check needs a port
    const noPort: CheckOptions = { type: 'tcp', name: 'db', host: 'db' }
    // @ts-expect-error an http check has no host/port, it has a url
    const httpWithHost: CheckOptions = { type: 'http', name: 'a', host: 'x', port: 1 }
    // @ts-expect-error custom checks resolve to void, boolean or { ok, output }
    const badCustom: CheckOptions = { type: 'custom', name: 'c', check: async () => 'fine' }
    // @ts-expect-error unknown check kind
    const udp: CheckOptions = { type: 'udp', name: 'u' }
    expectTypeOf([noPort, httpWithHost, badCustom, udp]).toBeArray()
  })

  it('checks plugin options', () => {
    expectTypeOf<{ mode: 'on-demand', cacheTtl: 500 }>().toExtend<HealthWatchdogOptions>()
    expectTypeOf<{ maintenanceFile: false, admin: false, agentCheck: false, metrics: true }>().toExtend<HealthWatchdogOptions>()
    const app = Fastify()
    // @ts-expect-error mode is background or on-demand
    app.register(healthWatchdog, { mode: 'lazy' })
    // @ts-expect-error maintenanceFile is a path or false
    app.register(healthWatchdog, { maintenanceFile: true })
    // @ts-expect-error admin routes need a token
    app.register(healthWatchdog, { admin: { path: '/x' } })
    // @ts-expect-error the agent maintenance word is drain or maint
    app.register(healthWatchdog, { agentCheck: { port: 5555, maintenance: 'down' } })
    // @ts-expect-error expectStatus is numbers
    app.register(healthWatchdog, { checks: [{ type: 'http', name: 'a', url: 'http://x/', expectStatus: '2xx' }] })
  })
})
