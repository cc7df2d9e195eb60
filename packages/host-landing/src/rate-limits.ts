import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import { errors } from './errors.js'

export interface Limit {
  /** sign-up attempts allowed per window */
  max: number
  /** window in milliseconds */
  timeWindow: number
}

export interface RateLimitOptions {
  /** per client IP (default 10 per minute) */
  perIp?: Limit | false
  /** per normalised email address and site (default 5 per hour) */
  perAddress?: Limit | false
  /** per site, all visitors together (default 300 per minute) */
  perSite?: Limit | false
}

export const defaultLimits = {
  perIp: { max: 10, timeWindow: 60_000 },
  perAddress: { max: 5, timeWindow: 3_600_000 },
  perSite: { max: 300, timeWindow: 60_000 },
} as const satisfies Required<RateLimitOptions>

export type LimitName = keyof RateLimitOptions

/** Checks one more sign-up attempt against a key; throws the 429 error when the limit is passed. */
export type LimitCheck = (request: FastifyRequest, name: LimitName, key: string) => Promise<void>

/**
 * Registers @fastify/rate-limit (not globally) in the given encapsulated context and returns a checker. With
 * `redis`, counters live in Redis and are shared by every instance; otherwise in this process's memory.
 */
export async function setupRateLimits (scope: FastifyInstance, options: RateLimitOptions, redis: Redis | undefined): Promise<LimitCheck> {
  await scope.register(rateLimit, { global: false, ...(redis ? { redis, nameSpace: 'shipyard-landing:' } : {}) })
  const keys = new WeakMap<FastifyRequest, string>()
  const limiters = new Map<LimitName, ReturnType<FastifyInstance['createRateLimit']>>()
  for (const name of ['perIp', 'perAddress', 'perSite'] as const) {
    const limit = options[name] === undefined ? defaultLimits[name] : options[name]
    if (limit === false) continue
    limiters.set(name, scope.createRateLimit({ max: limit.max, timeWindow: limit.timeWindow, keyGenerator: (request) => keys.get(request)! }))
  }
  return async (request, name, key) => {
    const limiter = limiters.get(name)
    if (!limiter) return
    keys.set(request, `${name}:${key}`)
    let result
    try {
      result = await limiter(request)
    } catch (err) {
      request.log.error({ err }, 'landing rate-limit store failed')
      throw new errors.StoreUnavailable()
    }
    if (!result.isAllowed && result.isExceeded) {
      throw Object.assign(new errors.RateLimited(name, String(result.ttlInSeconds)), { retryAfter: result.ttlInSeconds })
    }
  }
}
