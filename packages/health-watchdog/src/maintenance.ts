import { watch, type FSWatcher } from 'node:fs'
import { lstat, open, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'

export interface MaintenanceState {
  active: boolean
  /** the file's first line(s), or why the file counts as maintenance although it cannot be read */
  reason?: string
  /** ISO time the file was last modified (or maintenance entered in memory) */
  since?: string
}

/** Only the start of the file is the reason; a huge file must not be read into memory. */
const REASON_LIMIT = 1024

/**
 * Reads the maintenance file. Fail safe: anything there that is not clearly absent (an unreadable file, a
 * directory, a dangling link, a permission error on the way) counts as maintenance.
 */
export async function readMaintenanceFile (path: string): Promise<MaintenanceState> {
  let info
  try {
    info = await lstat(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { active: false }
    return { active: true, reason: `maintenance file cannot be checked (${code ?? String(err)})` }
  }
  const since = info.mtime.toISOString()
  if (info.isSymbolicLink()) {
    try {
      info = await stat(path)
    } catch (err) {
      return { active: true, since, reason: `maintenance file is a link that cannot be followed (${(err as NodeJS.ErrnoException).code})` }
    }
  }
  // Opening a FIFO or device would block: only regular files are read.
  if (!info.isFile()) return { active: true, since, reason: `maintenance path is not a regular file (${describeType(info)})` }
  try {
    const handle = await open(path, 'r')
    try {
      const buffer = Buffer.alloc(REASON_LIMIT)
      const { bytesRead } = await handle.read(buffer, 0, REASON_LIMIT, 0)
      const reason = buffer.subarray(0, bytesRead).toString('utf8').trim()
      return reason === '' ? { active: true, since } : { active: true, since, reason }
    } finally {
      await handle.close()
    }
  } catch (err) {
    return { active: true, since, reason: `maintenance file is unreadable (${(err as NodeJS.ErrnoException).code ?? String(err)})` }
  }
}

function describeType (info: Awaited<ReturnType<typeof stat>>): string {
  if (info.isDirectory()) return 'a directory'
  if (info.isFIFO()) return 'a FIFO'
  if (info.isSocket()) return 'a socket'
  return 'a device'
}

export interface MaintenanceWatcherOptions {
  path: string
  pollInterval: number
  onChange: (state: MaintenanceState) => void
}

/**
 * Follows the maintenance file with a directory watcher (prompt) and a periodic look (the watcher misses
 * events on some network and container file systems, and cannot watch a directory created later).
 */
export class MaintenanceWatcher {
  state: MaintenanceState = { active: false }
  private readonly options: MaintenanceWatcherOptions
  private watcher: FSWatcher | null = null
  private timer: NodeJS.Timeout | null = null
  private checking: Promise<void> | null = null
  private again = false
  private closed = false

  constructor (options: MaintenanceWatcherOptions) {
    this.options = options
  }

  async start (): Promise<void> {
    await this.refresh()
    try {
      const name = basename(this.options.path)
      this.watcher = watch(dirname(this.options.path), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.refresh().catch(() => {})
      })
      this.watcher.on('error', () => this.stopWatcher())
    } catch {
      // The directory does not exist (yet): the periodic look covers it.
    }
    this.timer = setInterval(() => { this.refresh().catch(() => {}) }, this.options.pollInterval)
    this.timer.unref()
  }

  /** Looks at the file now; concurrent calls coalesce into at most one more look. */
  refresh (): Promise<void> {
    if (this.checking) {
      this.again = true
      return this.checking
    }
    this.checking = (async () => {
      do {
        this.again = false
        const next = await readMaintenanceFile(this.options.path)
        if (this.closed) return
        const changed = next.active !== this.state.active || next.reason !== this.state.reason || next.since !== this.state.since
        this.state = next
        if (changed) this.options.onChange(next)
      } while (this.again)
    })().finally(() => { this.checking = null })
    return this.checking
  }

  /** Creates the file with the reason, atomically so a reader never sees it half written. */
  async enter (reason: string): Promise<void> {
    const temporary = `${this.options.path}.${process.pid}.tmp`
    await writeFile(temporary, reason === '' ? '' : `${reason}\n`, { mode: 0o644 })
    await rename(temporary, this.options.path)
    await this.refresh()
  }

  async leave (): Promise<void> {
    await rm(this.options.path, { force: true })
    await this.refresh()
  }

  close (): void {
    this.closed = true
    this.stopWatcher()
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private stopWatcher (): void {
    this.watcher?.close()
    this.watcher = null
  }
}
