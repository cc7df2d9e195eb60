import { resolve } from 'node:path'
import type { LogLevel } from 'fastify'
import { errors } from './errors.js'

/** Settings every check kind shares. */
export interface CommonCheckOptions {
  /** unique name, shown in verbose output and metrics */
  name: string
  /** milliseconds one run may take, connect + headers + body included (default: the plugin's `timeout`) */
  timeout?: number
  /** a failing critical check fails the node (503); a failing non-critical one only warns (200) */
  critical?: boolean
  /** consecutive successes that bring a down check up (default: the plugin's `rise`) */
  rise?: number
  /** consecutive failures that bring an up check down (default: the plugin's `fall`) */
  fall?: number
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'OPTIONS'

export interface HttpCheckOptions extends CommonCheckOptions {
  type: 'http'
  /** absolute `http:` or `https:` URL */
  url: string
  method?: HttpMethod
  /** accepted status codes (default 200-299) */
  expectStatus?: number | readonly number[]
  /** the body (first 64 KiB) must contain this string or match this expression */
  expectBody?: string | RegExp
  headers?: Record<string, string>
  /** redirects followed within the timeout; 0 (default) judges the 3xx itself against `expectStatus` */
  maxRedirects?: number
}

export interface TcpCheckOptions extends CommonCheckOptions {
  type: 'tcp'
  host: string
  port: number
}

/** What a custom check may resolve to: nothing or `true` passes, `false` fails, or an explicit result. */
export type CustomCheckResult = void | boolean | { ok: boolean, output?: string }

export interface CustomCheckOptions extends CommonCheckOptions {
  type: 'custom'
  /** aborts `signal` at the timeout; a throw or rejection fails the check with its message */
  check: (signal: AbortSignal) => CustomCheckResult | Promise<CustomCheckResult>
}

export type CheckOptions = HttpCheckOptions | TcpCheckOptions | CustomCheckOptions

export interface AdminOptions {
  /** bearer token required by the admin routes */
  token: string
  /** route of the maintenance admin endpoint (default `<path>/maintenance`) */
  path?: string
}

export interface AgentCheckOptions {
  /** TCP port of the HAProxy agent (0 picks a free one, see `healthWatchdog.agentCheckAddress()`) */
  port: number
  /** interface to listen on (default `127.0.0.1`) */
  host?: string
  /** agent word sent in maintenance: `drain` (default) keeps persistent sessions, `maint` cuts every one */
  maintenance?: 'drain' | 'maint'
}

export interface MetricsOptions {
  /** route of the Prometheus text (default `<path>/metrics`) */
  path?: string
}

export interface HealthWatchdogOptions {
  /** route of the probe (default `/healthz`) */
  path?: string
  checks?: readonly CheckOptions[]
  /** `background` (default) polls on a timer; `on-demand` runs the checks from a probe when the cache is stale */
  mode?: 'background' | 'on-demand'
  /** milliseconds between two runs of a check (default 2000) */
  interval?: number
  /** random spread of the interval, a fraction 0-0.5 (default 0.1: ±10 %) */
  jitter?: number
  /** on-demand mode: milliseconds a round's result is reused (default `interval`) */
  cacheTtl?: number
  /** default check timeout in milliseconds (default 2000) */
  timeout?: number
  /** default rise threshold (default 2) */
  rise?: number
  /** default fall threshold (default 3) */
  fall?: number
  /** answer 503 `STARTING` until every check has run once (default true) */
  waitForFirstRound?: boolean
  /** answer a failed probe with the failing HTTP backend's 4xx/5xx status instead of 503 (default false) */
  propagateStatus?: boolean
  /** file whose presence means maintenance (default `./maintenance`); `false` keeps maintenance in memory */
  maintenanceFile?: string | false
  /** milliseconds between two looks at the maintenance file, besides the file watcher (default 1000) */
  maintenancePollInterval?: number
  /** milliseconds the probe answers 503 before the server closes (default 5000) */
  drainDelay?: number
  /** bearer token for verbose output and metrics; without it they are served to loopback callers only */
  token?: string
  /** authenticated routes that create and remove the maintenance file (default off) */
  admin?: AdminOptions | false
  /** HAProxy agent-check port (default off) */
  agentCheck?: AgentCheckOptions | false
  /** Prometheus metrics route: `true` for the default path (default off) */
  metrics?: boolean | MetricsOptions
  /** log level of the probe and metrics routes, so frequent probes do not flood the log (default `warn`) */
  logLevel?: LogLevel
}

export interface ResolvedCheck {
  name: string
  timeout: number
  critical: boolean
  rise: number
  fall: number
  definition: CheckOptions
}

export interface ResolvedOptions {
  path: string
  checks: ResolvedCheck[]
  mode: 'background' | 'on-demand'
  interval: number
  jitter: number
  cacheTtl: number
  waitForFirstRound: boolean
  propagateStatus: boolean
  maintenanceFile: string | false
  maintenancePollInterval: number
  drainDelay: number
  token: string | undefined
  admin: { token: string, path: string } | false
  agentCheck: Required<AgentCheckOptions> | false
  metrics: { path: string } | false
  logLevel: LogLevel
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
const METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS']

function fail (message: string): never {
  throw new errors.InvalidOption(message)
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function integer (name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`"${name}" must be an integer ${min}-${max} (got ${JSON.stringify(value)})`)
  }
  return value
}

function boolean (name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(`"${name}" must be true or false (got ${JSON.stringify(value)})`)
  return value
}

function nonEmptyString (name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(`"${name}" must be a non-empty string`)
  return value
}

function routePath (name: string, value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /[\s?#]/.test(value)) {
    fail(`"${name}" must be a route path starting with "/" (got ${JSON.stringify(value)})`)
  }
  return value
}

function validateHttpCheck (label: string, check: Record<string, unknown>): void {
  let url: URL
  try {
    url = new URL(String(check.url))
  } catch {
    fail(`"${label}.url" must be an absolute URL (got ${JSON.stringify(check.url)})`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`"${label}.url" must use http: or https: (got ${url.protocol})`)
  if (check.method !== undefined && !METHODS.includes(check.method as string)) {
    fail(`"${label}.method" must be one of ${METHODS.join(', ')} (got ${JSON.stringify(check.method)})`)
  }
  if (check.expectStatus !== undefined) {
    const statuses = Array.isArray(check.expectStatus) ? check.expectStatus : [check.expectStatus]
    if (statuses.length === 0) fail(`"${label}.expectStatus" must list at least one status`)
    for (const status of statuses) integer(`${label}.expectStatus`, status, 100, 599)
  }
  if (check.expectBody !== undefined && typeof check.expectBody !== 'string' && !(check.expectBody instanceof RegExp)) {
    fail(`"${label}.expectBody" must be a string or a RegExp`)
  }
  if (check.headers !== undefined) {
    if (!isObject(check.headers) || Object.values(check.headers).some((v) => typeof v !== 'string')) {
      fail(`"${label}.headers" must be an object of string values`)
    }
  }
  if (check.maxRedirects !== undefined) integer(`${label}.maxRedirects`, check.maxRedirects, 0, 20)
}

function resolveCheck (check: unknown, index: number, defaults: { timeout: number, rise: number, fall: number }): ResolvedCheck {
  const label = `checks[${index}]`
  if (!isObject(check)) fail(`"${label}" must be an object`)
  const name = nonEmptyString(`${label}.name`, check.name)
  switch (check.type) {
    case 'http':
      validateHttpCheck(label, check)
      break
    case 'tcp':
      nonEmptyString(`${label}.host`, check.host)
      integer(`${label}.port`, check.port, 1, 65535)
      break
    case 'custom':
      if (typeof check.check !== 'function') fail(`"${label}.check" must be a function`)
      break
    default:
      fail(`"${label}.type" must be "http", "tcp" or "custom" (got ${JSON.stringify(check.type)})`)
  }
  return {
    name,
    timeout: check.timeout === undefined ? defaults.timeout : integer(`${label}.timeout`, check.timeout, 1, 600_000),
    critical: check.critical === undefined ? true : boolean(`${label}.critical`, check.critical),
    rise: check.rise === undefined ? defaults.rise : integer(`${label}.rise`, check.rise, 1, 100),
    fall: check.fall === undefined ? defaults.fall : integer(`${label}.fall`, check.fall, 1, 100),
    definition: check as unknown as CheckOptions,
  }
}

/** Applies defaults and validates every option, throwing SHIPYARD_HEALTH_INVALID_OPTION naming the bad one. */
export function resolveOptions (opts: HealthWatchdogOptions): ResolvedOptions {
  if (!isObject(opts)) fail('options must be an object')
  const path = routePath('path', opts.path ?? '/healthz')
  const interval = integer('interval', opts.interval ?? 2000, 10, 3_600_000)
  const timeout = integer('timeout', opts.timeout ?? 2000, 1, 600_000)
  const rise = integer('rise', opts.rise ?? 2, 1, 100)
  const fall = integer('fall', opts.fall ?? 3, 1, 100)
  const jitter = opts.jitter ?? 0.1
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 0.5)) fail(`"jitter" must be a number 0-0.5 (got ${JSON.stringify(jitter)})`)
  const mode = opts.mode ?? 'background'
  if (mode !== 'background' && mode !== 'on-demand') fail(`"mode" must be "background" or "on-demand" (got ${JSON.stringify(mode)})`)

  if (opts.checks !== undefined && !Array.isArray(opts.checks)) fail('"checks" must be an array')
  const checks = (opts.checks ?? []).map((check, i) => resolveCheck(check, i, { timeout, rise, fall }))
  const seen = new Set<string>()
  for (const check of checks) {
    if (seen.has(check.name)) fail(`check names must be unique ("${check.name}" appears twice)`)
    seen.add(check.name)
  }

  let maintenanceFile: string | false = './maintenance'
  if (opts.maintenanceFile === false) maintenanceFile = false
  else if (opts.maintenanceFile !== undefined) maintenanceFile = nonEmptyString('maintenanceFile', opts.maintenanceFile)
  if (maintenanceFile !== false) maintenanceFile = resolve(maintenanceFile)

  const token = opts.token === undefined ? undefined : nonEmptyString('token', opts.token)

  let admin: ResolvedOptions['admin'] = false
  if (opts.admin !== undefined && opts.admin !== false) {
    if (!isObject(opts.admin)) fail('"admin" must be an object { token, path? } or false')
    admin = {
      token: nonEmptyString('admin.token', opts.admin.token),
      path: routePath('admin.path', opts.admin.path ?? `${path.replace(/\/$/, '')}/maintenance`),
    }
  }

  let agentCheck: ResolvedOptions['agentCheck'] = false
  if (opts.agentCheck !== undefined && opts.agentCheck !== false) {
    if (!isObject(opts.agentCheck)) fail('"agentCheck" must be an object { port, host?, maintenance? } or false')
    const word = opts.agentCheck.maintenance ?? 'drain'
    if (word !== 'drain' && word !== 'maint') fail(`"agentCheck.maintenance" must be "drain" or "maint" (got ${JSON.stringify(word)})`)
    agentCheck = {
      port: integer('agentCheck.port', opts.agentCheck.port, 0, 65535),
      host: nonEmptyString('agentCheck.host', opts.agentCheck.host ?? '127.0.0.1'),
      maintenance: word,
    }
  }

  let metrics: ResolvedOptions['metrics'] = false
  if (opts.metrics === true) metrics = { path: `${path.replace(/\/$/, '')}/metrics` }
  else if (isObject(opts.metrics)) metrics = { path: routePath('metrics.path', opts.metrics.path ?? `${path.replace(/\/$/, '')}/metrics`) }
  else if (opts.metrics !== undefined && opts.metrics !== false) fail('"metrics" must be a boolean or an object { path? }')

  const logLevel = (opts.logLevel ?? 'warn') as LogLevel
  if (!LOG_LEVELS.includes(logLevel as string)) fail(`"logLevel" must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(logLevel)})`)

  return {
    path,
    checks,
    mode,
    interval,
    jitter,
    cacheTtl: integer('cacheTtl', opts.cacheTtl ?? interval, 0, 3_600_000),
    waitForFirstRound: boolean('waitForFirstRound', opts.waitForFirstRound ?? true),
    propagateStatus: boolean('propagateStatus', opts.propagateStatus ?? false),
    maintenanceFile,
    maintenancePollInterval: integer('maintenancePollInterval', opts.maintenancePollInterval ?? 1000, 10, 3_600_000),
    drainDelay: integer('drainDelay', opts.drainDelay ?? 5000, 0, 600_000),
    token,
    admin,
    agentCheck,
    metrics,
    logLevel,
  }
}
