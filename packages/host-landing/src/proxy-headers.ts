import type { IncomingHttpHeaders } from 'node:http'
import { siteFields, siteKeys, type SiteSettings } from './site.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Node hands header bytes over as latin1, so non-ASCII text is best sent percent-encoded UTF-8
 * (`Caf%C3%A9`). Raw UTF-8 bytes are recovered too; a literal `%` must be written `%25`. Throws on malformed
 * encodings and on control characters, which have no business in a page setting.
 */
export function decodeHeaderValue (raw: string): string {
  let value = raw
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(value)) {
    try {
      value = utf8.decode(Buffer.from(value, 'latin1'))
    } catch {
      throw new Error('is neither ASCII nor valid UTF-8; percent-encode it')
    }
  }
  if (value.includes('%')) {
    try {
      value = decodeURIComponent(value)
    } catch {
      throw new Error('has a malformed percent-encoding (write a literal % as %25)')
    }
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) throw new Error('contains control characters')
  return value
}

export interface ProxySettings {
  /** the settings the proxy sent, decoded and validated */
  settings: SiteSettings
  /** names of the headers present (for the "ignored" log line and for "is this a site") */
  present: string[]
}

/** Header names per setting for a prefix, built once. */
export function headerNames (prefix: string): Record<keyof SiteSettings, string> {
  const names = {} as Record<keyof SiteSettings, string>
  for (const key of siteKeys) names[key] = `${prefix}${siteFields[key].header}`
  return names
}

/** Reads, decodes and validates the prefixed headers; the thrown Error names the bad header. */
export function readProxySettings (headers: IncomingHttpHeaders, names: Record<keyof SiteSettings, string>): ProxySettings {
  const settings: Record<string, unknown> = {}
  const present: string[] = []
  for (const key of siteKeys) {
    const name = names[key]
    const raw = headers[name]
    if (raw === undefined) continue
    present.push(name)
    const value = Array.isArray(raw) ? raw.join(', ') : raw
    try {
      settings[key] = siteFields[key].parse(decodeHeaderValue(value))
    } catch (err) {
      throw new Error(`header ${name} ${(err as Error).message}`)
    }
  }
  return { settings: settings as SiteSettings, present }
}

/** Names of prefixed headers in a request (for logging what an untrusted peer tried to set). */
export function prefixedHeaders (headers: IncomingHttpHeaders, prefix: string): string[] {
  return Object.keys(headers).filter((name) => name.startsWith(prefix))
}
