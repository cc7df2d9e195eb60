// zip-stream benchmark (issue 4, item 13): everything over loopback HTTP in one run, each ratio against a
// baseline measured in the same run. The client is curl in its own process, so the server keeps one core.
//   (a) store: 1 GiB in 64 files from disk → plugin, against a ceiling (same files read, CRC'd with
//       zlib.crc32, streamed with no ZIP framing), and yazl with its own JS CRC
//   (b) deflate (level 6, compressible data) → plugin, against zlib.createDeflateRaw over the same bytes
//   (c) archiver (npm) doing the same jobs
//   (d) peak RSS growth while sending a ≥ 2 GiB archive; a > 4 GiB ZIP64 archive checked with unzip -t
import { execFile } from 'node:child_process'
import { closeSync, createReadStream, ftruncateSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import Fastify from 'fastify'
import { javascriptCrc32 } from '../../packages/zip-stream/src/crc.js'
import zipStream, { type ZipEntry } from '../../packages/zip-stream/src/index.js'

// archiver is a devDependency of the package, so resolve it (and yazl's buffer-crc32) from there.
const requireFromPackage = createRequire(new URL('../../packages/zip-stream/package.json', import.meta.url))
interface ArchiverZip extends Readable { file: (path: string, data: { name: string }) => this, finalize: () => Promise<void> }
const { ZipArchive } = await import(requireFromPackage.resolve('archiver')) as { ZipArchive: new (options: object) => ArchiverZip }

const MiB = 1024 * 1024
const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'zip-stream-bench-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130))

// ---- data -----------------------------------------------------------------------------------------------
const storeFiles: string[] = []
{
  const block = Buffer.alloc(16 * MiB)
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 7)) >>> 0, i)
  for (let i = 0; i < 64; i++) {
    block.writeUInt32LE(i, 0)
    const path = join(dir, `store-${i}.bin`)
    writeFileSync(path, block)
    storeFiles.push(path)
  }
}
const textFiles: string[] = []
{
  const words = ['shipyard', 'zip', 'stream', 'fastify', 'plugin', 'archive', 'deflate', 'crc', 'loopback', 'entry', 'header', 'central', 'directory']
  let seed = 42
  const lines: string[] = []
  for (let size = 0; size < 8 * MiB;) {
    const line: string[] = []
    for (let w = 0; w < 12; w++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      line.push(words[seed % words.length]! + (seed % 97))
    }
    const text = line.join(' ') + '\n'
    lines.push(text)
    size += text.length
  }
  const text = lines.join('')
  for (let i = 0; i < 6; i++) {
    const path = join(dir, `text-${i}.txt`)
    writeFileSync(path, `${i}\n${text}`)
    textFiles.push(path)
  }
}
const storeBytes = storeFiles.reduce((n, f) => n + statSync(f).size, 0)
const textBytes = textFiles.reduce((n, f) => n + statSync(f).size, 0)

// ---- server ---------------------------------------------------------------------------------------------
const LEVEL = 6
const READ_SIZE = MiB
const app = Fastify({ logger: false })
await app.register(zipStream, { readHighWaterMark: READ_SIZE })
const fileEntries = (files: string[]): ZipEntry[] => files.map((path, i) => ({ name: `f/${i}-${path.split('/').pop()}`, path }))

app.get('/plugin/store', (_req, reply) => reply.zip(fileEntries(storeFiles), { compression: 'store' }))
app.get('/plugin/deflate', (_req, reply) => reply.zip(fileEntries(textFiles), { compression: 'deflate', level: LEVEL }))
app.get('/ceiling/store', (_req, reply) => {
  // the same files, read the same way and CRC'd natively, with no ZIP framing
  async function * readAll () {
    for (const file of storeFiles) {
      let crc = 0
      for await (const chunk of createReadStream(file, { highWaterMark: READ_SIZE })) {
        crc = zlib.crc32(chunk as Buffer, crc)
        yield chunk as Buffer
      }
    }
  }
  return reply.header('content-type', 'application/octet-stream').send(Readable.from(readAll(), { objectMode: false }))
})
app.get('/ceiling/deflate', (_req, reply) => {
  async function * deflateAll () {
    for (const file of textFiles) {
      let crc = 0
      const deflate = zlib.createDeflateRaw({ level: LEVEL })
      const source = createReadStream(file, { highWaterMark: READ_SIZE })
      source.on('data', (chunk) => { crc = zlib.crc32(chunk as Buffer, crc) })
      source.pipe(deflate)
      for await (const chunk of deflate) yield chunk as Buffer
    }
  }
  return reply.header('content-type', 'application/octet-stream').send(Readable.from(deflateAll(), { objectMode: false }))
})
for (const mode of ['store', 'deflate'] as const) {
  app.get(`/archiver/${mode}`, (_req, reply) => {
    const archive = new ZipArchive(mode === 'store' ? { store: true } : { zlib: { level: LEVEL } })
    for (const { name, path } of fileEntries(mode === 'store' ? storeFiles : textFiles) as Array<{ name: string, path: string }>) archive.file(path, { name })
    archive.finalize().catch((err: Error) => archive.destroy(err))
    return reply.header('content-type', 'application/zip').send(archive)
  })
}
// (d) a ≥ 2 GiB archive: the 1 GiB set three times under different names
app.get('/plugin/big', (_req, reply) => reply.zip([0, 1, 2].flatMap((round) => storeFiles.map((path, i) => ({ name: `r${round}/${i}.bin`, path }))), { compression: 'store' }))
const sparse = join(dir, 'sparse-4.5GiB.bin')
app.get('/plugin/zip64', (_req, reply) => reply.zip([{ name: 'huge.bin', path: sparse }, { name: 'after.txt', data: 'after the 4 GiB mark', compression: 'store' }], { compression: 'store' }))
const url = await app.listen({ port: 0, host: '127.0.0.1' })

// ---- measuring ------------------------------------------------------------------------------------------
async function download (path: string, output = '/dev/null'): Promise<{ bytes: number, seconds: number }> {
  const { stdout } = await run('curl', ['-sS', '--fail', '-o', output, '-w', '%{size_download} %{time_total}', url + path], { timeout: 600_000 })
  const [bytes, seconds] = stdout.trim().split(' ').map(Number)
  return { bytes: bytes!, seconds: seconds! }
}
/** best of `runs` (the first also warms the page cache) */
async function throughput (path: string, runs = 3): Promise<{ mbps: number, bytes: number }> {
  let best = Infinity
  let bytes = 0
  for (let i = 0; i < runs; i++) {
    const result = await download(path)
    bytes = result.bytes
    best = Math.min(best, result.seconds)
  }
  return { mbps: bytes / best / 1e6, bytes }
}
const bufferCrc32 = createRequire(requireFromPackage.resolve('yazl'))('buffer-crc32') as { unsigned: unknown }
async function withYazlJsCrc<T> (action: () => Promise<T>): Promise<T> {
  const native = bufferCrc32.unsigned
  bufferCrc32.unsigned = javascriptCrc32
  try { return await action() } finally { bufferCrc32.unsigned = native }
}

let peakRss = process.memoryUsage.rss()
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()) }, 20)
sampler.unref()

await throughput('/ceiling/store', 1) // warm the page cache
const rows: Array<[string, string, string]> = []
const ceilingStore = await throughput('/ceiling/store')
const pluginStore = await throughput('/plugin/store')
const yazlJsStore = await withYazlJsCrc(() => throughput('/plugin/store'))
const archiverStore = await throughput('/archiver/store')
rows.push(
  ['(a) ceiling: read + zlib.crc32 + HTTP, no framing', `${ceilingStore.mbps.toFixed(0)} MB/s`, '100 %'],
  ['(a) plugin, store, native CRC', `${pluginStore.mbps.toFixed(0)} MB/s`, `${(100 * pluginStore.mbps / ceilingStore.mbps).toFixed(0)} % of ceiling (target ≥ 75 %)`],
  ['(a) plugin, store, yazl\'s JS CRC (buffer-crc32)', `${yazlJsStore.mbps.toFixed(0)} MB/s`, `${(100 * yazlJsStore.mbps / ceilingStore.mbps).toFixed(0)} % of ceiling`],
  ['(c) archiver, store', `${archiverStore.mbps.toFixed(0)} MB/s`, `plugin = ${(pluginStore.mbps / archiverStore.mbps).toFixed(2)} × archiver`]
)
// Resume cost: a Range starting at 80 % rebuilds the archive and discards the prefix (see README "Resume").
{
  const start = Math.floor(pluginStore.bytes * 0.8)
  const { stdout } = await run('curl', ['-sS', '--fail', '-o', '/dev/null', '-r', `${start}-`, '-w', '%{http_code} %{size_download} %{time_starttransfer} %{time_total}', `${url}/plugin/store`])
  const [status, bytes, firstByte, total] = stdout.trim().split(' ').map(Number)
  if (status !== 206 || bytes !== pluginStore.bytes - start) throw new Error(`resume: got ${status} with ${bytes} bytes`)
  rows.push([`(a) resume at 80 % (Range: bytes=${start}-)`, `first byte after ${firstByte!.toFixed(2)} s, done in ${total!.toFixed(2)} s`, `${((start / 2 ** 30) / firstByte!).toFixed(2)} GiB/s skipped (read + CRC, not sent)`])
}
const ceilingDeflate = await throughput('/ceiling/deflate', 2)
const pluginDeflate = await throughput('/plugin/deflate', 2)
const archiverDeflate = await throughput('/archiver/deflate', 2)
// deflate throughput is counted in input bytes per second
const inputRate = (r: { bytes: number, mbps: number }) => (textBytes / (r.bytes / r.mbps / 1e6)) / 1e6
rows.push(
  [`(b) zlib.createDeflateRaw level ${LEVEL} + HTTP`, `${inputRate(ceilingDeflate).toFixed(0)} MB/s in`, '100 %'],
  [`(b) plugin, deflate level ${LEVEL}`, `${inputRate(pluginDeflate).toFixed(0)} MB/s in`, `${(100 * inputRate(pluginDeflate) / inputRate(ceilingDeflate)).toFixed(0)} % of zlib (target ≥ 90 %)`],
  [`(c) archiver, deflate level ${LEVEL}`, `${inputRate(archiverDeflate).toFixed(0)} MB/s in`, `plugin = ${(inputRate(pluginDeflate) / inputRate(archiverDeflate)).toFixed(2)} × archiver`]
)
const peakDuringThroughput = peakRss

// (d) RSS while sending ≥ 2 GiB
globalThis.gc?.()
await new Promise((resolve) => setTimeout(resolve, 200))
const rssBefore = process.memoryUsage.rss()
peakRss = rssBefore
const big = await download('/plugin/big')
const growth = peakRss - rssBefore
rows.push([`(d) RSS growth sending ${(big.bytes / 2 ** 30).toFixed(2)} GiB`, `${(growth / MiB).toFixed(1)} MiB`, `target ≤ 64 MiB; peak RSS of the whole run ${(Math.max(peakDuringThroughput, peakRss) / MiB).toFixed(0)} MiB`])

// > 4 GiB: one sparse 4.5 GiB file, so ZIP64 is required; downloaded to disk and tested with unzip -t
{
  const fd = openSync(sparse, 'w')
  ftruncateSync(fd, 4.5 * 2 ** 30)
  closeSync(fd)
  const output = join(dir, 'zip64.zip')
  const result = await download('/plugin/zip64', output)
  rmSync(sparse)
  const tested = await run('unzip', ['-t', output], { timeout: 600_000 }).then(({ stdout }) => /No errors detected/.test(stdout), () => false)
  rows.push([`ZIP64: ${(result.bytes / 2 ** 30).toFixed(2)} GiB archive`, `${(result.bytes / result.seconds / 1e6).toFixed(0)} MB/s`, `unzip -t: ${tested ? 'OK' : 'FAILED'}`])
  rmSync(output)
  if (!tested) process.exitCode = 1
}

await app.close()
console.log(`node ${process.version}, ${storeFiles.length} × ${storeBytes / storeFiles.length / MiB} MiB store set, ${textFiles.length} × ${(textBytes / textFiles.length / MiB).toFixed(1)} MiB text set, reads of ${READ_SIZE / MiB} MiB\n`)
console.log('| case | throughput | ratio |')
console.log('|---|---|---|')
for (const [name, value, ratio] of rows) console.log(`| ${name} | ${value} | ${ratio} |`)
