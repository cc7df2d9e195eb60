import { createRequire } from 'node:module'
import zlib from 'node:zlib'

type UnsignedCrc32 = (data: Buffer | string, previous?: number) => number

// yazl CRCs every chunk with `buffer-crc32`, a table-driven JS loop about 10× slower than the native
// zlib.crc32 (Node ≥ 20.15 / 22.2). yazl takes no CRC option, so we replace the one function it calls,
// `unsigned`, on the very copy of buffer-crc32 that yazl resolves. The replacement returns identical
// values for identical arguments (tested), so any other user of that module only gets faster.
const requireFromHere = createRequire(import.meta.url)
const bufferCrc32 = createRequire(requireFromHere.resolve('yazl'))('buffer-crc32') as { unsigned: UnsignedCrc32 }

/** The JS implementation yazl ships with. */
export const javascriptCrc32: UnsignedCrc32 = bufferCrc32.unsigned

const nativeCrc32Function = (zlib as { crc32?: (data: Buffer | string, value?: number) => number }).crc32

/** The native implementation, or undefined on a Node without `zlib.crc32`. */
export const nativeCrc32: UnsignedCrc32 | undefined = nativeCrc32Function
  ? (data, previous) => nativeCrc32Function(data, previous === undefined ? 0 : previous >>> 0)
  : undefined

/** Makes yazl use the native CRC when this Node has one; returns whether it does now. Idempotent. */
export function useNativeCrc32 (): boolean {
  if (nativeCrc32 === undefined) return false
  bufferCrc32.unsigned = nativeCrc32
  return true
}

/** The function yazl currently calls for CRC-32. */
export function activeCrc32 (): UnsignedCrc32 {
  return bufferCrc32.unsigned
}
