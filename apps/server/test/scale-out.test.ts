// Scale-out as ops would deploy it: two instances of the built server share one PostgreSQL, one Redis and one
// Ceph RADOS Gateway, behind HAProxy with `option httpchk` on the watchdog. Every piece of shared state is
// checked across instances: sign-ups, rate limits, CSRF tokens, flash cookies, uploads, bundles.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPostgres } from '../../../scripts/postgres.mjs'
import { startRedis } from '../../../scripts/redis.mjs'
import { freePort, startHaproxy } from '../../../test-support/haproxy.js'
import { csrfToken, HttpSession } from './helpers/http-session.js'
import { listeningAddress, spawnServer, type SpawnedServer } from './helpers/spawn-server.js'

const run = promisify(execFile)
const cephScript = fileURLToPath(new URL('../../../scripts/ceph-rgw.sh', import.meta.url))
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex')
const BUCKET = 'shipyard-scale-out'

const cleanups: Array<() => Promise<unknown>> = []
const instances: SpawnedServer[] = []
let direct: string[] = []
let balancer: string
let env: Record<string, string>
let s3: S3Client

beforeAll(async () => {
  const cephDir = join(mkdtempSync(join(tmpdir(), 'shipyard-scale-out-')), 'ceph')
  const [postgres, redis] = await Promise.all([
    startPostgres(),
    startRedis(),
    run(cephScript, ['start', cephDir], { timeout: 120_000 }),
  ])
  cleanups.push(() => postgres.stop(), () => redis.stop(), () => run(cephScript, ['stop', cephDir], { timeout: 60_000 }))
  const ceph = Object.fromEntries(readFileSync(join(cephDir, 's3.env'), 'utf8').trim().split('\n').map((line) => line.split('=', 2) as [string, string]))
  s3 = new S3Client({
    endpoint: ceph.S3_ENDPOINT!,
    region: ceph.S3_REGION!,
    forcePathStyle: true,
    credentials: { accessKeyId: ceph.S3_ACCESS_KEY_ID!, secretAccessKey: ceph.S3_SECRET_ACCESS_KEY! },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }))

  env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    CSRF_SECRET: 'scale-out-csrf-secret-'.padEnd(48, 'x'),
    COOKIE_SECRET: 'scale-out-cookie-secret-'.padEnd(48, 'y'),
    ADMIN_TOKEN: 'scale-out-admin-token-'.padEnd(48, 'z'),
    LANDING_SECRET: 'scale-out-landing-secret-'.padEnd(48, 'w'),
    DATABASE_URL: postgres.url,
    LANDING_REDIS_URL: redis.url,
    LANDING_LIMIT_PER_ADDRESS: '4',
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: ceph.S3_ENDPOINT!,
    S3_REGION: ceph.S3_REGION!,
    S3_ACCESS_KEY_ID: ceph.S3_ACCESS_KEY_ID!,
    S3_SECRET_ACCESS_KEY: ceph.S3_SECRET_ACCESS_KEY!,
    S3_FORCE_PATH_STYLE: 'true',
    HEALTH_DRAIN_DELAY: '500',
  }
  for (let i = 0; i < 2; i++) {
    const server = spawnServer(['start'], { ...env, PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), `shipyard-instance-${i}-`)) }, { built: true })
    instances.push(server)
  }
  direct = await Promise.all(instances.map(listeningAddress))

  const frontend = await freePort()
  const haproxy = await startHaproxy(`global
  maxconn 256
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend web
  bind 127.0.0.1:${frontend}
  default_backend shipyard
backend shipyard
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  http-response set-header X-Served-By %[srv_name]
${direct.map((url, i) => `  server node${i} ${new URL(url).host} check inter 200 fall 2 rise 1`).join('\n')}
`, frontend)
  cleanups.push(haproxy.stop)
  balancer = `http://127.0.0.1:${frontend}`
  // wait until HAProxy has both nodes up: consecutive requests then alternate
  const deadline = Date.now() + 15_000
  for (;;) {
    const served = await Promise.all([0, 1, 2, 3].map(async () => (await fetch(`${balancer}/_shipyard`)).headers.get('x-served-by')))
    if (new Set(served).size === 2) break
    if (Date.now() > deadline) throw new Error(`HAProxy did not bring both nodes up: ${haproxy.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}, 180_000)

afterAll(async () => {
  for (const server of instances) if (server.child.exitCode === null) server.child.kill('SIGKILL')
  s3?.destroy()
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
}, 90_000)

describe('two instances behind HAProxy share all state', () => {
  it('a form served by one instance is accepted by the other (CSRF), and the sign-up is visible from both', async () => {
    const [a, b] = direct as [string, string]
    const session = new HttpSession(a, { host: 'localhost' })
    const page = await session.request('/')
    const token = csrfToken(await page.text())
    const onB = new HttpSession(b, { host: 'localhost' })
    onB.adopt(session)
    const posted = await onB.request('/signup', { method: 'POST', body: new URLSearchParams({ _csrf: token, email: 'shared@example.com' }) })
    expect(posted.status).toBe(303)
    for (const url of direct) {
      const csv = await fetch(`${url}/_landing/export.csv?site=default`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, host: 'localhost' } })
      expect(await csv.text()).toContain('shared@example.com')
    }
  })

  it('rate limits count across instances (Redis)', async () => {
    const statuses: number[] = []
    for (let attempt = 0; attempt < 6; attempt++) {
      const session = new HttpSession(balancer, { host: 'localhost' })
      const page = await session.request('/')
      const token = csrfToken(await page.text())
      const res = await session.request('/signup', { method: 'POST', body: new URLSearchParams({ _csrf: token, email: 'limited@example.com' }) })
      statuses.push(res.status)
    }
    // LANDING_LIMIT_PER_ADDRESS=4 for the cluster, although each instance saw only half of the attempts
    expect(statuses.slice(0, 4)).toEqual([303, 303, 303, 303])
    expect(statuses.slice(4)).toEqual([429, 429])
  })

  it('an upload posted through the balancer lands in the bucket and its flash shows on the other instance', async () => {
    const [a, b] = direct as [string, string]
    const session = new HttpSession(a)
    const form = await session.request('/upload')
    const body = new FormData()
    body.append('_csrf', csrfToken(await form.text()))
    body.append('file', new Blob([PNG], { type: 'image/png' }), 'cluster.png')
    const posted = await session.request('/upload', { method: 'POST', body, headers: { accept: 'application/json' } })
    expect(posted.status).toBe(200)
    const { key } = await posted.json() as { key: string }
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
    expect(Buffer.from(await object.Body!.transformToByteArray())).toEqual(PNG)
    expect(object.ContentType).toBe('image/png')

    // browsers: POST on one node, the redirect target rendered by the other shows the signed flash
    const browser = new HttpSession(a)
    const again = new FormData()
    again.append('_csrf', csrfToken(await (await browser.request('/upload')).text()))
    again.append('file', new Blob([PNG], { type: 'image/png' }), 'flash.png')
    const redirected = await browser.request('/upload', { method: 'POST', body: again })
    expect(redirected.status).toBe(303)
    const onB = new HttpSession(b)
    onB.adopt(browser)
    expect(await (await onB.request(redirected.headers.get('location')!)).text()).toContain('flash.png')
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? []).toEqual([])
  })

  it('a bundle added once is downloadable from every instance (PostgreSQL)', async () => {
    const json = join(mkdtempSync(join(tmpdir(), 'shipyard-scale-bundle-')), 'bundle.json')
    const { writeFileSync } = await import('node:fs')
    writeFileSync(json, JSON.stringify({ 'cluster.txt': 'one bundle, every node' }))
    const add = spawnServer(['bundles', 'add', json, '--id', 'cluster'], { ...env, DATA_DIR: mkdtempSync(join(tmpdir(), 'shipyard-cli-')) }, { built: true })
    expect((await add.exited).code).toBe(0)
    for (const url of direct) expect((await fetch(`${url}/download/cluster.zip`)).status).toBe(200)
  })

  it('shipyard uploads sweep aborts multipart uploads left behind under the prefix, and only those', async () => {
    const { CreateMultipartUploadCommand, AbortMultipartUploadCommand } = await import('@aws-sdk/client-s3')
    const orphan = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'uploads/orphan.bin' }))
    const foreign = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'elsewhere/keep.bin' }))
    const sweep = spawnServer(['uploads', 'sweep', '--older-than', '0'], { ...env, DATA_DIR: mkdtempSync(join(tmpdir(), 'shipyard-cli-')) }, { built: true })
    expect((await sweep.exited).code).toBe(0)
    const printed = sweep.logs.map((l) => l.msg).join('\n')
    expect(printed).toContain(`aborted uploads/orphan.bin (upload id ${orphan.UploadId}`)
    expect(printed).toContain('1 unfinished upload(s) aborted')
    const left = (await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? []
    expect(left.map((u) => u.Key)).toEqual(['elsewhere/keep.bin'])
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'elsewhere/keep.bin', UploadId: foreign.UploadId }))
  })

  it('SIGTERM on one node: HAProxy marks it down and sends everything to the other, with no failed request', async () => {
    const [first] = instances as [SpawnedServer, SpawnedServer]
    first.child.kill('SIGTERM')
    const statuses: number[] = []
    const servedBy = new Set<string>()
    const until = Date.now() + 2500
    while (Date.now() < until) {
      const res = await fetch(`${balancer}/_shipyard`)
      statuses.push(res.status)
      servedBy.add(res.headers.get('x-served-by') ?? '')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(statuses.every((status) => status === 200)).toBe(true)
    expect((await first.exited).code).toBe(0)
    const after = await Promise.all([0, 1, 2, 3].map(async () => (await fetch(`${balancer}/_shipyard`)).headers.get('x-served-by')))
    expect(new Set(after)).toEqual(new Set(['node1']))
  }, 30_000)
})
