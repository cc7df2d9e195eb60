import { readdir, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import type { Readable } from 'node:stream'
import zlib from 'node:zlib'
import { shouldDeflate, type Compression } from './compression.js'
import { errors } from './errors.js'
import { NameRegistry, normalizeEntryName, type DuplicatePolicy } from './names.js'

interface EntryCommon {
  /** path inside the archive; `\` is read as `/` */
  name: string
  /** modification time; defaults to the file's mtime for `path` entries and to `defaultMtime` otherwise */
  mtime?: Date
  /** Unix mode bits, e.g. `0o100644` or `0o644` */
  mode?: number
}

interface FileLikeCommon extends EntryCommon {
  /** overrides the reply's `compression` for this entry */
  compression?: Compression
}

/** In-memory content. */
export interface ZipDataEntry extends FileLikeCommon {
  data: string | Uint8Array
}

/** A file on disk, opened only when its turn comes. */
export interface ZipFileEntry extends FileLikeCommon {
  path: string
}

/** A stream opened only when its turn comes; give `size` to allow Content-Length and Range. */
export interface ZipStreamEntry extends FileLikeCommon {
  stream: () => Readable | Promise<Readable>
  size?: number
}

/** An (empty) directory entry. */
export interface ZipDirectoryEntry extends EntryCommon {
  directory: true
}

export type ZipEntry = ZipDataEntry | ZipFileEntry | ZipStreamEntry | ZipDirectoryEntry
export type ZipEntries = Iterable<ZipEntry> | AsyncIterable<ZipEntry>

/** Entries for the seed's case: a `{ filename: content }` record. */
export function entriesFromRecord (record: Readonly<Record<string, string | Uint8Array>>, options: { mtime?: Date } = {}): ZipDataEntry[] {
  return Object.entries(record).map(([name, data]) => ({ name, data, ...(options.mtime ? { mtime: options.mtime } : {}) }))
}

/**
 * Entries for every file and directory under `dir`, in a stable (sorted) order, named relative to it
 * (under `prefix` if given). Symbolic links and other special files are left out.
 */
export async function * entriesFromDirectory (dir: string, options: { prefix?: string } = {}): AsyncGenerator<ZipFileEntry | ZipDirectoryEntry> {
  const prefix = options.prefix ? options.prefix.replace(/\/+$/, '') + '/' : ''
  async function * walk (current: string): AsyncGenerator<ZipFileEntry | ZipDirectoryEntry> {
    const children = (await readdir(current, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const child of children) {
      const full = join(current, child.name)
      const name = prefix + relative(dir, full).split(sep).join('/')
      if (child.isDirectory()) {
        const info = await stat(full)
        yield { name, directory: true, mtime: info.mtime, mode: info.mode & 0o7777 }
        yield * walk(full)
      } else if (child.isFile()) {
        yield { name, path: full }
      }
    }
  }
  yield * walk(dir)
}

export interface EntrySettings {
  compression: Compression
  level: number
  defaultMtime: Date
  duplicates: DuplicatePolicy
  /** in `skip` mode a missing file is listed in ERRORS.txt instead of failing the request */
  skipMissing: boolean
}

/** An entry checked and resolved before the first byte: final name, size when known, how to open it. */
export interface PreparedEntry {
  name: string
  kind: 'data' | 'file' | 'stream' | 'directory'
  mtime: Date
  mode?: number
  deflate: boolean
  size?: number
  data?: Buffer
  path?: string
  open?: () => Readable | Promise<Readable>
  /** identity of in-memory content for the ETag */
  dataCrc?: number
}

export interface PreparedArchive {
  entries: PreparedEntry[]
  /** failures met while preparing (only in `skip` mode) */
  failures: Array<{ name: string, message: string }>
}

function describe (entry: unknown): string {
  const name = (entry as { name?: unknown } | null)?.name
  return typeof name === 'string' ? JSON.stringify(name) : '(unnamed)'
}

function checkMtime (entry: ZipEntry): Date | undefined {
  if (entry.mtime === undefined) return undefined
  if (!(entry.mtime instanceof Date) || Number.isNaN(entry.mtime.getTime())) throw new errors.InvalidEntry(describe(entry), '"mtime" must be a valid Date')
  return entry.mtime
}

const FILE_TYPE = 0o100000
const DIRECTORY_TYPE = 0o040000

function checkMode (entry: ZipEntry, fileType: number): number | undefined {
  if (entry.mode === undefined) return undefined
  if (!Number.isInteger(entry.mode) || entry.mode < 0 || entry.mode > 0xffff) throw new errors.InvalidEntry(describe(entry), '"mode" must be an integer 0-0xffff')
  // Bare permission bits (0o755) get the file-type bits that unzip needs to restore them.
  return entry.mode <= 0o7777 ? entry.mode | fileType : entry.mode
}

/** Validates every descriptor, fixes names and stats files, so bad input fails before any byte is sent. */
export async function prepareEntries (input: ZipEntries, settings: EntrySettings): Promise<PreparedArchive> {
  const names = new NameRegistry(settings.duplicates)
  const entries: PreparedEntry[] = []
  const failures: PreparedArchive['failures'] = []
  const stats: Array<Promise<void>> = []
  const missing = new Set<PreparedEntry>()
  for await (const entry of input) {
    // A long list is checked in slices, so other requests are served meanwhile.
    if (entries.length % 4096 === 4095) await new Promise((resolve) => setImmediate(resolve))
    if (entry === null || typeof entry !== 'object') throw new errors.InvalidEntry(describe(entry), 'must be an object')
    const isDirectory = 'directory' in entry && entry.directory === true
    const name = names.claim(normalizeEntryName(entry.name, isDirectory))
    const mtime = checkMtime(entry)
    const mode = checkMode(entry, isDirectory ? DIRECTORY_TYPE : FILE_TYPE)
    if (isDirectory) {
      entries.push({ name, kind: 'directory', mtime: mtime ?? settings.defaultMtime, mode, deflate: false })
      continue
    }
    const fileEntry = entry as ZipDataEntry | ZipFileEntry | ZipStreamEntry
    const compression = fileEntry.compression ?? settings.compression
    if (!['auto', 'store', 'deflate'].includes(compression)) throw new errors.InvalidEntry(describe(entry), '"compression" must be auto, store or deflate')
    const common = { name, mtime: mtime ?? settings.defaultMtime, mode, deflate: shouldDeflate(name, compression, settings.level) }
    if ('data' in fileEntry) {
      const { data } = fileEntry
      if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new errors.InvalidEntry(describe(entry), '"data" must be a string, Buffer or Uint8Array')
      const buffer = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      entries.push({ ...common, kind: 'data', size: buffer.length, data: buffer, dataCrc: zlib.crc32 ? zlib.crc32(buffer) : undefined })
    } else if ('path' in fileEntry) {
      if (typeof fileEntry.path !== 'string' || fileEntry.path === '') throw new errors.InvalidEntry(describe(entry), '"path" must be a non-empty string')
      const prepared: PreparedEntry = { ...common, kind: 'file', path: fileEntry.path }
      entries.push(prepared)
      stats.push(stat(fileEntry.path).then((info) => {
        if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' })
        prepared.size = info.size
        if (mtime === undefined) prepared.mtime = info.mtime
        if (mode === undefined) prepared.mode = info.mode & 0xffff
      }).catch((err: NodeJS.ErrnoException) => {
        if (settings.skipMissing) {
          failures.push({ name, message: err.message })
          missing.add(prepared)
          return
        }
        if (err.code === 'ENOENT' || err.code === 'ENOTFILE' || err.code === 'ENOTDIR') throw new errors.SourceNotFound(JSON.stringify(name))
        throw new errors.SourceFailed(JSON.stringify(name), err.message)
      }))
    } else if ('stream' in fileEntry) {
      if (typeof fileEntry.stream !== 'function') throw new errors.InvalidEntry(describe(entry), '"stream" must be a function returning a Readable')
      const { size } = fileEntry
      if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) throw new errors.InvalidEntry(describe(entry), '"size" must be a non-negative integer')
      entries.push({ ...common, kind: 'stream', size, open: fileEntry.stream })
    } else {
      throw new errors.InvalidEntry(describe(entry), 'needs one of "data", "path", "stream" or "directory: true"')
    }
  }
  await Promise.all(stats)
  return { entries: missing.size > 0 ? entries.filter((e) => !missing.has(e)) : entries, failures }
}
