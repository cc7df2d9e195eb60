import { join, resolve } from 'node:path'
import healthWatchdog, { type CheckOptions } from '@shipyard/health-watchdog'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { booleanFromString, integerFromString, type ConfigKey } from '../config-keys.js'
import type { ServerConfig } from '../config.js'
import type { MountedFeature } from '../server.js'

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' })
const tcpUrl = z.string().regex(/^tcp:\/\/[^\s/:]+:\d{1,5}$/, 'must be tcp://host:port')

/** One check written in JSON: `url` decides the kind (`http(s)://` or `tcp://host:port`). */
const checkObject = z.object({
  url: z.union([httpUrl, tcpUrl], { error: 'must be an http(s):// URL or tcp://host:port' }),
  name: z.string().min(1).optional(),
  critical: z.boolean().optional(),
  timeout: z.number().int().min(1).max(600_000).optional(),
  rise: z.number().int().min(1).max(100).optional(),
  fall: z.number().int().min(1).max(100).optional(),
  method: z.enum(['GET', 'HEAD', 'POST', 'OPTIONS']).optional(),
  expectStatus: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).optional(),
  expectBody: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  maxRedirects: z.number().int().min(0).max(20).optional(),
}).strict()

/** `HEALTH_CHECKS`: a comma-separated list of URLs, or a JSON array of URLs and `{ url, name, … }` objects. */
const healthChecks = z.preprocess((value) => {
  if (typeof value !== 'string') return value
  const text = value.trim()
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text)
    } catch {
      return 'invalid JSON'
    }
  }
  return text === '' ? [] : text.split(',').map((s) => s.trim()).filter(Boolean)
}, z.array(z.union([z.string().transform((url) => ({ url })), checkObject]).pipe(checkObject), {
  error: 'must be a comma-separated list of http(s):// and tcp://host:port URLs, or a JSON array of them or of { url, name, … } objects',
}))

type HealthCheckConfig = z.output<typeof checkObject>

/** Configuration keys of the `health` feature; merged into the server's one schema by config.ts. */
export const configKeys = [
  { key: 'healthPath', env: 'HEALTH_PATH', schema: z.string().regex(/^\/[^\s?#]*$/, 'must be a path such as /healthz').default('/healthz'), description: 'Route the load balancer probes (e.g. `/my-service/healthcheck`); answers `OK` 200 or 503 `FAILED`/`MAINTENANCE`/`STARTING`/`DRAINING`.' },
  { key: 'healthChecks', env: 'HEALTH_CHECKS', schema: healthChecks.default([]), description: 'Backends to poll: comma-separated `http(s)://…` and `tcp://host:port` URLs, or a JSON array of URLs or `{ "url", "name", "critical", "timeout", "rise", "fall", "expectStatus", "expectBody", "headers", "method", "maxRedirects" }` objects.' },
  { key: 'healthInterval', env: 'HEALTH_INTERVAL', schema: integerFromString(10, 3_600_000).default(2000), description: 'Milliseconds between two polls of each backend (±10 % jitter).' },
  { key: 'healthTimeout', env: 'HEALTH_TIMEOUT', schema: integerFromString(1, 600_000).default(2000), description: 'Milliseconds one check may take (connect, headers and body) before it fails.' },
  { key: 'healthMaintenanceFile', env: 'HEALTH_MAINTENANCE_FILE', schema: z.string().min(1).optional(), description: 'File whose presence puts the node in maintenance (503); default `<DATA_DIR>/maintenance`, so it survives restarts with the data volume.' },
  { key: 'healthDrainDelay', env: 'HEALTH_DRAIN_DELAY', schema: integerFromString(0, 600_000).default(5000), description: 'Milliseconds the probe answers 503 `DRAINING` on shutdown before connections close; keep it above the balancer\'s check interval × fall and below `SHUTDOWN_TIMEOUT`.' },
  { key: 'healthToken', env: 'HEALTH_TOKEN', schema: z.string().min(16, 'must be at least 16 characters').optional(), secret: true, description: 'Bearer token for verbose health output (`?verbose`) and metrics; defaults to `ADMIN_TOKEN`.' },
  { key: 'healthAdminRoutes', env: 'HEALTH_ADMIN_ROUTES', schema: booleanFromString.default(true), description: 'Mount `PUT`/`DELETE <HEALTH_PATH>/maintenance` (bearer `ADMIN_TOKEN`) to enter and leave maintenance with a reason.' },
  { key: 'healthAgentPort', env: 'HEALTH_AGENT_PORT', schema: integerFromString(1, 65535).optional(), description: 'TCP port of an HAProxy agent-check (`agent-check agent-port …`); off when unset.' },
  { key: 'healthAgentHost', env: 'HEALTH_AGENT_HOST', schema: z.string().min(1).default('127.0.0.1'), description: 'Interface of the agent-check port (`0.0.0.0` when HAProxy runs on another host).' },
  { key: 'healthMetrics', env: 'HEALTH_METRICS', schema: booleanFromString.default(false), description: 'Serve Prometheus metrics of the checks at `<HEALTH_PATH>/metrics` (same bearer token as verbose output).' },
  { key: 'healthPropagateStatus', env: 'HEALTH_PROPAGATE_STATUS', schema: booleanFromString.default(false), description: 'Answer a failed probe with the failing backend\'s own 4xx/5xx status instead of 503.' },
] as const satisfies readonly ConfigKey[]

/** A readable, unique default name: `host:port/path` of the URL. */
function checkName (url: URL): string {
  return `${url.host}${url.pathname === '/' ? '' : url.pathname}`
}

function toCheckOptions (check: HealthCheckConfig): CheckOptions {
  const { url: text, name, ...rest } = check
  const url = new URL(text)
  if (url.protocol === 'tcp:') {
    const common = { critical: rest.critical, timeout: rest.timeout, rise: rest.rise, fall: rest.fall }
    return { type: 'tcp', name: name ?? url.host, host: url.hostname, port: Number(url.port), ...withoutUndefined(common) }
  }
  return { type: 'http', name: name ?? checkName(url), url: text, ...withoutUndefined(rest) }
}

function withoutUndefined<T extends object> (value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

/** Registers the `health` feature on the app and describes what it mounted. */
export async function register (app: FastifyInstance, config: ServerConfig): Promise<MountedFeature[]> {
  if (config.healthDrainDelay >= config.shutdownTimeout) {
    throw new Error(`HEALTH_DRAIN_DELAY (${config.healthDrainDelay} ms) must be shorter than SHUTDOWN_TIMEOUT (${config.shutdownTimeout} ms)`)
  }
  const path = config.healthPath
  const base = path.replace(/\/$/, '')
  const maintenanceFile = resolve(config.healthMaintenanceFile ?? join(config.dataDir, 'maintenance'))
  await app.register(healthWatchdog, {
    path,
    checks: config.healthChecks.map(toCheckOptions),
    interval: config.healthInterval,
    timeout: config.healthTimeout,
    maintenanceFile,
    drainDelay: config.healthDrainDelay,
    token: config.healthToken ?? config.adminToken,
    admin: config.healthAdminRoutes ? { token: config.adminToken, path: `${base}/maintenance` } : false,
    agentCheck: config.healthAgentPort === undefined ? false : { port: config.healthAgentPort, host: config.healthAgentHost },
    metrics: config.healthMetrics ? { path: `${base}/metrics` } : false,
    propagateStatus: config.healthPropagateStatus,
  })

  const mounted: MountedFeature[] = [
    { feature: 'health', path, description: `Load-balancer probe over ${config.healthChecks.length} backend check(s); maintenance file ${maintenanceFile}` },
  ]
  if (config.healthAdminRoutes) mounted.push({ feature: 'health', path: `${base}/maintenance`, description: 'PUT/DELETE to enter/leave maintenance (bearer ADMIN_TOKEN)' })
  if (config.healthMetrics) mounted.push({ feature: 'health', path: `${base}/metrics`, description: 'Prometheus metrics of the health checks' })
  if (config.healthAgentPort !== undefined) mounted.push({ feature: 'health', path: `tcp://${config.healthAgentHost}:${config.healthAgentPort}`, description: 'HAProxy agent-check' })
  return mounted
}
