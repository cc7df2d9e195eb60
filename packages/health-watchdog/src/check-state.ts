import type { CheckOutcome } from './checks/outcome.js'
import type { ResolvedCheck } from './options.js'

export type CheckHealth = 'pending' | 'up' | 'down'

/** One check's view in a snapshot. */
export interface CheckSnapshot {
  name: string
  type: 'http' | 'tcp' | 'custom'
  critical: boolean
  /** `pending` until the first run, then `up`/`down` moved by the rise/fall thresholds */
  health: CheckHealth
  /** draft-inadarei status: `pass` when up, `fail` when a critical check is down, `warn` when a non-critical one
   * is down or the check has not run yet */
  status: 'pass' | 'warn' | 'fail'
  last: CheckOutcome | null
  consecutiveSuccesses: number
  consecutiveFailures: number
  /** up↔down changes since start (the first result does not count) */
  transitions: number
  runs: number
  failures: number
}

/**
 * HAProxy-style hysteresis: the first result sets the state directly (so start-up takes one round), after that
 * `fall` consecutive failures take an up check down and `rise` consecutive successes bring a down one back.
 */
export class CheckState {
  readonly check: ResolvedCheck
  health: CheckHealth = 'pending'
  last: CheckOutcome | null = null
  consecutiveSuccesses = 0
  consecutiveFailures = 0
  transitions = 0
  runs = 0
  failures = 0

  constructor (check: ResolvedCheck) {
    this.check = check
  }

  /** Records a run; returns true when the check's health changed. */
  record (outcome: CheckOutcome): boolean {
    this.last = outcome
    this.runs++
    if (outcome.ok) {
      this.consecutiveSuccesses++
      this.consecutiveFailures = 0
    } else {
      this.failures++
      this.consecutiveFailures++
      this.consecutiveSuccesses = 0
    }
    const before = this.health
    if (before === 'pending') this.health = outcome.ok ? 'up' : 'down'
    else if (before === 'up' && this.consecutiveFailures >= this.check.fall) this.health = 'down'
    else if (before === 'down' && this.consecutiveSuccesses >= this.check.rise) this.health = 'up'
    if (before !== 'pending' && before !== this.health) this.transitions++
    return before !== this.health
  }

  snapshot (): CheckSnapshot {
    let status: CheckSnapshot['status'] = 'pass'
    if (this.health === 'pending') status = 'warn'
    else if (this.health === 'down') status = this.check.critical ? 'fail' : 'warn'
    return {
      name: this.check.name,
      type: this.check.definition.type,
      critical: this.check.critical,
      health: this.health,
      status,
      last: this.last,
      consecutiveSuccesses: this.consecutiveSuccesses,
      consecutiveFailures: this.consecutiveFailures,
      transitions: this.transitions,
      runs: this.runs,
      failures: this.failures,
    }
  }
}
