import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { configKeys, loadConfig } from '../src/config.js'
import { cspSources, sweepUploads } from '../src/features/uploads.js'
import { buildServer } from '../src/server.js'

const dirs: string[] = []
function temp (): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-uploads-'))
  dirs.push(dir)
  return dir
}

const BOUNDARY = 'UploadsFeatureBoundary'
function multipart (token: string, filename: string, type: string, content: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n`),
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ])
}
const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001080600000000000000', 'hex'), Buffer.alloc(64)])

describe('uploads feature', () => {
  let app: FastifyInstance | undefined
  afterEach(async () => {
    await app?.close()
    app = undefined
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('mounts a working upload form on the filesystem under <DATA_DIR>/uploads by default (no S3 needed)', async () => {
    const dataDir = temp()
    app = await buildServer(loadConfig({ env: { FEATURES: 'forms,uploads', DATA_DIR: dataDir, LOG_LEVEL: 'silent' } }))
    const info = (await app.inject('/_shipyard')).json()
    expect(info.mounted).toContainEqual({ feature: 'uploads', path: 'GET|POST /upload', description: `upload form; files streamed to the directory ${join(dataDir, 'uploads')}` })
    const page = await app.inject('/upload')
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.body).not.toContain('data-presign')
    const cookie = (page.headers['set-cookie'] as string | string[]).toString().split(';')[0]!
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
    const body = multipart(token, 'pixel.png', 'image/png', png)
    const res = await app.inject({ method: 'POST', url: '/upload', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, cookie }, payload: body })
    expect(res.statusCode).toBe(303)
    const [file] = readdirSync(join(dataDir, 'uploads', 'uploads')).filter((f) => !f.endsWith('.meta.json'))
    expect(file).toMatch(/^[0-9a-f]{32}\.png$/)
    expect(readFileSync(join(dataDir, 'uploads', 'uploads', file!)).equals(png)).toBe(true)
    const flash = (res.headers['set-cookie'] as string).split(';')[0]!
    expect((await app.inject({ url: '/upload', headers: { cookie: `${cookie}; ${flash}` } })).body).toContain(`pixel.png uploaded as uploads/${file}`)
  })

  it('registers form-widgets itself when the forms feature is off, and honours prefix, directory and size limit', async () => {
    const dir = temp()
    app = await buildServer(loadConfig({ env: { FEATURES: 'uploads', DATA_DIR: temp(), UPLOADS_DIR: dir, UPLOADS_PREFIX: '/files', UPLOADS_MAX_FILE_SIZE: '10', LOG_LEVEL: 'silent' } }))
    const page = await app.inject('/files')
    expect(page.statusCode).toBe(200)
    const cookie = (page.headers['set-cookie'] as string | string[]).toString().split(';')[0]!
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
    const body = multipart(token, 'pixel.png', 'image/png', png)
    const res = await app.inject({ method: 'POST', url: '/files', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, cookie, accept: 'application/json' }, payload: body })
    expect(res.statusCode).toBe(413)
    expect(res.json().code).toBe('SHIPYARD_S3_FILE_TOO_LARGE')
    expect(readdirSync(dir, { recursive: true }).filter((f) => String(f) !== 'uploads')).toEqual([])
  })

  it('switches to S3 when S3_BUCKET is set, with direct uploads and the bucket origin for the CSP', async () => {
    const env = { FEATURES: 'uploads', DATA_DIR: temp(), LOG_LEVEL: 'silent', S3_BUCKET: 'media', S3_ENDPOINT: 'http://127.0.0.1:7480', S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'AKIDEXAMPLE', S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG', S3_ACL: 'none' }
    const config = loadConfig({ env })
    app = await buildServer(config)
    expect(app.s3Upload.target.kind).toBe('s3')
    expect(app.s3Upload.options).toMatchObject({ acl: undefined, directUpload: 'post', target: { bucket: 'media', forcePathStyle: true } })
    expect((await app.inject('/upload')).body).toContain('data-presign="/upload/presign"')
    expect(cspSources(config)).toEqual({ connectSrc: ['http://127.0.0.1:7480'], formAction: [] })
    expect(await app.s3Upload.cspOrigins()).toEqual(cspSources(config).connectSrc)
    expect(cspSources(loadConfig({ env: { ...env, S3_ENDPOINT: undefined, S3_FORCE_PATH_STYLE: undefined, S3_REGION: 'eu-west-1' } }))).toEqual({ connectSrc: ['https://media.s3.eu-west-1.amazonaws.com'], formAction: [] })
    expect(cspSources(loadConfig({ env: { ...env, UPLOADS_DIRECT: 'off' } }))).toEqual({ connectSrc: [], formAction: [] })
  })

  it('keeps S3 keys secret and validates the upload keys', () => {
    const secret = configKeys.filter((k) => k.secret).map((k) => k.env)
    expect(secret).toEqual(expect.arrayContaining(['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']))
    let problems: string[] = []
    try {
      loadConfig({ env: { DATA_DIR: temp(), S3_BUCKET: 'Bad_Bucket', UPLOADS_DIRECT: 'ftp', UPLOADS_PART_SIZE: '1024', S3_ACL: 'world' } })
    } catch (error) {
      problems = (error as { problems: string[] }).problems
    }
    for (const env of ['S3_BUCKET', 'UPLOADS_DIRECT', 'UPLOADS_PART_SIZE', 'S3_ACL']) expect(problems.some((p) => p.startsWith(`${env}:`))).toBe(true)
  })

  it('sweeps nothing on the filesystem target', async () => {
    expect(await sweepUploads(loadConfig({ env: { DATA_DIR: temp() } }))).toEqual([])
  })
})
