import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import healthWatchdog, { errors, type HealthWatchdogOptions } from '../src/index.js'

const valid = { type: 'http', name: 'a', url: 'http://localhost:7070/node1/isalive' } as const

async function registerError (options: unknown): Promise<Error & { code?: string, statusCode?: number }> {
  const app = Fastify()
  try {
    await app.register(healthWatchdog, options as HealthWatchdogOptions)
    await app.ready()
  } catch (err) {
    return err as Error
  } finally {
    await app.close()
  }
  throw new Error('register did not fail')
}

describe('invalid options fail at register time with SHIPYARD_HEALTH_INVALID_OPTION', () => {
  it.each([
    ['path without a slash', { path: 'healthz' }, /"path" must be a route path/],
    ['zero interval', { interval: 0 }, /"interval" must be an integer/],
    ['fractional timeout', { timeout: 1.5 }, /"timeout" must be an integer/],
    ['jitter above 0.5', { jitter: 0.9 }, /"jitter" must be a number 0-0.5/],
    ['unknown mode', { mode: 'lazy' }, /"mode" must be "background" or "on-demand"/],
    ['checks not an array', { checks: {} }, /"checks" must be an array/],
    ['unknown check type', { checks: [{ type: 'udp', name: 'x' }] }, /"checks\[0\].type" must be "http", "tcp" or "custom"/],
    ['missing name', { checks: [{ type: 'tcp', host: 'x', port: 1 }] }, /"checks\[0\].name" must be a non-empty string/],
    ['duplicate names', { checks: [valid, valid] }, /check names must be unique \("a" appears twice\)/],
    ['relative URL', { checks: [{ ...valid, url: '/isalive' }] }, /"checks\[0\].url" must be an absolute URL/],
    ['ftp URL', { checks: [{ ...valid, url: 'ftp://x/' }] }, /must use http: or https:/],
    ['bad method', { checks: [{ ...valid, method: 'DELETE' }] }, /"checks\[0\].method" must be one of/],
    ['bad status', { checks: [{ ...valid, expectStatus: [200, 700] }] }, /"checks\[0\].expectStatus" must be an integer 100-599/],
    ['bad body matcher', { checks: [{ ...valid, expectBody: 42 }] }, /expectBody" must be a string or a RegExp/],
    ['bad headers', { checks: [{ ...valid, headers: { a: 1 } }] }, /headers" must be an object of string values/],
    ['too many redirects', { checks: [{ ...valid, maxRedirects: 50 }] }, /maxRedirects" must be an integer 0-20/],
    ['tcp port out of range', { checks: [{ type: 'tcp', name: 't', host: 'db', port: 70000 }] }, /"checks\[0\].port" must be an integer 1-65535/],
    ['custom without function', { checks: [{ type: 'custom', name: 'c' }] }, /"checks\[0\].check" must be a function/],
    ['rise of 0', { checks: [{ ...valid, rise: 0 }] }, /"checks\[0\].rise" must be an integer 1-100/],
    ['critical not boolean', { checks: [{ ...valid, critical: 'yes' }] }, /"checks\[0\].critical" must be true or false/],
    ['empty token', { token: '' }, /"token" must be a non-empty string/],
    ['admin without token', { admin: {} }, /"admin.token" must be a non-empty string/],
    ['agent port out of range', { agentCheck: { port: -1 } }, /"agentCheck.port" must be an integer 0-65535/],
    ['agent maintenance word', { agentCheck: { port: 0, maintenance: 'stopped' } }, /"agentCheck.maintenance" must be "drain" or "maint"/],
    ['metrics not boolean', { metrics: 'yes' }, /"metrics" must be a boolean or an object/],
    ['negative drain delay', { drainDelay: -1 }, /"drainDelay" must be an integer 0-600000/],
    ['empty maintenance file', { maintenanceFile: '' }, /"maintenanceFile" must be a non-empty string/],
    ['unknown log level', { logLevel: 'loud' }, /"logLevel" must be one of/],
  ])('%s', async (_label, options, message) => {
    const err = await registerError(options)
    expect(err).toBeInstanceOf(errors.InvalidOption)
    expect(err.code).toBe('SHIPYARD_HEALTH_INVALID_OPTION')
    expect(err.message).toMatch(message)
  })

  it('registers with no options at all', async () => {
    const app = Fastify()
    await app.register(healthWatchdog, { maintenanceFile: false })
    expect((await app.inject('/healthz')).body).toBe('OK')
    await app.close()
  })
})
