import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { startRedis } from '../../../scripts/redis.mjs'
import { buildApp, freshPostgresDatabase, removeTempDirs, signUp } from './helpers.js'

const apps: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()))
  removeTempDirs()
})

describe('several instances: PostgreSQL store and Redis rate limits', () => {
  it('two instances share sign-ups in PostgreSQL and rate-limit counters in Redis', async () => {
    const database = await freshPostgresDatabase()
    const options = {
      store: { postgres: database },
      rateLimit: { redis: inject('redisUrl'), perIp: { max: 3, timeWindow: 60_000 }, perAddress: false as const, perSite: false as const },
    }
    const [one, two] = await Promise.all([buildApp(options), buildApp(options)])
    apps.push(one.app, two.app)
    const ip = { 'x-real-ip': `198.51.100.${Math.floor(Math.random() * 250)}` }
    const statuses = []
    for (const [i, app] of [one.app, two.app, one.app, two.app].entries()) {
      statuses.push((await signUp(app, { email: `i${i}@example.com` }, { headers: ip })).statusCode)
    }
    expect(statuses).toEqual([303, 303, 303, 429])
    // duplicates across instances are still one row
    expect((await signUp(two.app, { email: 'i0@example.com' }, { headers: { 'x-real-ip': '198.51.100.251' } })).statusCode).toBe(303)
    expect(await one.app.landing.store.counts()).toEqual([{ site: 'alpha.test', active: 3, pending: 0, unsubscribed: 0 }])
    const redis = new Redis(inject('redisUrl'))
    const keys = await redis.keys('shipyard-landing:*')
    await redis.quit()
    expect(keys.some((k) => k.includes(`perIp:${ip['x-real-ip']}`))).toBe(true)
  })

  it('refuses to start when Redis cannot be reached', async () => {
    await expect(buildApp({ rateLimit: { redis: 'redis://127.0.0.1:1' } })).rejects.toMatchObject({ code: 'SHIPYARD_LANDING_INVALID_OPTION', message: expect.stringContaining('Redis') })
  })

  it('refuses to start when PostgreSQL cannot be reached', async () => {
    await expect(buildApp({ store: { postgres: 'postgres://nobody@127.0.0.1:1/none' } })).rejects.toMatchObject({ code: 'SHIPYARD_LANDING_INVALID_OPTION', message: expect.stringContaining('postgres store') })
  })

  it('answers 503 and acknowledges nothing when the database is unavailable', async () => {
    const { app, logs } = await buildApp({ store: { postgres: await freshPostgresDatabase() } })
    apps.push(app)
    expect((await signUp(app, { email: 'ok@example.com' })).statusCode).toBe(303)
    await app.landing.store.close()
    const res = await signUp(app, { email: 'lost@example.com' })
    expect(res.statusCode).toBe(503)
    expect(res.body).toContain('sign-ups are temporarily unavailable')
    expect(logs.some((l) => l.msg === 'landing sign-up could not be stored')).toBe(true)
  })

  it('answers 503 when Redis goes away under a running instance, and stores nothing', async () => {
    const redis = await startRedis()
    const { app, logs } = await buildApp({ rateLimit: { redis: redis.url } })
    apps.push(app)
    expect((await signUp(app, { email: 'before@example.com' })).statusCode).toBe(303)
    await redis.stop()
    const res = await signUp(app, { email: 'after@example.com' })
    expect(res.statusCode).toBe(503)
    expect(logs.some((l) => l.msg === 'landing rate-limit store failed')).toBe(true)
    expect((await app.landing.store.activePage('alpha.test', 0, 10)).map((s) => s.email)).toEqual(['before@example.com'])
  })
})
