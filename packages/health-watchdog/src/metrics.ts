import type { FastifyInstance } from 'fastify'
import { authorize } from './auth.js'
import type { HealthSnapshot, HealthStatus, Watchdog } from './watchdog.js'

const STATES: HealthStatus[] = ['ok', 'warn', 'failed', 'starting', 'maintenance', 'draining']

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')

/** Prometheus text exposition (version 0.0.4) of the snapshot. */
export function toPrometheus (snapshot: HealthSnapshot): string {
  const lines: string[] = []
  const metric = (name: string, type: string, help: string, samples: Array<[string, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`)
  }
  const label = (name: string, extra = '') => `{check="${escapeLabel(name)}"${extra}}`
  const checks = snapshot.checks
  metric('shipyard_health_check_up', 'gauge', 'Whether the check is up (1) or down/pending (0) after rise/fall.',
    checks.map((c) => [label(c.name, `,critical="${c.critical}"`), c.health === 'up' ? 1 : 0]))
  metric('shipyard_health_check_latency_seconds', 'gauge', 'Duration of the last run of the check.',
    checks.filter((c) => c.last).map((c) => [label(c.name), (c.last?.latencyMs ?? 0) / 1000]))
  metric('shipyard_health_check_transitions_total', 'counter', 'Up/down changes of the check since start.',
    checks.map((c) => [label(c.name), c.transitions]))
  metric('shipyard_health_check_runs_total', 'counter', 'Runs of the check since start.',
    checks.map((c) => [label(c.name), c.runs]))
  metric('shipyard_health_check_failures_total', 'counter', 'Failed runs of the check since start.',
    checks.map((c) => [label(c.name), c.failures]))
  metric('shipyard_health_status', 'gauge', 'Overall state of the node (1 for the current one).',
    STATES.map((s) => [`{status="${s}"}`, snapshot.status === s ? 1 : 0]))
  metric('shipyard_health_maintenance', 'gauge', 'Whether the node is in maintenance.', [['', snapshot.maintenance.active ? 1 : 0]])
  return lines.join('\n') + '\n'
}

export function registerMetricsRoute (fastify: FastifyInstance, watchdog: Watchdog): void {
  const { metrics, token, logLevel } = watchdog.options
  if (metrics === false) return
  fastify.get(metrics.path, { logLevel }, async (request, reply) => {
    authorize(request, reply, token, 'metrics')
    reply.header('cache-control', 'no-store').type('text/plain; version=0.0.4; charset=utf-8')
    return toPrometheus(watchdog.snapshot)
  })
}
