import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, extname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { parseSettings, type SiteSettings } from './site.js'

export interface SitesTable {
  /** settings per lower-case host name */
  sites: Map<string, SiteSettings>
  /** host whose settings answer hosts that are not listed, if any */
  defaultSite?: string
}

const hostPattern = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*$/

/** Parses and validates the text of a sites file (`.json`, or YAML for anything else); errors name the key. */
export function parseSitesFile (text: string, path: string): SitesTable {
  const document: unknown = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text)
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new Error('top level must be an object with "sites"')
  const { sites, defaultSite, ...rest } = document as Record<string, unknown>
  const unknown = Object.keys(rest)
  if (unknown.length > 0) throw new Error(`unknown top-level key "${unknown[0]}" (expected "sites" and optionally "defaultSite")`)
  if (sites === null || typeof sites !== 'object' || Array.isArray(sites)) throw new Error('"sites" must be an object keyed by host name')
  const table = new Map<string, SiteSettings>()
  for (const [host, value] of Object.entries(sites)) {
    const key = host.toLowerCase()
    if (!hostPattern.test(key)) throw new Error(`"sites.${host}" is not a host name`)
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`"sites.${host}" must be an object of settings`)
    table.set(key, parseSettings(value as Record<string, unknown>, (setting) => `"sites.${host}.${setting}"`))
  }
  if (defaultSite !== undefined) {
    if (typeof defaultSite !== 'string' || !table.has(defaultSite.toLowerCase())) throw new Error('"defaultSite" must name a host listed under "sites"')
    return { sites: table, defaultSite: defaultSite.toLowerCase() }
  }
  return { sites: table }
}

export async function loadSitesFile (path: string): Promise<SitesTable> {
  return parseSitesFile(await readFile(path, 'utf8'), path)
}

export interface SitesFileWatcher {
  close: () => void
}

/**
 * Reloads the file when it changes. The directory is watched (editors and `mv` replace the file, which a
 * watch on the file itself would lose). A file that fails validation keeps the previous table and is reported.
 */
export function watchSitesFile (path: string, onLoad: (table: SitesTable) => void, onError: (err: Error) => void, debounceMs = 50): SitesFileWatcher {
  const name = basename(path)
  let timer: NodeJS.Timeout | undefined
  let closed = false
  const reload = () => {
    timer = undefined
    loadSitesFile(path).then((table) => { if (!closed) onLoad(table) }, (err: Error) => { if (!closed) onError(err) })
  }
  const watcher: FSWatcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
    if (changed !== null && changed !== name) return
    if (timer) clearTimeout(timer)
    timer = setTimeout(reload, debounceMs).unref()
  })
  watcher.on('error', onError)
  return {
    close () {
      closed = true
      if (timer) clearTimeout(timer)
      watcher.close()
    },
  }
}
