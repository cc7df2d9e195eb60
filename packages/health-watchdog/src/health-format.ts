import type { HealthSnapshot } from './watchdog.js'

export const HEALTH_JSON = 'application/health+json'

/** One entry of `checks` in draft-inadarei-api-health-check. */
interface CheckEntry {
  componentId: string
  componentType: string
  observedValue?: number
  observedUnit?: string
  status: 'pass' | 'warn' | 'fail'
  time?: string
  output?: string
  critical: boolean
  health: string
}

/**
 * The verbose body in the IETF draft-inadarei-api-health-check format: top-level status pass/warn/fail, one
 * `<name>:responseTime` entry per check with its latency as observedValue. `state`, `maintenance` and the
 * per-check `critical`/`health` are extension fields, which the draft allows.
 */
export function toHealthJson (snapshot: HealthSnapshot): Record<string, unknown> {
  const status = snapshot.status === 'ok' ? 'pass' : snapshot.status === 'warn' ? 'warn' : 'fail'
  const checks: Record<string, CheckEntry[]> = {}
  for (const check of snapshot.checks) {
    const entry: CheckEntry = {
      componentId: check.name,
      componentType: check.type,
      status: check.status,
      critical: check.critical,
      health: check.health,
    }
    if (check.last) {
      entry.observedValue = Math.round(check.last.latencyMs * 100) / 100
      entry.observedUnit = 'ms'
      entry.time = new Date(check.last.time).toISOString()
      if (check.last.output !== undefined) entry.output = check.last.output
    } else {
      entry.output = 'not run yet'
    }
    checks[`${check.name}:responseTime`] = [entry]
  }
  const body: Record<string, unknown> = { status, state: snapshot.status, checks }
  const output = describe(snapshot)
  if (output !== undefined) body.output = output
  if (snapshot.maintenance.active) body.maintenance = snapshot.maintenance
  return body
}

function describe (snapshot: HealthSnapshot): string | undefined {
  switch (snapshot.status) {
    case 'maintenance':
      return snapshot.maintenance.reason === undefined ? 'under maintenance' : `under maintenance: ${snapshot.maintenance.reason}`
    case 'draining':
      return 'draining before shutdown'
    case 'starting':
      return 'waiting for the first round of checks'
    case 'failed':
    case 'warn': {
      const failing = snapshot.checks.filter((c) => c.status !== 'pass').map((c) => c.name)
      return `${snapshot.status === 'failed' ? 'failing' : 'degraded'}: ${failing.join(', ')}`
    }
    default:
      return undefined
  }
}
