import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import healthWatchdog, { type HealthWatchdogOptions } from '../../src/index.js'

/** A fresh temp dir whose `maintenance` file no test shares. */
export function maintenancePath (): string {
  return join(mkdtempSync(join(tmpdir(), 'health-watchdog-')), 'maintenance')
}

/** Builds an app with the watchdog; tests close it in afterEach through the returned list. */
export async function buildApp (options: HealthWatchdogOptions, opened: FastifyInstance[], serverOptions: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(serverOptions)
  opened.push(app)
  await app.register(healthWatchdog, { maintenanceFile: maintenancePath(), drainDelay: 0, ...options })
  return app
}

export async function closeAll (opened: FastifyInstance[]): Promise<void> {
  await Promise.all(opened.splice(0).map((app) => app.close()))
}
