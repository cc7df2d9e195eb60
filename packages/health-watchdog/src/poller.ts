import type { Dispatcher } from 'undici'
import { CheckState } from './check-state.js'
import { createCustomProbe } from './checks/custom-check.js'
import { createHttpProbe } from './checks/http-check.js'
import type { CheckProbe } from './checks/outcome.js'
import { runWithTimeout } from './checks/run-check.js'
import { createTcpProbe } from './checks/tcp-check.js'
import type { ResolvedCheck } from './options.js'

export interface PollerOptions {
  checks: ResolvedCheck[]
  interval: number
  jitter: number
  dispatcher: Dispatcher
  /** called after every run that was recorded */
  onResult: () => void
  random?: () => number
}

interface Entry {
  state: CheckState
  probe: CheckProbe
  running: Promise<void> | null
  timer: NodeJS.Timeout | null
}

function createProbe (check: ResolvedCheck, dispatcher: Dispatcher): CheckProbe {
  const definition = check.definition
  switch (definition.type) {
    case 'http': return createHttpProbe(definition, dispatcher)
    case 'tcp': return createTcpProbe(definition)
    case 'custom': return createCustomProbe(definition)
  }
}

/**
 * Runs every check in parallel, each on its own timer (interval ± jitter, counted from the end of its previous
 * run so a slow check never overlaps itself). `runAll` serves on-demand mode and manual refreshes.
 */
export class Poller {
  readonly states: CheckState[]
  private readonly entries: Entry[]
  private readonly options: PollerOptions
  private readonly random: () => number
  private stopped = false
  private scheduling = false

  constructor (options: PollerOptions) {
    this.options = options
    this.random = options.random ?? Math.random
    this.entries = options.checks.map((check) => ({
      state: new CheckState(check),
      probe: createProbe(check, options.dispatcher),
      running: null,
      timer: null,
    }))
    this.states = this.entries.map((e) => e.state)
  }

  /** true once every check has a result */
  get firstRoundDone (): boolean {
    return this.states.every((s) => s.last !== null)
  }

  /** Starts background polling: every check runs now, then on its own timer. */
  start (): void {
    this.scheduling = true
    for (const entry of this.entries) this.run(entry).catch(() => {})
  }

  /** Runs every check now (joining runs already under way) and resolves when all have recorded. */
  async runAll (): Promise<void> {
    await Promise.all(this.entries.map((entry) => this.run(entry)))
  }

  stop (): void {
    this.stopped = true
    for (const entry of this.entries) {
      if (entry.timer) clearTimeout(entry.timer)
      entry.timer = null
    }
  }

  /** milliseconds until the next run: interval spread uniformly over ±jitter */
  nextDelay (): number {
    const { interval, jitter } = this.options
    return Math.max(1, Math.round(interval * (1 + jitter * (2 * this.random() - 1))))
  }

  private run (entry: Entry): Promise<void> {
    if (entry.running) return entry.running
    if (entry.timer) clearTimeout(entry.timer)
    entry.timer = null
    entry.running = (async () => {
      const outcome = await runWithTimeout(entry.probe, entry.state.check.timeout)
      entry.running = null
      if (this.stopped) return
      try {
        entry.state.record(outcome)
        this.options.onResult()
      } finally {
        // Scheduled even if a listener threw, so a check never stops polling silently.
        if (this.scheduling) {
          entry.timer = setTimeout(() => { this.run(entry).catch(() => {}) }, this.nextDelay())
          entry.timer.unref()
        }
      }
    })()
    return entry.running
  }
}
