import type { FastifyRequest } from 'fastify'
import { errors } from './errors.js'
import { headerNames, prefixedHeaders, readProxySettings } from './proxy-headers.js'
import { completeSite, type SiteConfig, type SiteSettings } from './site.js'
import type { SitesTable } from './sites-file.js'
import type { PeerCheck } from './trust.js'

export interface ResolvedSite {
  site: SiteConfig
  /** the request's host name, lower-case, without port */
  host: string
  /** whether the peer is a trusted proxy (its headers were honoured) */
  trusted: boolean
}

export interface SiteResolverOptions {
  headerPrefix: string
  isTrustedPeer: PeerCheck
  /** the current sites-file table (it changes on reload) */
  table: () => SitesTable
  /** answers hosts that neither the file nor the proxy knows */
  defaultSite: SiteSettings | undefined
  templateNames: ReadonlySet<string>
}

/** Where a request keeps its resolved site (decorated null by the plugin: a slot is cheaper than a WeakMap). */
export const kResolvedSite = Symbol('shipyard.host-landing.site')
type SiteSlot = { [kResolvedSite]: ResolvedSite | null }

/** Bounded memo: a full map is dropped rather than tracked per entry (the working set is a few dozen sites). */
function memo<V> (max: number) {
  const map = new Map<string, V>()
  return {
    get: (key: string) => map.get(key),
    clear: () => map.clear(),
    set (key: string, value: V) {
      if (map.size >= max) map.clear()
      map.set(key, value)
    },
  }
}

/**
 * Works out the site of a request: sites-file entry for the Host (or the default site) overlaid with the
 * headers of a trusted proxy. Headers from anyone else are ignored and logged. Throws `UNKNOWN_SITE` (404)
 * when nothing describes the host and `SITE_MISCONFIGURED` (500, naming the header) when a required setting is
 * missing or a value is invalid: never a page with blanks.
 */
export function createSiteResolver (options: SiteResolverOptions): (request: FastifyRequest) => ResolvedSite {
  const names = headerNames(options.headerPrefix)
  const nameList = Object.values(names)
  // Sites are the same for the same host, headers and table: validated once, then shared (templates and
  // form definitions cache on the SiteConfig object).
  const sites = memo<SiteConfig>(10_000)
  let cachedTable: SitesTable | undefined
  return (request) => {
    const cached = (request as unknown as SiteSlot)[kResolvedSite]
    if (cached) return cached
    const host = (request.hostname ?? '').toLowerCase().replace(/\.$/, '')
    const trusted = options.isTrustedPeer(request)
    const table = options.table()
    if (table !== cachedTable) {
      cachedTable = table
      sites.clear()
    }
    let key = `${trusted ? 1 : 0}\0${host}`
    if (trusted) {
      for (const name of nameList) {
        const value = request.headers[name]
        if (value !== undefined) key += `\0${name}\0${String(value)}`
      }
    }
    const known = sites.get(key)
    if (known) {
      if (!trusted) logIgnored(request, host, options.headerPrefix)
      const result = { site: known, host, trusted }
      ;(request as unknown as SiteSlot)[kResolvedSite] = result
      return result
    }
    let proxy: SiteSettings = {}
    let fromProxy: ReadonlySet<string> = new Set()
    if (trusted) {
      try {
        const read = readProxySettings(request.headers, names)
        proxy = read.settings
        fromProxy = new Set(read.present)
      } catch (err) {
        request.log.error({ host }, `landing site ${host} misconfigured: ${(err as Error).message}`)
        throw new errors.SiteMisconfigured(host, (err as Error).message)
      }
    } else {
      logIgnored(request, host, options.headerPrefix)
    }
    let base = table.sites.get(host)
    // Sign-ups on unknown hosts go under one id, so a client cannot invent sites by sending Host headers.
    let id = host
    if (base === undefined && fromProxy.size === 0) {
      base = table.defaultSite === undefined ? options.defaultSite : table.sites.get(table.defaultSite)
      if (base === undefined) throw new errors.UnknownSite(host || '(none)')
      id = table.defaultSite ?? 'default'
    }
    let site: SiteConfig
    try {
      site = completeSite({ ...base, ...proxy }, id || 'default', (key) => `header ${names[key]}`)
      if (!options.templateNames.has(site.template)) throw new Error(`template "${site.template}" is not registered (header ${names.template} or "template" in the sites file)`)
    } catch (err) {
      request.log.error({ host }, `landing site ${host} misconfigured: ${(err as Error).message}`)
      throw new errors.SiteMisconfigured(host, (err as Error).message)
    }
    sites.set(key, site)
    const result = { site, host, trusted }
    ;(request as unknown as SiteSlot)[kResolvedSite] = result
    return result
  }
}

function logIgnored (request: FastifyRequest, host: string, prefix: string): void {
  const ignored = prefixedHeaders(request.headers, prefix)
  if (ignored.length > 0) request.log.warn({ host, peer: request.socket.remoteAddress, ignored }, 'ignored landing headers from an untrusted peer')
}
