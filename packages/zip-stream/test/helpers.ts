import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import zipStream, { type ZipStreamOptions } from '../src/index.js'

const run = promisify(execFile)

export async function buildApp (options: ZipStreamOptions = {}, routes: (app: FastifyInstance) => void = () => {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, forceCloseConnections: true })
  await app.register(zipStream, options)
  routes(app)
  return app
}

export async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}

export interface Received { status: number, headers: http.IncomingHttpHeaders, body: Buffer, complete: boolean }

/** A plain http.get that keeps every byte and notices a connection cut before the end. */
export function get (url: string, headers: http.OutgoingHttpHeaders = {}): Promise<Received> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      const done = (complete: boolean) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete })
      res.on('end', () => done(res.complete))
      res.on('error', () => done(false))
      res.on('aborted', () => done(false))
    })
    req.on('error', reject)
  })
}

export const tempDirs: string[] = []
export function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'zip-stream-test-'))
  tempDirs.push(dir)
  return dir
}
export function cleanTempDirs (): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Runs Info-ZIP `unzip -t` on the bytes; returns its output, throws when it reports a problem. */
export async function unzipTest (body: Buffer): Promise<string> {
  const dir = tempDir()
  const file = join(dir, 'archive.zip')
  writeFileSync(file, body)
  const { stdout } = await run('unzip', ['-t', file], { maxBuffer: 64 * 1024 * 1024 })
  return stdout
}

/** `unzip -Z1` listing, one name per line. */
export async function unzipList (body: Buffer): Promise<string[]> {
  const dir = tempDir()
  const file = join(dir, 'archive.zip')
  writeFileSync(file, body)
  const { stdout } = await run('unzip', ['-Z1', file], { maxBuffer: 64 * 1024 * 1024 })
  return stdout.split('\n').filter(Boolean)
}

/** `zipinfo`-style listing (`unzip -Z`): permissions, sizes, names. */
export async function unzipInfo (body: Buffer): Promise<string> {
  const file = join(tempDir(), 'archive.zip')
  writeFileSync(file, body)
  return (await run('unzip', ['-Z', file], { maxBuffer: 64 * 1024 * 1024 })).stdout
}

/** Extracts one entry's bytes. */
export async function unzipRead (body: Buffer, name: string): Promise<Buffer> {
  const dir = tempDir()
  const file = join(dir, 'archive.zip')
  writeFileSync(file, body)
  const { stdout } = await run('unzip', ['-p', file, name], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 })
  return stdout
}

/** File descriptors of this process, optionally only those pointing under `dir`. */
export function openFds (under?: string): number {
  let count = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    if (under === undefined) {
      count++
      continue
    }
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(under)) count++
    } catch {}
  }
  return count
}

export async function waitFor (predicate: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > until) return false
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return true
}
