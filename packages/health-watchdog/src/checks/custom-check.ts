import type { CustomCheckOptions } from '../options.js'
import type { CheckProbe } from './outcome.js'

/** Wraps a user function: nothing or `true` passes, `false` fails, `{ ok, output }` says both. */
export function createCustomProbe (options: CustomCheckOptions): CheckProbe {
  return async (signal) => {
    const result = await options.check(signal)
    if (result === undefined || result === true) return { ok: true }
    if (result === false) return { ok: false, output: 'check returned false' }
    return result.output === undefined ? { ok: result.ok === true } : { ok: result.ok === true, output: result.output }
  }
}
