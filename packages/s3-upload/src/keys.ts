import { randomUUID } from 'node:crypto'

/** What a key function receives: the sanitised original name, its extension and the configured prefix. */
export interface KeyContext {
  /** the client's file name made safe: no path, no control characters, NFC, at most `maxNameLength` long */
  originalName: string
  /** `.png`-style extension taken from `originalName` (lower case), or the sniffed type's one when the name has none */
  extension: string
  /** the `keyPrefix` option, without a trailing slash */
  prefix: string
  /** the sniffed (or, for direct uploads, declared) content type */
  contentType: string
}

export type KeyFunction = (context: KeyContext) => string

// Control characters (C0, DEL, C1) and format characters (bidi overrides such as U+202E, zero-width joiners),
// which can make `evil‮gnp.exe` display as `evilexe.png`.
const unsafeCharacters = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu

/** Makes a client-supplied file name safe to show, store in metadata and take an extension from. */
export function sanitizeFilename (name: string, maxLength = 200): string {
  let safe = name.normalize('NFC').replace(unsafeCharacters, '')
  // Browsers send a bare name, but old ones (and scripts) send `C:\Users\me\photo.jpg` or `../../etc/passwd`.
  safe = safe.slice(Math.max(safe.lastIndexOf('/'), safe.lastIndexOf('\\')) + 1)
  safe = safe.replace(/\s+/gu, ' ').replace(/^[\s.]+|[\s.]+$/gu, '')
  if ([...safe].length > maxLength) {
    const extension = extensionOf(safe)
    const stem = [...safe.slice(0, safe.length - extension.length)].slice(0, Math.max(1, maxLength - extension.length)).join('')
    safe = stem.replace(/[\s.]+$/u, '') + extension
  }
  return safe === '' ? 'file' : safe
}

/** `.ext` in lower case when the name ends with a short alphanumeric extension, else `''`. */
export function extensionOf (name: string): string {
  const match = /\.([a-z0-9]{1,10})$/i.exec(name)
  return match && match.index > 0 ? `.${match[1].toLowerCase()}` : ''
}

/** The default key: `<prefix>/<uuid4 hex><ext>`. */
export const defaultKey: KeyFunction = ({ prefix, extension }) =>
  `${prefix === '' ? '' : `${prefix}/`}${randomUUID().replaceAll('-', '')}${extension}`

/** Checks a key from a key function before it is used as an S3 key or a path below the upload directory. */
export function isSafeKey (key: string): boolean {
  return key.length > 0 && key.length <= 1024 && !key.startsWith('/') && !/[\p{Cc}\\]/u.test(key) &&
    key.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 8187). */
export function contentDisposition (disposition: 'attachment' | 'inline', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_')
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(name)}`
}

function encodeRfc8187 (value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * S3 user metadata travels in HTTP headers, which only carry ASCII safely: the original name is stored
 * percent-encoded (`decodeURIComponent` gives it back).
 */
export function encodeMetadataValue (value: string): string {
  return encodeRfc8187(value)
}
