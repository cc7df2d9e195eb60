// s3-upload benchmark (issue 7, item 12), all over loopback against one Ceph RADOS Gateway started here:
//   (a) 1 GiB posted through the plugin (curl in its own process → Fastify → form-widgets → lib-storage → Ceph),
//       against a direct lib-storage Upload of the same file to the same gateway, same part and queue size;
//   (b) peak RSS growth of this process while the plugin relays the 1 GiB, against partSize × queueSize + 32 MiB.
// Runs alternate (plugin, direct) ROUNDS times; the medians are compared. Objects are deleted after each run
// (the OSD keeps them in RAM).
import { execFile } from 'node:child_process'
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import formWidgets from '../../packages/form-widgets/src/index.js'
import s3Upload from '../../packages/s3-upload/src/index.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const requireFromPackage = createRequire(new URL('../../packages/s3-upload/package.json', import.meta.url))
const { S3Client, CreateBucketCommand, DeleteObjectCommand, ListMultipartUploadsCommand } = await import(requireFromPackage.resolve('@aws-sdk/client-s3')) as typeof import('../../packages/s3-upload/node_modules/@aws-sdk/client-s3/dist-types/index.js')
const { Upload } = await import(requireFromPackage.resolve('@aws-sdk/lib-storage')) as typeof import('../../packages/s3-upload/node_modules/@aws-sdk/lib-storage/dist-types/index.js')

const MiB = 1024 * 1024
const SIZE = 1024 * MiB
const PART_SIZE = 8 * MiB
const QUEUE_SIZE = 4
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const run = promisify(execFile)
const script = new URL('../../scripts/ceph-rgw.sh', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 's3-upload-bench-'))
const cephDir = join(dir, 'ceph')
let cephStarted = false
async function cleanup (): Promise<void> {
  if (cephStarted) await run(script, ['stop', cephDir]).catch(() => {})
  rmSync(dir, { recursive: true, force: true })
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => { cleanup().finally(() => process.exit(130)) })

try {
  const started = Date.now()
  await run(script, ['start', cephDir], { timeout: 120_000 })
  cephStarted = true
  console.log(`Ceph RGW started in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const env = Object.fromEntries(readFileSync(join(cephDir, 's3.env'), 'utf8').trim().split('\n').map((l) => l.split('=', 2) as [string, string]))
  const credentials = { accessKeyId: env.S3_ACCESS_KEY_ID!, secretAccessKey: env.S3_SECRET_ACCESS_KEY! }
  const client = new S3Client({ endpoint: env.S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })
  const bucket = 'bench'
  await client.send(new CreateBucketCommand({ Bucket: bucket }))

  // Well-formed PNGs (the plugin sniffs them): signature, IHDR, one IDAT chunk of random bytes, IEND.
  function writePng (path: string, size: number): void {
    const fd = openSync(path, 'w')
    const head = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000049444154', 'hex')
    const tail = Buffer.from('000000000000000049454e44ae426082', 'hex')
    head.writeUInt32BE(size - head.length - tail.length, head.length - 8)
    writeSync(fd, head)
    const block = randomBytes(MiB)
    let left = size - head.length - tail.length
    while (left > 0) left -= writeSync(fd, block, 0, Math.min(MiB, left))
    writeSync(fd, tail)
    closeSync(fd)
  }
  const file = join(dir, 'one-gib.png')
  writePng(file, SIZE)
  const warmUpFile = join(dir, 'warm-up.png')
  writePng(warmUpFile, 64 * MiB)

  const app = Fastify({ logger: false })
  await app.register(formWidgets, { csrf: { secret: 'bench-secret-bench-secret-bench-secret-00' } })
  await app.register(s3Upload, {
    secret: 'bench-upload-secret-bench-upload-secret-0',
    target: { type: 's3', bucket, endpoint: env.S3_ENDPOINT, forcePathStyle: true, credentials },
    maxFileSize: 2 * SIZE,
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const page = await app.inject('/upload')
  const cookie = String(page.headers['set-cookie']).split(';')[0]!
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!

  async function throughPlugin (path = file, size = SIZE): Promise<{ seconds: number, key: string, rssGrowth: number }> {
    globalThis.gc?.()
    const before = process.memoryUsage().rss
    let peak = before
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 20)
    const t0 = process.hrtime.bigint()
    const { stdout } = await run('curl', ['-sS', '--fail-with-body', '-H', 'Accept: application/json', '-H', 'Expect:', '-b', cookie, '-F', `_csrf=${token}`, '-F', `file=@${path};type=image/png`, `${url}/upload`], { maxBuffer: MiB })
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    clearInterval(sampler)
    const result = JSON.parse(stdout) as { key: string, size: number }
    if (result.size !== size) throw new Error(`stored ${result.size} bytes`)
    return { seconds, key: result.key, rssGrowth: peak - before }
  }

  async function direct (): Promise<{ seconds: number, key: string }> {
    const key = `direct/${Date.now()}.png`
    const t0 = process.hrtime.bigint()
    await new Upload({ client, params: { Bucket: bucket, Key: key, Body: createReadStream(file), ContentType: 'image/png' }, partSize: PART_SIZE, queueSize: QUEUE_SIZE }).done()
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, key }
  }

  // Deleted data is garbage-collected by rgw; collect it now so the in-RAM OSD never fills up between runs.
  const collectGarbage = () => run('radosgw-admin', ['-c', join(cephDir, 'ceph.conf'), '-n', 'client.admin', 'gc', 'process', '--include-all'])

  // One small upload first, so lazily loaded SDK code and JIT warm-up do not count as growth.
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: (await throughPlugin(warmUpFile, 64 * MiB)).key }))

  const plugin: number[] = []
  const baseline: number[] = []
  const growth: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const a = await throughPlugin()
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: a.key }))
    await collectGarbage()
    const b = await direct()
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: b.key }))
    await collectGarbage()
    plugin.push(a.seconds)
    baseline.push(b.seconds)
    growth.push(a.rssGrowth)
    console.log(`round ${round + 1}: plugin ${a.seconds.toFixed(2)} s, direct ${b.seconds.toFixed(2)} s, RSS growth ${(a.rssGrowth / MiB).toFixed(1)} MiB`)
  }
  const leftovers = (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []
  await app.close()
  client.destroy()

  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
  const mbps = (seconds: number) => (SIZE / MiB / seconds).toFixed(0)
  const ratio = median(baseline) / median(plugin)
  const rssLimit = PART_SIZE * QUEUE_SIZE + 32 * MiB
  const worstGrowth = Math.max(...growth)
  console.log('\n| 1 GiB upload to Ceph RGW (loopback) | median time | MiB/s |')
  console.log('|---|---|---|')
  console.log(`| through the plugin (curl → Fastify → lib-storage) | ${median(plugin).toFixed(2)} s | ${mbps(median(plugin))} |`)
  console.log(`| direct lib-storage Upload (baseline) | ${median(baseline).toFixed(2)} s | ${mbps(median(baseline))} |`)
  console.log(`\nplugin throughput / direct: ${(ratio * 100).toFixed(0)} % (target ≥ 80 %)`)
  console.log(`peak RSS growth while relaying: ${(worstGrowth / MiB).toFixed(1)} MiB (limit partSize × queueSize + 32 MiB = ${(rssLimit / MiB).toFixed(0)} MiB)`)
  console.log(`multipart uploads left: ${leftovers.length}`)
  const ok = ratio >= 0.8 && worstGrowth <= rssLimit && leftovers.length === 0
  if (!ok) console.log('FAILED a target')
  process.exitCode = ok ? 0 : 1
} finally {
  await cleanup()
}
