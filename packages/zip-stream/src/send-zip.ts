import type { FastifyReply } from 'fastify'
import { Readable } from 'node:stream'
import { createArchive } from './archive.js'
import { contentDisposition } from './content-disposition.js'
import { prepareEntries, type ZipEntries } from './entries.js'
import { errors } from './errors.js'
import { archiveEtag, RangeSlice, resolveRange } from './range.js'
import { resolveSettings, type ResolvedSettings, type ZipReplyOptions } from './settings.js'

function header (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * Checks every entry, then streams the archive: exact Content-Length, ETag and Range support when the size is
 * known in advance; the first byte waits until the first source is readable so an early failure is a normal
 * HTTP error.
 */
async function streamZip (reply: FastifyReply, input: ZipEntries, settings: ResolvedSettings): Promise<void> {
  const prepared = await prepareEntries(input, { ...settings, skipMissing: settings.onSourceError === 'skip' })
  const archive = createArchive(prepared, settings)
  const { size } = archive
  const { headers } = reply.request

  let etag: string | undefined
  let range: ReturnType<typeof resolveRange>
  if (size !== undefined && settings.ranges) {
    etag = archiveEtag(prepared.entries, settings.level)
    range = resolveRange(header(headers.range), header(headers['if-range']), etag, size)
  }
  if (etag !== undefined && header(headers['if-none-match'])?.split(',').some((tag) => tag.trim() === etag || tag.trim() === `W/${etag}` || tag.trim() === '*')) {
    archive.destroy()
    reply.code(304).header('etag', etag).send()
    return
  }
  if (range === 'unsatisfiable') {
    archive.destroy()
    reply.header('content-range', `bytes */${size}`).header('accept-ranges', 'bytes')
    throw new errors.RangeNotSatisfiable(header(headers.range))
  }

  const isHead = reply.request.method === 'HEAD'
  if (isHead) {
    // Fastify drains a stream payload on HEAD, which would read every source: stop at the headers instead.
    archive.destroy()
  } else {
    try {
      await archive.firstSource
    } catch (err) {
      archive.destroy()
      throw err
    }
  }

  // Set only now, so an error answered above is not offered as a download.
  reply.header('content-type', 'application/zip')
  reply.header('content-disposition', contentDisposition(settings.filename))
  reply.header('accept-ranges', etag ? 'bytes' : 'none')
  if (etag) reply.header('etag', etag)
  let payload: Readable = archive.output
  if (isHead) {
    payload = Readable.from([])
    if (size !== undefined) reply.header('content-length', size)
  } else if (range) {
    const slice = new RangeSlice(range, () => archive.destroy())
    slice.on('close', () => archive.destroy())
    payload = archive.output.pipe(slice)
    reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', range.end - range.start + 1)
  } else if (size !== undefined) {
    reply.header('content-length', size)
  }
  reply.send(payload)
}

/** The `reply.zip()` decorator body: returns the reply at once, sends the archive or a coded error later. */
export function sendZip (reply: FastifyReply, input: ZipEntries, options: ZipReplyOptions | undefined, defaults: ResolvedSettings): FastifyReply {
  let settings: ResolvedSettings
  try {
    settings = resolveSettings((options ?? {}) as Record<string, unknown>, defaults)
  } catch (err) {
    return reply.send(err)
  }
  streamZip(reply, input, settings).catch((err: Error) => {
    if (!reply.sent) reply.send(err)
    else reply.log.error({ err }, 'zip-stream: failed after the response was sent')
  })
  return reply
}
