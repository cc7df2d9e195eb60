import { Transform, type TransformCallback } from 'node:stream'
import { errors } from './errors.js'

/** Counts the bytes passing through and fails the stream the moment they exceed `maxBytes`. */
export class ByteLimit extends Transform {
  bytes = 0
  readonly maxBytes: number

  constructor (maxBytes: number) {
    super()
    this.maxBytes = maxBytes
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.maxBytes) {
      callback(new errors.FileTooLarge(this.maxBytes))
      return
    }
    callback(null, chunk)
  }
}
