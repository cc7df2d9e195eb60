import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import formWidgets, { type FormWidgetsOptions } from '../src/index.js'

export const SECRET = 'test-secret-test-secret-test-secret-0123'

export async function buildApp (options: Partial<FormWidgetsOptions> = {}, setup?: (app: FastifyInstance) => void | Promise<void>): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(formWidgets, { csrf: { secret: SECRET }, ...options })
  await setup?.(app)
  await app.ready()
  return app
}

/** The CSRF cookie (as a Cookie header) and the hidden token from a rendered page. */
export function csrfFrom (response: LightMyRequestResponse): { cookie: string, token: string } {
  const setCookie = response.headers['set-cookie']
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie
  const cookie = first ? first.split(';')[0]! : ''
  const match = /name="_csrf" value="([^"]+)"/.exec(response.body)
  if (!match) throw new Error(`no CSRF token in ${response.body.slice(0, 200)}`)
  return { cookie, token: match[1]! }
}

export function urlencoded (pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
}

/** A multipart body built by hand so tests control part order and content exactly. */
export function multipartBody (boundary: string, parts: Array<{ name: string, value?: string, filename?: string, type?: string, content?: Buffer | string }>): Buffer {
  const chunks: Buffer[] = []
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`
    if (part.filename !== undefined) head += `; filename="${part.filename}"\r\nContent-Type: ${part.type ?? 'application/octet-stream'}`
    chunks.push(Buffer.from(`${head}\r\n\r\n`))
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content ?? part.value ?? ''))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return Buffer.concat(chunks)
}

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * A raw HTTP/1.1 client on a socket, so a test controls exactly when each part of a body is sent (and can
 * stop sending, or disconnect, half-way).
 */
export class RawClient {
  readonly socket: import('node:net').Socket
  #data = Buffer.alloc(0)
  #waiters: Array<() => void> = []
  closed = false

  private constructor (socket: import('node:net').Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => { this.#data = Buffer.concat([this.#data, chunk]); this.#wake() })
    socket.on('close', () => { this.closed = true; this.#wake() })
    socket.on('error', () => {})
  }

  static async connect (port: number): Promise<RawClient> {
    const net = await import('node:net')
    const socket = net.connect(port, '127.0.0.1')
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    return new RawClient(socket)
  }

  #wake () {
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w()
  }

  /** Strings are written as latin1, so `buffer.toString('latin1')` round-trips byte for byte. */
  write (chunk: Buffer | string): Promise<void> {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk
    return new Promise((resolve) => { this.socket.write(bytes, () => resolve()) })
  }

  /** Resolves with the first complete response (Content-Length or close delimited). */
  async response (): Promise<RawResponse> {
    for (;;) {
      const text = this.#data.toString('latin1')
      const headEnd = text.indexOf('\r\n\r\n')
      if (headEnd !== -1) {
        const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n')
        const headers: Record<string, string> = {}
        for (const line of lines) {
          const colon = line.indexOf(':')
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
        }
        const length = headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined
        const body = this.#data.subarray(Buffer.byteLength(text.slice(0, headEnd + 4), 'latin1'))
        if ((length !== undefined && body.length >= length) || this.closed) {
          return { status: Number(statusLine!.split(' ')[1]), headers, body: body.subarray(0, length ?? body.length).toString('utf8') }
        }
      }
      if (this.closed) throw new Error(`connection closed before a response: ${JSON.stringify(text)}`)
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed (): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.#waiters.push(resolve))
  }

  destroy () {
    this.socket.destroy()
  }
}

export function multipartHead (path: string, boundary: string, contentLength: number, cookie: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: localhost\r\nCookie: ${cookie}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${contentLength}\r\n\r\n`
}

/** A deferred: a promise with its resolve exposed, for handing signals between a handler and a test. */
export function deferred<T = void> (): { promise: Promise<T>, resolve: (value: T) => void } {
  let settle!: (value: T) => void
  const promise = new Promise<T>((resolve) => { settle = resolve })
  return { promise, resolve: settle }
}

/** Posts urlencoded pairs to a route that binds `definition` without CSRF and answers { valid, data, errors, html }. */
export async function bindPairs<F extends import('../src/index.js').Fields> (
  definition: import('../src/index.js').FormDefinition<F>,
  pairs: Array<[string, string]> | string,
  options: { locale?: string, plugin?: Partial<FormWidgetsOptions> } = {}
): Promise<{ valid: boolean, data: Record<string, unknown>, errors: Record<string, string[]>, html: string }> {
  const app = await buildApp({ csrf: false, ...options.plugin }, (instance) => {
    instance.post('/', async (request) => {
      const form = await request.bindForm(definition, { locale: options.locale })
      return { valid: form.valid, data: form.data, errors: form.errors, html: form.render() }
    })
  })
  try {
    const res = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: typeof pairs === 'string' ? pairs : urlencoded(pairs) })
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${res.body}`)
    return res.json()
  } finally {
    await app.close()
  }
}
