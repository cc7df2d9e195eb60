import { createReadStream } from 'node:fs'
import { PassThrough, Readable } from 'node:stream'
import yazl from 'yazl'
import type { PreparedArchive, PreparedEntry } from './entries.js'
import { installEntryWindow } from './entry-window.js'
import { errors } from './errors.js'

export type SourceErrorPolicy = 'abort' | 'skip'

export interface ArchiveSettings {
  level: number
  onSourceError: SourceErrorPolicy
  readHighWaterMark: number
  /** timestamp of the generated ERRORS.txt */
  defaultMtime: Date
}

export interface Archive {
  /** the ZIP bytes, produced as the client reads them */
  output: Readable
  /** exact byte length, when every size is known and nothing is deflated */
  size: number | undefined
  /** settles when the first source has produced data (or ended); rejects if it failed first (`abort` mode) */
  firstSource: Promise<void>
  /** stops everything: every opened source is destroyed */
  destroy: (err?: Error) => void
}

// yazl's addBuffer() refuses more than this; bigger in-memory data is streamed instead.
const MAX_YAZL_BUFFER = 0x3fffffff

/**
 * Feeds the prepared entries to yazl. Sources are opened one at a time, only when yazl reaches them, so at
 * most one source (plus the one closing) is open; closing the output destroys whatever is open.
 */
export function createArchive (prepared: PreparedArchive, settings: ArchiveSettings): Archive {
  const zip = new yazl.ZipFile()
  const entryWindow = installEntryWindow(zip)
  const output = zip.outputStream as PassThrough
  const skip = settings.onSourceError === 'skip'
  const failures = [...prepared.failures]
  const failedYazlEntries = new Set<unknown>()
  let current: Readable | undefined
  let closed = false

  let settleFirst!: (err?: Error) => void
  let firstPending = true
  const firstSource = new Promise<void>((resolve, reject) => {
    settleFirst = (err) => {
      if (!firstPending) return
      firstPending = false
      if (err) reject(err); else resolve()
    }
  })
  firstSource.catch(() => {})

  function destroy (err?: Error): void {
    if (closed) return
    closed = true
    current?.destroy()
    settleFirst(err)
    output.destroy(err)
  }
  // Fastify listens for errors once it sends the stream; until then this keeps a failure from going unhandled.
  output.on('error', () => {})
  // Client abort (Fastify destroys the payload) or normal end: release whatever is still open.
  output.on('close', () => destroy())
  zip.on('error', (err: Error) => destroy(new errors.SourceFailed('(archive)', err.message, { cause: err })))

  let fallibleLeft = prepared.entries.filter((e) => e.kind === 'file' || e.kind === 'stream' || (e.kind === 'data' && e.data!.length > MAX_YAZL_BUFFER)).length

  function sourceDone (): void {
    fallibleLeft--
    if (skip && fallibleLeft === 0) finishSkipMode()
  }

  function finishSkipMode (): void {
    if (closed) return
    if (failures.length > 0) {
      const text = failures.map((f) => `${f.name}: ${f.message}`).join('\n') + '\n'
      const existing = new Set(prepared.entries.map((e) => e.name))
      let name = 'ERRORS.txt'
      for (let n = 1; existing.has(name); n++) name = `ERRORS (${n}).txt`
      zip.addReadStreamLazy(name, { mtime: settings.defaultMtime, compress: false }, (callback) => {
        // Every earlier entry is complete now: drop the failed ones from the central directory.
        entryWindow.remove(failedYazlEntries)
        callback(null, Readable.from([Buffer.from(text)]))
      })
    }
    zip.end()
  }

  function onSourceFailure (entry: PreparedEntry, err: Error, yazlEntry: unknown, guard?: PassThrough): void {
    if (closed) return
    if (!skip) {
      destroy(new errors.SourceFailed(JSON.stringify(entry.name), err.message, { cause: err }))
      return
    }
    failures.push({ name: entry.name, message: err.message })
    failedYazlEntries.add(yazlEntry)
    settleFirst()
    guard?.end()
    sourceDone()
  }

  function openSource (entry: PreparedEntry): Readable | Promise<Readable> {
    if (entry.kind === 'file') {
      // Read no more than the size announced in the headers: a file that grew since stat() is sent as it was.
      if (entry.size === 0) return Readable.from([])
      return createReadStream(entry.path!, { highWaterMark: settings.readHighWaterMark, end: skip ? undefined : entry.size! - 1 })
    }
    if (entry.kind === 'data') return Readable.from([entry.data!])
    return entry.open!()
  }

  function addLazy (entry: PreparedEntry): void {
    const options = { mtime: entry.mtime, mode: entry.mode, compressionLevel: entry.deflate ? settings.level : 0, size: skip ? undefined : entry.size }
    // filled right after adding; the callback below runs later, once yazl reaches this entry
    const added: { entry?: unknown } = {}
    zip.addReadStreamLazy(entry.name, options, (callback) => {
      if (closed) return
      new Promise<Readable>((resolve) => resolve(openSource(entry))).then((source) => {
        if (closed) {
          source?.destroy?.()
          return
        }
        if (!(source instanceof Readable)) throw new TypeError('stream() must return a Readable')
        current = source
        const declared = entry.size
        if (!skip && declared !== undefined) {
          // Runs before yazl's pipe sees the chunk, so no byte beyond the announced Content-Length goes out.
          let seen = 0
          source.prependListener('data', (chunk: Buffer) => {
            seen += chunk.length
            // synchronously, before the chunk reaches yazl or the gate opens
            if (seen > declared) onSourceFailure(entry, new Error(`produced more than its declared size of ${declared} bytes`), added.entry)
          })
        }
        source.once('data', () => settleFirst())
        source.once('end', () => {
          settleFirst()
          sourceDone()
        })
        if (skip) {
          // A guard between source and yazl lets a failed source end its entry cleanly.
          const guard = new PassThrough()
          source.once('error', (err) => {
            source.unpipe(guard)
            onSourceFailure(entry, err, added.entry, guard)
          })
          source.pipe(guard)
          callback(null, guard)
        } else {
          source.once('error', (err) => onSourceFailure(entry, err, added.entry))
          callback(null, source)
        }
      }).catch((err: Error) => {
        onSourceFailure(entry, err, added.entry)
        if (skip && !closed) callback(null, Readable.from([]))
      })
    })
    added.entry = entryWindow.last()
  }

  for (const entry of prepared.entries) {
    const options = { mtime: entry.mtime, mode: entry.mode }
    if (entry.kind === 'directory') zip.addEmptyDirectory(entry.name, options)
    else if (entry.kind === 'data' && entry.data!.length <= MAX_YAZL_BUFFER) zip.addBuffer(entry.data!, entry.name, { ...options, compressionLevel: entry.deflate ? settings.level : 0 })
    else addLazy(entry)
  }
  if (fallibleLeft === 0) settleFirst()

  let size: number | undefined
  if (skip) {
    if (fallibleLeft === 0) finishSkipMode()
  } else {
    // yazl answers synchronously here: every entry's size is already known (or it is not computable).
    entryWindow.fullView(() => zip.end({ forceZip64Format: false, comment: '' }, ((total: number) => { size = total >= 0 ? total : undefined }) as () => void))
  }
  return { output, size, firstSource, destroy }
}
