import type { Dispatcher } from 'undici'
import type { HttpCheckOptions } from '../options.js'
import type { CheckProbe } from './outcome.js'

/** Only the start of a body is matched against `expectBody`; the rest is not read. */
const BODY_LIMIT = 64 * 1024

/**
 * GETs (or HEADs…) the URL through the shared keep-alive dispatcher, optionally following redirects, and judges
 * the final status and body. Every socket wait is bounded by the abort signal of the run's timeout.
 */
export function createHttpProbe (options: HttpCheckOptions, dispatcher: Dispatcher): CheckProbe {
  const method = options.method ?? 'GET'
  const expected = options.expectStatus === undefined ? undefined : new Set(Array.isArray(options.expectStatus) ? options.expectStatus : [options.expectStatus])
  const statusOk = (status: number) => expected === undefined ? status >= 200 && status < 300 : expected.has(status)
  const maxRedirects = options.maxRedirects ?? 0
  const headers = { 'user-agent': 'shipyard-health-watchdog', ...options.headers }

  return async (signal) => {
    let url = new URL(options.url)
    for (let redirects = 0; ; redirects++) {
      const response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        signal,
      })
      const location = response.headers.location
      if (maxRedirects > 0 && response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        await response.body.dump()
        if (redirects >= maxRedirects) return { ok: false, httpStatus: response.statusCode, output: `more than ${maxRedirects} redirects` }
        url = new URL(location, url)
        continue
      }
      // The body is read (up to the limit) even when not matched: a backend whose body stalls is not healthy,
      // and a fully read response keeps the connection reusable.
      const body = await readStart(response.body)
      if (!statusOk(response.statusCode)) {
        return { ok: false, httpStatus: response.statusCode, output: `unexpected status ${response.statusCode}` }
      }
      if (options.expectBody !== undefined) {
        const matches = typeof options.expectBody === 'string' ? body.includes(options.expectBody) : options.expectBody.test(body)
        if (!matches) return { ok: false, httpStatus: response.statusCode, output: `body does not match ${String(options.expectBody)}` }
      }
      return { ok: true, httpStatus: response.statusCode }
    }
  }
}

async function readStart (body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk as Buffer)
    size += (chunk as Buffer).length
    if (size >= BODY_LIMIT) {
      body.destroy()
      break
    }
  }
  return Buffer.concat(chunks).subarray(0, BODY_LIMIT).toString('utf8')
}
