import type { TestProject } from 'vitest/node'
import { startPostgres } from '../../../scripts/postgres.mjs'
import { startRedis } from '../../../scripts/redis.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string
    redisUrl: string
  }
}

/** Starts PostgreSQL and Redis once per run, on loopback; both are stopped when the run ends. */
export default async function setup (project: TestProject) {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  project.provide('postgresUrl', postgres.url)
  project.provide('redisUrl', redis.url)
  return async () => {
    await Promise.allSettled([postgres.stop(), redis.stop()])
  }
}
