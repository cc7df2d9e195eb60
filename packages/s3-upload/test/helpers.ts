import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { promisify } from 'node:util'
import {
  CreateBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client,
} from '@aws-sdk/client-s3'
import formWidgets from '@shipyard/form-widgets'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { inject } from 'vitest'
import s3Upload, { type S3UploadOptions } from '../src/index.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

export const SECRET = 'upload-test-secret-upload-test-secret-0123'
export const CSRF_SECRET = 'csrf-test-secret-csrf-test-secret-csrf-0123'
export const MIB = 1024 * 1024

export const ceph = () => inject('ceph')

export function s3Client (): S3Client {
  const env = ceph()
  return new S3Client({ endpoint: env.endpoint, region: env.region, forcePathStyle: true, credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })
}

export function s3Target (bucket: string, extra: Partial<Extract<S3UploadOptions['target'], { type: 's3' }>> = {}): S3UploadOptions['target'] {
  const env = ceph()
  return { type: 's3', bucket, endpoint: env.endpoint, region: env.region, forcePathStyle: true, credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey }, ...extra }
}

/** A fresh bucket per test file, so files running in parallel never see each other's uploads. */
export async function createBucket (client: S3Client, prefix: string): Promise<string> {
  const bucket = `${prefix}-${randomBytes(4).toString('hex')}`
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  return bucket
}

export async function multipartUploads (client: S3Client, bucket: string): Promise<string[]> {
  const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))
  return (page.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`)
}

export async function objectKeys (client: S3Client, bucket: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }))
  return (page.Contents ?? []).map((o) => o.Key!).sort()
}

export async function emptyBucket (client: S3Client, bucket: string): Promise<void> {
  const keys = await objectKeys(client, bucket)
  if (keys.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }))
}

export async function getObjectBytes (client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  return Buffer.from(await output.Body!.transformToByteArray())
}

export async function radosgwAdmin (...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('radosgw-admin', ['-c', `${ceph().dir}/ceph.conf`, '-n', 'client.admin', ...args])
  return stdout
}

export async function buildApp (options: Partial<S3UploadOptions> & Pick<S3UploadOptions, 'target'>, setup?: (app: FastifyInstance) => void | Promise<void>, logs?: string[]): Promise<FastifyInstance> {
  const app = Fastify(logs ? { logger: { level: 'trace', stream: { write: (line: string) => { logs.push(line) } } } } : {})
  await app.register(formWidgets, { csrf: { secret: CSRF_SECRET }, discardTimeout: 500 })
  await app.register(s3Upload, { secret: SECRET, partSize: 5 * MIB, ...options })
  await setup?.(app)
  await app.ready()
  return app
}

/** The CSRF cookie (as a Cookie header) and token from a rendered page. */
export function csrfFrom (response: LightMyRequestResponse): { cookie: string, token: string } {
  const setCookie = response.headers['set-cookie']
  const cookies = (Array.isArray(setCookie) ? setCookie : [setCookie]).filter(Boolean) as string[]
  const cookie = cookies.map((c) => c.split(';')[0]).join('; ')
  const match = /name="_csrf" value="([^"]+)"/.exec(response.body)
  if (!match) throw new Error(`no CSRF token in ${response.body.slice(0, 300)}`)
  return { cookie, token: match[1]! }
}

export const BOUNDARY = 'ShipyardBoundary7MA4YWxk'

export interface Part { name: string, value?: string, filename?: string, type?: string, content?: Buffer | string }

export function multipartBody (parts: Part[], { end = true } = {}): Buffer {
  const chunks: Buffer[] = []
  for (const part of parts) {
    let head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"`
    if (part.filename !== undefined) head += `; filename="${part.filename}"\r\nContent-Type: ${part.type ?? 'application/octet-stream'}`
    chunks.push(Buffer.from(`${head}\r\n\r\n`))
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content ?? part.value ?? ''))
    chunks.push(Buffer.from('\r\n'))
  }
  if (end) chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`))
  return Buffer.concat(chunks)
}

export function multipartHeaders (length: number, cookie: string, accept = 'application/json'): Record<string, string> {
  return { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(length), cookie, accept }
}

/** A well-formed PNG of exactly `size` bytes (≥ 57): signature, IHDR, one IDAT of random bytes, IEND. */
export function pngBytes (size: number): Buffer {
  const ihdr = pngChunk('IHDR', Buffer.from('0000000100000001080600000000', 'hex').subarray(0, 13))
  const fixed = 8 + ihdr.length + 12 + 12
  if (size < fixed + 1) throw new Error(`a PNG needs at least ${fixed + 1} bytes`)
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), ihdr, pngChunk('IDAT', randomBytes(size - fixed)), pngChunk('IEND', Buffer.alloc(0))])
}

export interface RawResponse { status: number, headers: Record<string, string>, body: string }

/** HTTP/1.1 over a bare socket, so a test decides when each byte of a body is sent, and can stop or disconnect. */
export class RawClient {
  readonly socket: Socket
  #received = Buffer.alloc(0)
  #closed = false

  private constructor (socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => { this.#received = Buffer.concat([this.#received, chunk]) })
    socket.on('close', () => { this.#closed = true })
    socket.on('error', () => {})
  }

  static async connect (port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1')
    await once(socket, 'connect')
    return new RawClient(socket)
  }

  /** Sends the request head and the first bytes of the body. */
  write (data: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())))
  }

  get closed (): boolean { return this.#closed }

  /** Resolves with the first complete response (by Content-Length) or whatever arrived before the socket closed. */
  async response (timeout = 10_000): Promise<RawResponse> {
    const deadline = Date.now() + timeout
    for (;;) {
      const parsed = parseResponse(this.#received)
      if (parsed) return parsed
      if (this.#closed) throw new Error(`connection closed before a response: ${this.#received.toString('latin1').slice(0, 200)}`)
      if (Date.now() > deadline) throw new Error('no response in time')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  destroy (): void { this.socket.destroy() }
}

function parseResponse (data: Buffer): RawResponse | undefined {
  const end = data.indexOf('\r\n\r\n')
  if (end < 0) return undefined
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  const length = Number(headers['content-length'] ?? 0)
  if (data.length < end + 4 + length) return undefined
  return { status: Number(statusLine!.split(' ')[1]), headers, body: data.subarray(end + 4, end + 4 + length).toString('utf8') }
}

export function requestHead (path: string, headers: Record<string, string>): string {
  return `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`
}

/** Polls until `check` returns true (for effects that follow a disconnect, which no response reports). */
export async function eventually (check: () => Promise<boolean>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function crc32 (data: Buffer): number {
  let crc = -1
  for (const byte of data) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1))
  }
  return (crc ^ -1) >>> 0
}

function pngChunk (type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}
