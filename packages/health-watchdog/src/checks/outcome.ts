/** What one run of a check produced. */
export interface CheckOutcome {
  ok: boolean
  /** milliseconds the run took */
  latencyMs: number
  /** epoch milliseconds when the run finished */
  time: number
  /** why it failed, or what a custom check reported */
  output?: string
  /** status of the last HTTP response, when there was one */
  httpStatus?: number
}

/** A check body: resolves with a partial outcome or throws; `signal` aborts at the timeout. */
export type CheckProbe = (signal: AbortSignal) => Promise<{ ok: boolean, output?: string, httpStatus?: number }>

export class CheckTimeoutError extends Error {
  constructor (timeout: number) {
    super(`timed out after ${timeout} ms`)
    this.name = 'CheckTimeoutError'
  }
}
