import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import type { TestProject } from 'vitest/node'

const run = promisify(execFile)
const script = fileURLToPath(new URL('../../../scripts/ceph-rgw.sh', import.meta.url))

export interface CephEnv {
  endpoint: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  /** the cluster directory: its ceph.conf lets tests run radosgw-admin (quotas) */
  dir: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    ceph: CephEnv
  }
}

/** Starts one Ceph RADOS Gateway for the whole run (scripts/ceph-rgw.sh) and warms it up. */
export default async function setup (project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  const parent = await mkdtemp(join(tmpdir(), 'shipyard-s3-upload-'))
  const dir = join(parent, 'ceph')
  const started = Date.now()
  await run(script, ['start', dir], { timeout: 120_000 })
  const env = Object.fromEntries((await readFile(join(dir, 's3.env'), 'utf8')).trim().split('\n').map((line) => line.split('=', 2) as [string, string]))
  const ceph: CephEnv = { endpoint: env.S3_ENDPOINT!, region: env.S3_REGION!, accessKeyId: env.S3_ACCESS_KEY_ID!, secretAccessKey: env.S3_SECRET_ACCESS_KEY!, dir }

  // The first bucket, object and multipart upload take ~2 s each on a fresh gateway: pay that once here.
  const client = new S3Client({ endpoint: ceph.endpoint, region: ceph.region, forcePathStyle: true, credentials: ceph, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })
  await client.send(new CreateBucketCommand({ Bucket: 'warm-up' }))
  await client.send(new PutObjectCommand({ Bucket: 'warm-up', Key: 'small', Body: 'hello' }))
  await new Upload({ client, params: { Bucket: 'warm-up', Key: 'multipart', Body: Buffer.alloc(6 * 1024 * 1024) }, partSize: 5 * 1024 * 1024 }).done()
  await client.send(new DeleteObjectCommand({ Bucket: 'warm-up', Key: 'multipart' }))
  client.destroy()
  console.log(`s3-upload: Ceph RGW ready at ${ceph.endpoint} in ${((Date.now() - started) / 1000).toFixed(1)} s`)

  project.provide('ceph', ceph)
  return async () => {
    await run(script, ['stop', dir], { timeout: 60_000 })
    await rm(parent, { recursive: true, force: true })
  }
}
