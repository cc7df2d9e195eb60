import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ObjectInfo, StoredObject, UploadTarget, WriteRequest } from './types.js'

export interface FilesystemTargetOptions {
  /** directory the keys are paths below (created when missing) */
  directory: string
  /** base URL the directory is served under, for `location` (default: none, `location` is `null`) */
  publicUrl?: string
}

interface Sidecar { contentType: string, contentDisposition: string, metadata: Record<string, string>, etag: string }

/**
 * Files below a directory, for development and single hosts. Each file is written to a `.partial-*` name and
 * renamed when complete, so a failed upload never leaves a file under its key; its type and ETag go to a
 * `<file>.meta.json` sidecar.
 */
export function filesystemTarget (options: FilesystemTargetOptions): UploadTarget {
  const root = resolve(options.directory)
  const pathOf = (key: string): string => {
    const path = resolve(root, key)
    if (!path.startsWith(root + sep)) throw new Error(`key ${JSON.stringify(key)} leaves the upload directory`)
    return path
  }

  return {
    kind: 'filesystem',

    async write ({ key, body, contentType, contentDisposition, metadata, size }: WriteRequest): Promise<StoredObject> {
      const path = pathOf(key)
      await mkdir(dirname(path), { recursive: true })
      const partial = `${path}.partial-${randomBytes(6).toString('hex')}`
      const md5 = createHash('md5')
      const hasher = new Transform({
        transform (chunk: Buffer, _encoding, callback) {
          md5.update(chunk)
          callback(null, chunk)
        },
      })
      try {
        await pipeline(body, hasher, createWriteStream(partial, { flags: 'wx' }))
        const etag = `"${md5.digest('hex')}"`
        const sidecar: Sidecar = { contentType, contentDisposition, metadata, etag }
        await writeFile(`${path}.meta.json`, JSON.stringify(sidecar))
        await rename(partial, path)
        const location = options.publicUrl ? new URL(key.split('/').map(encodeURIComponent).join('/'), options.publicUrl.replace(/\/?$/, '/')).href : null
        return { key, size: size(), contentType, etag, location }
      } catch (error) {
        await rm(partial, { force: true })
        throw error
      }
    },

    async head (key: string): Promise<ObjectInfo | null> {
      const path = pathOf(key)
      try {
        const [info, sidecar] = await Promise.all([stat(path), readFile(`${path}.meta.json`, 'utf8')])
        const parsed = JSON.parse(sidecar) as Sidecar
        return { size: info.size, contentType: parsed.contentType, etag: parsed.etag }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw error
      }
    },

    async readStart (key: string, length: number): Promise<Buffer> {
      const file = await open(pathOf(key))
      try {
        const buffer = Buffer.alloc(length)
        const { bytesRead } = await file.read(buffer, 0, length, 0)
        return buffer.subarray(0, bytesRead)
      } finally {
        await file.close()
      }
    },

    async delete (key: string): Promise<void> {
      const path = pathOf(key)
      await Promise.all([rm(path, { force: true }), rm(`${path}.meta.json`, { force: true })])
    },

    async close (): Promise<void> {},
  }
}

/** Where a key lives on disk (for tests and for serving the files). */
export function filesystemPath (directory: string, key: string): string {
  return join(resolve(directory), key)
}
