import { CheckTimeoutError, type CheckOutcome, type CheckProbe } from './outcome.js'

/**
 * Runs a probe with a hard deadline: at `timeout` the signal aborts (closing sockets) and the run fails even if
 * the probe ignores the signal, so one hung backend can never hold a round.
 */
export async function runWithTimeout (probe: CheckProbe, timeout: number): Promise<CheckOutcome> {
  const started = performance.now()
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new CheckTimeoutError(timeout)
      controller.abort(error)
      reject(error)
    }, timeout)
    timer.unref()
  })
  try {
    const result = await Promise.race([probe(controller.signal), deadline])
    return { ...result, latencyMs: performance.now() - started, time: Date.now() }
  } catch (err) {
    const output = describeError(err)
    return { ok: false, output, latencyMs: performance.now() - started, time: Date.now() }
  } finally {
    clearTimeout(timer)
    // Ends any work the probe left behind (a stalled body read) once the race is decided.
    if (!controller.signal.aborted) controller.abort(new Error('check finished'))
  }
}

function describeError (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const code = (err as { code?: unknown }).code
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
  return typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}${cause}` : `${err.message}${cause}`
}
