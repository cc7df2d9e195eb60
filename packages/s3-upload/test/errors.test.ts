import { readFileSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { errors } from '../src/index.js'
import { storeFile, toUploadError, type StoreSettings } from '../src/store.js'
import { filesystemTarget } from '../src/targets/filesystem.js'
import { defaultKey } from '../src/keys.js'
import { pngBytes } from './helpers.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('errors', () => {
  it('every code has a status and a README row', () => {
    for (const ErrorClass of Object.values(errors)) {
      const error = new ErrorClass('x', 'y')
      expect(error.code).toMatch(/^SHIPYARD_S3_[A-Z_]+$/)
      expect(readme).toContain(`| \`${error.code}\` | ${error.statusCode} |`)
    }
  })

  it('maps stream and store failures to coded errors: the client\'s doing is 4xx, the store\'s 502', () => {
    const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code })
    expect(toUploadError(coded('FST_MP_PREMATURE_CLOSE'), 10)).toBeInstanceOf(errors.ClientAborted)
    expect(toUploadError(coded('SHIPYARD_FORM_CLIENT_ABORTED'), 10)).toMatchObject({ code: 'SHIPYARD_S3_CLIENT_ABORTED', statusCode: 400 })
    expect(toUploadError(new Error('Unexpected end of form'), 10)).toBeInstanceOf(errors.ClientAborted)
    expect(toUploadError(coded('SHIPYARD_FORM_FILE_TOO_LARGE'), 10)).toMatchObject({ code: 'SHIPYARD_S3_FILE_TOO_LARGE', statusCode: 413, message: expect.stringContaining('10 bytes') })
    expect(toUploadError(coded('ENOSPC', 'no space left on /secret/path'), 10)).toMatchObject({ code: 'SHIPYARD_S3_STORE_FAILED', statusCode: 502, message: 'The file could not be stored: ENOSPC' })
    const own = new errors.TypeMismatch('a', 'b')
    expect(toUploadError(own, 10)).toBe(own)
  })

  it('refuses a key function that returns an unsafe key (500, a programming error) and stores nothing', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'unsafe-key-'))
    const settings: StoreSettings = { maxFileSize: 1000, allowedTypes: ['image/png'], keyPrefix: 'u', key: () => '../../etc/passwd', maxNameLength: 200, disposition: 'attachment' }
    await expect(storeFile(filesystemTarget({ directory }), settings, { filename: 'a.png', mimetype: 'image/png', stream: Readable.from([pngBytes(500)]) }))
      .rejects.toMatchObject({ code: 'SHIPYARD_S3_INVALID_OPTION', statusCode: 500 })
    expect(await readdir(directory)).toEqual([])
    // The default key function is safe for any sanitised name.
    const stored = await storeFile(filesystemTarget({ directory }), { ...settings, key: defaultKey }, { filename: '../../a.png', mimetype: 'image/png', stream: Readable.from([pngBytes(500)]) })
    expect(stored).toMatchObject({ key: expect.stringMatching(/^u\/[0-9a-f]{32}\.png$/), size: 500, originalName: 'a.png' })
    await rm(directory, { recursive: true, force: true })
  })
})
