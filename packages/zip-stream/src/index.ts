import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { useNativeCrc32 } from './crc.js'
import type { ZipEntries } from './entries.js'
import { errors } from './errors.js'
import { sendZip } from './send-zip.js'
import { DEFAULT_SETTINGS, resolveSettings, type ZipReplyOptions } from './settings.js'

export interface ZipStreamOptions extends Omit<ZipReplyOptions, 'filename'> {
  /** read size for `path` entries in bytes (default 1 MiB): fewer, larger chunks stream faster */
  readHighWaterMark?: number
  /** answer `Range`/`If-Range` for archives of known size (default true) */
  ranges?: boolean
  /** make yazl use Node's native `zlib.crc32` when available (default true) */
  nativeCrc32?: boolean
}

declare module 'fastify' {
  interface FastifyReply {
    /** Streams a ZIP built on the fly from `entries`; `return reply.zip(...)` from a handler. */
    zip: (entries: ZipEntries, options?: ZipReplyOptions) => FastifyReply
  }
}

const plugin: FastifyPluginAsync<ZipStreamOptions> = async (fastify, opts) => {
  const { nativeCrc32 = true, ...rest } = opts
  if (typeof nativeCrc32 !== 'boolean') throw new errors.InvalidOption('"nativeCrc32" must be a boolean')
  const defaults = resolveSettings(rest as Record<string, unknown>, DEFAULT_SETTINGS)
  if (nativeCrc32) useNativeCrc32()
  fastify.decorateReply('zip', function (this: FastifyReply, entries: ZipEntries, options?: ZipReplyOptions) {
    return sendZip(this, entries, options, defaults)
  })
}

export const zipStream = fp(plugin, { fastify: '5.x', name: '@shipyard/zip-stream' })
export default zipStream
export { errors }
export { entriesFromDirectory, entriesFromRecord } from './entries.js'
export type { ZipDataEntry, ZipDirectoryEntry, ZipEntries, ZipEntry, ZipFileEntry, ZipStreamEntry } from './entries.js'
export type { ZipReplyOptions } from './settings.js'
export type { Compression } from './compression.js'
export type { SourceErrorPolicy } from './archive.js'
export type { DuplicatePolicy } from './names.js'
export { STORED_EXTENSIONS } from './compression.js'
