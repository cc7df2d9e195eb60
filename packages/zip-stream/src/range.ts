import { createHash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'
import type { PreparedEntry } from './entries.js'

/**
 * A strong ETag for an archive whose bytes are deterministic: it changes whenever a name, size, mtime, mode or
 * compression method changes, and for in-memory data whenever its CRC changes.
 */
export function archiveEtag (entries: readonly PreparedEntry[], level: number): string {
  const hash = createHash('sha256')
  hash.update(`zip-stream 1 ${level}\n`)
  for (const e of entries) {
    // DOS timestamps are written in local time, so the zone offset at each mtime is part of the bytes.
    hash.update(JSON.stringify([e.name, e.kind, e.size, e.mtime.getTime(), e.mtime.getTimezoneOffset(), e.mode, e.deflate, e.dataCrc]))
    hash.update('\n')
  }
  return `"${hash.digest('base64url').slice(0, 32)}"`
}

export interface ByteRange { start: number, end: number }

/**
 * Reads a single `bytes=` range (RFC 9110 §14). Returns undefined for "send it all" (no Range, an If-Range that
 * does not match, several ranges or a malformed header — all of which may be ignored), 'unsatisfiable' for 416.
 */
export function resolveRange (range: string | undefined, ifRange: string | undefined, etag: string, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (range === undefined) return undefined
  // We send no Last-Modified, so a date in If-Range can never match.
  if (ifRange !== undefined && ifRange.trim() !== etag) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim())
  if (!match || (match[1] === '' && match[2] === '')) return undefined
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(match[1])
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (start >= size) return 'unsatisfiable'
  if (end < start) return undefined
  return { start, end }
}

/** Passes on bytes `start..end` (inclusive) of what flows through, then ends and calls `onDone`. */
export class RangeSlice extends Transform {
  #skip: number
  #remaining: number
  readonly #onDone: () => void

  constructor ({ start, end }: ByteRange, onDone: () => void) {
    super()
    this.#skip = start
    this.#remaining = end - start + 1
    this.#onDone = onDone
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#remaining <= 0) return callback()
    let part = chunk
    if (this.#skip > 0) {
      if (part.length <= this.#skip) {
        this.#skip -= part.length
        return callback()
      }
      part = part.subarray(this.#skip)
      this.#skip = 0
    }
    if (part.length < this.#remaining) {
      this.#remaining -= part.length
      return callback(null, part)
    }
    this.push(part.subarray(0, this.#remaining))
    this.#remaining = 0
    this.push(null)
    callback()
    this.#onDone()
  }
}
