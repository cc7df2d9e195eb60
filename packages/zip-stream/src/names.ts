import { errors } from './errors.js'

const MAX_NAME_BYTES = 0xffff

/**
 * Turns a caller-supplied name into a safe archive path: backslashes become `/`, `.` and empty segments go,
 * and anything that could escape the extraction directory (absolute paths, drive letters, `..`) or confuse
 * a reader (NUL, empty) is rejected with a 400-class error before any byte is sent.
 */
export function normalizeEntryName (raw: unknown, isDirectory: boolean): string {
  if (typeof raw !== 'string' || raw === '') throw new errors.InvalidName(JSON.stringify(raw ?? ''), 'empty name')
  const shown = JSON.stringify(raw)
  if (raw.includes('\0')) throw new errors.InvalidName(shown, 'contains a NUL byte')
  const slashed = raw.replace(/\\/g, '/')
  if (/^[a-zA-Z]:/.test(slashed)) throw new errors.InvalidName(shown, 'has a drive letter')
  if (slashed.startsWith('/')) throw new errors.InvalidName(shown, 'is an absolute path')
  if (!isDirectory && slashed.endsWith('/')) throw new errors.InvalidName(shown, 'a file name cannot end with "/"')
  const segments = slashed.split('/').filter((segment) => segment !== '' && segment !== '.')
  if (segments.includes('..')) throw new errors.InvalidName(shown, 'has a ".." segment')
  if (segments.length === 0) throw new errors.InvalidName(shown, 'empty name')
  const name = segments.join('/') + (isDirectory ? '/' : '')
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new errors.InvalidName(shown, 'longer than 65535 bytes')
  return name
}

export type DuplicatePolicy = 'reject' | 'rename'

/** Remembers the names already used in one archive; `claim` rejects or renames a repeat. */
export class NameRegistry {
  readonly #used = new Set<string>()
  readonly #policy: DuplicatePolicy

  constructor (policy: DuplicatePolicy) {
    this.#policy = policy
  }

  claim (name: string): string {
    const isDirectory = name.endsWith('/')
    const key = isDirectory ? name.slice(0, -1) : name
    if (!this.#used.has(key)) {
      this.#used.add(key)
      return name
    }
    if (this.#policy === 'reject') throw new errors.DuplicateName(JSON.stringify(name))
    const slash = key.lastIndexOf('/')
    const dot = key.lastIndexOf('.')
    const cut = !isDirectory && dot > slash + 1 ? dot : key.length
    for (let n = 1; ; n++) {
      const candidate = `${key.slice(0, cut)} (${n})${key.slice(cut)}`
      if (!this.#used.has(candidate)) {
        this.#used.add(candidate)
        return isDirectory ? candidate + '/' : candidate
      }
    }
  }
}
