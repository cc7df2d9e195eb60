/**
 * yazl (3.3.x) looks for the next entry to write by scanning its whole entry list from the start, once per
 * entry: O(n²). For 65 537 entries that blocked the event loop for ~10 s. This view over the list hides the
 * prefix of finished entries from that scan (amortised O(1)), and shows the full list once everything is
 * written (central directory) or while `fullView` runs (yazl's up-front size calculation).
 */

/** The fields of yazl's (private) ZipFile and Entry that the view relies on. */
interface YazlEntry { state: number }
interface YazlZipFile { entries: YazlEntry[] }

// yazl's Entry.FILE_DATA_DONE
const FILE_DATA_DONE = 3

export interface EntryWindow {
  /** runs `action` with yazl seeing every entry */
  fullView: <T>(action: () => T) => T
  /** removes entries that are already written (skip mode drops failed ones from the central directory) */
  remove: (entries: ReadonlySet<unknown>) => void
  /** the most recently added entry */
  last: () => unknown
}

export function installEntryWindow (zipFile: unknown): EntryWindow {
  const zip = zipFile as YazlZipFile
  const real = zip.entries
  let finished = 0
  let full = false
  const offset = (): number => {
    if (full) return 0
    while (finished < real.length && real[finished]!.state === FILE_DATA_DONE) finished++
    return finished === real.length ? 0 : finished
  }
  zip.entries = new Proxy(real, {
    get (target, property, receiver) {
      if (property === 'length') return target.length - offset()
      if (property === 'push') return (...items: YazlEntry[]) => target.push(...items)
      if (typeof property === 'string' && /^\d+$/.test(property)) return target[Number(property) + offset()]
      return Reflect.get(target, property, receiver)
    },
  })
  return {
    fullView (action) {
      full = true
      try {
        return action()
      } finally {
        full = false
      }
    },
    remove (entries) {
      const kept = real.filter((e) => !entries.has(e))
      real.length = 0
      real.push(...kept)
      finished = 0
    },
    last: () => real.at(-1),
  }
}
