import type { Dispatcher } from 'undici'
import type { CheckSnapshot } from './check-state.js'
import { MaintenanceWatcher, type MaintenanceState } from './maintenance.js'
import type { ResolvedOptions } from './options.js'
import { Poller } from './poller.js'

/** Overall state, most severe first: draining > maintenance > starting > failed > warn > ok. */
export type HealthStatus = 'ok' | 'warn' | 'failed' | 'starting' | 'maintenance' | 'draining'

export interface HealthSnapshot {
  status: HealthStatus
  /** what the probe answers: 200 for ok/warn, otherwise 503 (or the propagated backend status) */
  httpStatus: number
  /** ISO time of the last change of any input */
  updatedAt: string
  maintenance: MaintenanceState
  draining: boolean
  checks: CheckSnapshot[]
}

/** The precomputed plain-text answer, so a probe costs no more than a static route. */
export interface TerseAnswer {
  statusCode: number
  body: string
}

/** Joins the poller, the maintenance state and the drain flag into one snapshot, recomputed on every change. */
export class Watchdog {
  readonly poller: Poller
  readonly options: ResolvedOptions
  private readonly maintenanceWatcher: MaintenanceWatcher | null
  private memoryMaintenance: MaintenanceState = { active: false }
  private draining = false
  private drainPromise: Promise<void> | null = null
  private drainTimer: NodeJS.Timeout | null = null
  private endDrain: (() => void) | null = null
  private current!: HealthSnapshot
  private terseAnswer!: TerseAnswer
  private lastRoundAt = -Infinity
  private round: Promise<void> | null = null
  private readonly listeners = new Set<(snapshot: HealthSnapshot) => void>()

  constructor (options: ResolvedOptions, dispatcher: Dispatcher) {
    this.options = options
    this.poller = new Poller({
      checks: options.checks,
      interval: options.interval,
      jitter: options.jitter,
      dispatcher,
      onResult: () => this.update(),
    })
    this.maintenanceWatcher = options.maintenanceFile === false
      ? null
      : new MaintenanceWatcher({ path: options.maintenanceFile, pollInterval: options.maintenancePollInterval, onChange: () => this.update() })
    this.update()
  }

  async start (): Promise<void> {
    await this.maintenanceWatcher?.start()
    if (this.options.mode === 'background') this.poller.start()
    this.update()
  }

  close (): void {
    this.poller.stop()
    this.maintenanceWatcher?.close()
    // A drain still waiting ends with the watchdog, so nobody awaits a timer that was cleared.
    if (this.drainTimer) clearTimeout(this.drainTimer)
    this.endDrain?.()
    this.listeners.clear()
  }

  get snapshot (): HealthSnapshot {
    return this.current
  }

  get terse (): TerseAnswer {
    return this.terseAnswer
  }

  onChange (listener: (snapshot: HealthSnapshot) => void): void {
    this.listeners.add(listener)
  }

  /** On-demand mode: runs a round when the cached one is older than `cacheTtl` (one round at a time). */
  async ensureFresh (): Promise<void> {
    if (performance.now() - this.lastRoundAt < this.options.cacheTtl) return
    await this.refresh()
  }

  /** Runs every check now. */
  async refresh (): Promise<HealthSnapshot> {
    this.round ??= this.poller.runAll().then(() => {
      this.lastRoundAt = performance.now()
    }).finally(() => { this.round = null })
    await this.round
    return this.current
  }

  async enterMaintenance (reason: string): Promise<void> {
    if (this.maintenanceWatcher) {
      await this.maintenanceWatcher.enter(reason)
    } else {
      this.memoryMaintenance = reason === '' ? { active: true, since: new Date().toISOString() } : { active: true, reason, since: new Date().toISOString() }
      this.update()
    }
  }

  async leaveMaintenance (): Promise<void> {
    if (this.maintenanceWatcher) {
      await this.maintenanceWatcher.leave()
    } else {
      this.memoryMaintenance = { active: false }
      this.update()
    }
  }

  /**
   * Turns the probe to 503 `DRAINING` at once and resolves `delay` ms later, so the balancer has marked the
   * node down before connections close. Idempotent: later calls share the first wait.
   */
  drain (delay = this.options.drainDelay): Promise<void> {
    if (this.drainPromise) return this.drainPromise
    this.draining = true
    this.update()
    this.drainPromise = new Promise((resolve) => {
      this.endDrain = resolve
      this.drainTimer = setTimeout(resolve, delay)
    })
    return this.drainPromise
  }

  private maintenanceState (): MaintenanceState {
    return this.maintenanceWatcher ? this.maintenanceWatcher.state : this.memoryMaintenance
  }

  private update (): void {
    const checks = this.poller.states.map((s) => s.snapshot())
    const maintenance = this.maintenanceState()
    let status: HealthStatus = 'ok'
    if (this.draining) status = 'draining'
    else if (maintenance.active) status = 'maintenance'
    else if (this.options.waitForFirstRound && !this.poller.firstRoundDone) status = 'starting'
    else if (checks.some((c) => c.health === 'down' && c.critical)) status = 'failed'
    else if (checks.some((c) => c.health === 'down')) status = 'warn'

    const httpStatus = status === 'ok' || status === 'warn' ? 200 : status === 'failed' ? this.failedStatus(checks) : 503
    this.current = { status, httpStatus, updatedAt: new Date().toISOString(), maintenance, draining: this.draining, checks }
    this.terseAnswer = { statusCode: httpStatus, body: this.terseBody(status) }
    for (const listener of this.listeners) listener(this.current)
  }

  /** The seed answered with the failing backend's status; opt-in, and only a real 4xx/5xx is passed on. */
  private failedStatus (checks: CheckSnapshot[]): number {
    if (!this.options.propagateStatus) return 503
    for (const check of checks) {
      const status = check.last?.httpStatus
      if (check.health === 'down' && check.critical && status !== undefined && status >= 400 && status <= 599) return status
    }
    return 503
  }

  private terseBody (status: HealthStatus): string {
    switch (status) {
      case 'ok':
      case 'warn':
        return 'OK'
      case 'failed':
        return 'FAILED'
      case 'starting':
        return 'STARTING'
      case 'draining':
        return 'DRAINING'
      case 'maintenance': {
        const ways: string[] = []
        if (this.options.maintenanceFile !== false) ways.push(`remove the file ${this.options.maintenanceFile}`)
        if (this.options.admin !== false) ways.push(`send DELETE ${this.options.admin.path}`)
        if (ways.length === 0) ways.push('call healthWatchdog.leaveMaintenance()')
        return `MAINTENANCE\nUnder maintenance: ${ways.join(' or ')} to return this node to service.\n`
      }
    }
  }
}
