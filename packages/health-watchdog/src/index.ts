import type { AddressInfo } from 'node:net'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { Agent } from 'undici'
import { registerAdminRoutes } from './admin-routes.js'
import { AgentCheckServer } from './agent-check.js'
import { errors } from './errors.js'
import { registerMetricsRoute } from './metrics.js'
import { resolveOptions, type HealthWatchdogOptions } from './options.js'
import { registerProbeRoute } from './probe-route.js'
import { Watchdog, type HealthSnapshot, type HealthStatus } from './watchdog.js'

/** The `fastify.healthWatchdog` decorator. */
export interface HealthWatchdogHandle {
  /** the latest snapshot: overall status, maintenance, drain flag and every check */
  snapshot (): HealthSnapshot
  /** runs every check now and returns the new snapshot */
  refresh (): Promise<HealthSnapshot>
  /** enters maintenance: creates the maintenance file with the reason (or sets it in memory) */
  enterMaintenance (reason?: string): Promise<void>
  /** leaves maintenance: removes the maintenance file */
  leaveMaintenance (): Promise<void>
  /**
   * Turns the probe to 503 `DRAINING` now and resolves after `drainDelay` (or `delay`) ms. Call it on SIGTERM
   * before `fastify.close()` so ordinary requests keep being served while the balancer notices.
   */
  drain (delay?: number): Promise<void>
  /** where the HAProxy agent-check listens, once ready (null when disabled) */
  agentCheckAddress (): AddressInfo | null
}

declare module 'fastify' {
  interface FastifyInstance {
    healthWatchdog: HealthWatchdogHandle
  }
}

const plugin: FastifyPluginAsync<HealthWatchdogOptions> = async (fastify, opts) => {
  const options = resolveOptions(opts)
  const longestTimeout = Math.max(0, ...options.checks.map((c) => c.timeout))
  // One keep-alive pool per backend origin, shared by every HTTP check; unlimited connections so several checks
  // on one origin (the seed polls three nodes on one port) never queue behind a hung one.
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: null, connect: { timeout: longestTimeout || 2000 } })
  const watchdog = new Watchdog(options, dispatcher)
  const agentServer = options.agentCheck === false ? null : new AgentCheckServer(options.agentCheck, () => watchdog.snapshot)

  fastify.decorate('healthWatchdog', {
    snapshot: () => watchdog.snapshot,
    refresh: () => watchdog.refresh(),
    enterMaintenance: (reason = '') => watchdog.enterMaintenance(reason),
    leaveMaintenance: () => watchdog.leaveMaintenance(),
    drain: (delay?: number) => watchdog.drain(delay),
    agentCheckAddress: () => agentServer?.address() ?? null,
  } satisfies HealthWatchdogHandle)

  registerProbeRoute(fastify, watchdog)
  registerAdminRoutes(fastify, watchdog)
  registerMetricsRoute(fastify, watchdog)

  fastify.addHook('onReady', async () => {
    await watchdog.start()
    await agentServer?.listen()
  })
  // Not listening means no balancer is looking: the probe turns DRAINING but closing does not wait.
  fastify.addHook('preClose', async () => {
    const drained = watchdog.drain()
    if (fastify.server.listening) await drained
  })
  fastify.addHook('onClose', async () => {
    watchdog.close()
    await Promise.all([agentServer?.close(), dispatcher.destroy()])
  })
}

export const healthWatchdog = fp(plugin, { fastify: '5.x', name: '@shipyard/health-watchdog' })
export default healthWatchdog
export { errors }
export { toHealthJson } from './health-format.js'
export { toPrometheus } from './metrics.js'
export type { HealthSnapshot, HealthStatus }
export type { CheckSnapshot, CheckHealth } from './check-state.js'
export type { CheckOutcome } from './checks/outcome.js'
export type { MaintenanceState } from './maintenance.js'
export type {
  AdminOptions, AgentCheckOptions, CheckOptions, CommonCheckOptions, CustomCheckOptions, CustomCheckResult,
  HealthWatchdogOptions, HttpCheckOptions, HttpMethod, MetricsOptions, TcpCheckOptions,
} from './options.js'
