import type { SourceErrorPolicy } from './archive.js'
import type { Compression } from './compression.js'
import { errors } from './errors.js'
import type { DuplicatePolicy } from './names.js'

/** Settings a single `reply.zip()` call may override. */
export interface ZipReplyOptions {
  /** download name sent in Content-Disposition (default `download.zip`) */
  filename?: string
  /** `auto` (default): store already-compressed types, deflate the rest; `store`; `deflate` */
  compression?: Compression
  /** deflate level 0-9 (default 6); 0 stores everything */
  level?: number
  /** what a source failing mid-archive does: `abort` (default) or `skip` */
  onSourceError?: SourceErrorPolicy
  /** two entries with the same name: `reject` (default, 409) or `rename` (`a (1).txt`) */
  duplicates?: DuplicatePolicy
  /** mtime of entries that have none (in-memory data, streams, ERRORS.txt); fixed so bytes are reproducible */
  defaultMtime?: Date
}

export type ResolvedSettings = Required<Omit<ZipReplyOptions, 'filename'>> & { filename: string, readHighWaterMark: number, ranges: boolean }

function oneOf<T extends string> (name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new errors.InvalidOption(`"${name}" must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`)
  }
  return value as T
}

/** Applies defaults over `base` and validates every field, naming the option at fault. */
export function resolveSettings (options: Record<string, unknown>, base: ResolvedSettings): ResolvedSettings {
  const pick = <K extends keyof ResolvedSettings>(key: K): unknown => options[key] ?? base[key]
  const level = pick('level')
  if (!Number.isInteger(level) || (level as number) < 0 || (level as number) > 9) throw new errors.InvalidOption(`"level" must be an integer 0-9 (got ${JSON.stringify(level)})`)
  const defaultMtime = pick('defaultMtime')
  if (!(defaultMtime instanceof Date) || Number.isNaN(defaultMtime.getTime())) throw new errors.InvalidOption('"defaultMtime" must be a valid Date')
  const filename = pick('filename')
  if (typeof filename !== 'string' || filename === '') throw new errors.InvalidOption('"filename" must be a non-empty string')
  const readHighWaterMark = pick('readHighWaterMark')
  if (!Number.isInteger(readHighWaterMark) || (readHighWaterMark as number) < 1024) throw new errors.InvalidOption('"readHighWaterMark" must be an integer ≥ 1024')
  const ranges = pick('ranges')
  if (typeof ranges !== 'boolean') throw new errors.InvalidOption('"ranges" must be a boolean')
  return {
    filename,
    compression: oneOf('compression', pick('compression'), ['auto', 'store', 'deflate'] as const),
    level: level as number,
    onSourceError: oneOf('onSourceError', pick('onSourceError'), ['abort', 'skip'] as const),
    duplicates: oneOf('duplicates', pick('duplicates'), ['reject', 'rename'] as const),
    defaultMtime,
    readHighWaterMark: readHighWaterMark as number,
    ranges,
  }
}

export const DEFAULT_SETTINGS: ResolvedSettings = {
  filename: 'download.zip',
  compression: 'auto',
  level: 6,
  onSourceError: 'abort',
  duplicates: 'reject',
  defaultMtime: new Date('2000-01-01T00:00:00Z'),
  readHighWaterMark: 1024 * 1024,
  ranges: true,
}
