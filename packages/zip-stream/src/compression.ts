import { extname } from 'node:path'

export type Compression = 'auto' | 'store' | 'deflate'

/** Formats that are compressed already: deflating them again costs CPU and saves nothing. */
export const STORED_EXTENSIONS: ReadonlySet<string> = new Set([
  // images
  'jpg', 'jpeg', 'png', 'gif', 'webp', 'avif', 'heic', 'heif', 'jxl',
  // archives and compressed streams
  'zip', 'gz', 'tgz', 'bz2', 'tbz2', 'xz', 'txz', 'zst', 'lz', 'lz4', 'lzma', '7z', 'rar', 'br', 'jar', 'apk', 'docx', 'xlsx', 'pptx', 'odt', 'epub',
  // audio and video
  'mp3', 'aac', 'm4a', 'ogg', 'opus', 'flac', 'mp4', 'm4v', 'mov', 'mkv', 'webm', 'avi',
  // fonts
  'woff', 'woff2',
])

/** Whether an entry is deflated: `auto` stores already-compressed types (by extension) and deflates the rest. */
export function shouldDeflate (name: string, compression: Compression, level: number): boolean {
  if (level === 0 || compression === 'store') return false
  if (compression === 'deflate') return true
  return !STORED_EXTENSIONS.has(extname(name).slice(1).toLowerCase())
}
