import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startPostgres } from '../../../scripts/postgres.mjs'
import { loadConfig } from '../src/config.js'
import { addBundle, addBundleFromDir, addBundleFromPath } from '../src/features/downloads.js'
import { buildServer } from '../src/server.js'

const run = promisify(execFile)
const dirs: string[] = []
function temp (): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-downloads-'))
  dirs.push(dir)
  return dir
}

async function unzip (body: Buffer, ...args: string[]): Promise<string> {
  const file = join(temp(), 'a.zip')
  writeFileSync(file, body)
  return (await run('unzip', [...args, file])).stdout
}

describe('downloads feature', () => {
  let app: FastifyInstance | undefined
  afterEach(async () => {
    await app?.close()
    app = undefined
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  async function start (env: Record<string, string> = {}): Promise<{ url: string, dataDir: string }> {
    const dataDir = env.DATA_DIR ?? temp()
    app = await buildServer(loadConfig({ env: { FEATURES: 'downloads', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env } }))
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return { url, dataDir }
  }

  it('a fresh server seeds a demo bundle and streams it as a valid zip', async () => {
    const { url } = await start()
    const res = await fetch(`${url}/download/demo.zip`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/zip')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="demo.zip"')
    const body = Buffer.from(await res.arrayBuffer())
    expect(await unzip(body, '-t')).toContain('No errors detected')
    expect((await unzip(body, '-Z1')).split('\n').filter(Boolean)).toEqual(['README.txt', 'hello/world.txt', 'données/été.txt'])
    const mounted = await (await fetch(`${url}/_shipyard`)).json() as { mounted: unknown[] }
    expect(mounted.mounted).toContainEqual(expect.objectContaining({ feature: 'downloads', path: '/download/:id.zip' }))
  })

  it('answers an unknown or malformed id with a coded 404', async () => {
    const { url } = await start()
    for (const id of ['nope', 'a%2F..%2Fb', '..']) {
      const res = await fetch(`${url}/download/${id}.zip`)
      expect(res.status, id).toBe(404)
      if (id === 'nope') expect(await res.json()).toMatchObject({ code: 'SHIPYARD_DOWNLOADS_NOT_FOUND' })
    }
  })

  it('streams bundles added from a record, a directory and a JSON file, under a configured prefix', async () => {
    const dataDir = temp()
    expect(await addBundle({ dataDir }, { 'a.txt': 'alpha', 'sub/b.txt': 'beta' }, { id: 'record' })).toBe('record')
    const source = temp()
    mkdirSync(join(source, 'img'))
    writeFileSync(join(source, 'index.html'), '<h1>hi</h1>')
    writeFileSync(join(source, 'img/pixel.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00, 0xfe]))
    expect(await addBundleFromDir({ dataDir }, source, { id: 'site' })).toBe('site')
    const json = join(temp(), 'bundle.json')
    writeFileSync(json, JSON.stringify({ 'notes.md': '# Notes' }))
    const generated = await addBundleFromPath({ dataDir }, json)
    expect(generated).toMatch(/^[0-9a-f-]{36}$/)
    await expect(addBundleFromPath({ dataDir }, join(temp(), 'x.json'))).rejects.toThrow()

    const { url } = await start({ DATA_DIR: dataDir, DOWNLOADS_PREFIX: '/files/zips' })
    const record = Buffer.from(await (await fetch(`${url}/files/zips/record.zip`)).arrayBuffer())
    expect(await unzip(record, '-p')).toBe('alphabeta')
    const site = Buffer.from(await (await fetch(`${url}/files/zips/site.zip`)).arrayBuffer())
    expect((await unzip(site, '-Z1')).split('\n').filter(Boolean)).toEqual(['img/pixel.png', 'index.html'])
    const pixel = (await run('sh', ['-c', 'unzip -p "$0" img/pixel.png | od -An -tx1', join(dirs.at(-1)!, 'a.zip')])).stdout
    expect(pixel.trim().split(/\s+/)).toEqual(['89', '50', '4e', '47', 'ff', '00', 'fe'])
    const notes = await fetch(`${url}/files/zips/${generated}.zip`)
    expect(notes.status).toBe(200)
    // the demo is seeded only into an empty table
    expect((await fetch(`${url}/files/zips/demo.zip`)).status).toBe(404)
  })

  it('keeps to its own table in the shared SQLite file (WAL), and the demo can be turned off', async () => {
    const dataDir = temp()
    const other = new Database(join(dataDir, 'shipyard.sqlite'))
    other.exec('CREATE TABLE other_feature (x TEXT); INSERT INTO other_feature VALUES (\'kept\')')
    other.close()
    const { url } = await start({ DATA_DIR: dataDir, DOWNLOADS_SEED_DEMO: 'false' })
    expect((await fetch(`${url}/download/demo.zip`)).status).toBe(404)
    const db = new Database(join(dataDir, 'shipyard.sqlite'), { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.prepare('SELECT x FROM other_feature').all()).toEqual([{ x: 'kept' }])
    expect(db.prepare('SELECT count(*) AS n FROM bundles').get()).toEqual({ n: 0 })
    db.close()
  })
})

describe('downloads feature with DATABASE_URL', () => {
  let postgres: Awaited<ReturnType<typeof startPostgres>>
  const apps: FastifyInstance[] = []
  beforeAll(async () => { postgres = await startPostgres() })
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()))
    await postgres?.stop()
  })

  it('keeps bundles in PostgreSQL, so every instance serves what any of them was given', async () => {
    const instance = async () => {
      const app = await buildServer(loadConfig({ env: { FEATURES: 'downloads', DATA_DIR: temp(), DATABASE_URL: postgres.url, LOG_LEVEL: 'silent' } }))
      apps.push(app)
      return app.listen({ port: 0, host: '127.0.0.1' })
    }
    // two instances start against an empty database at once: one schema, one demo bundle
    const [first, second] = await Promise.all([instance(), instance()])
    expect(await addBundle({ dataDir: temp(), databaseUrl: postgres.url }, { 'shared.txt': 'from the CLI' }, { id: 'shared' })).toBe('shared')
    for (const url of [first, second]) {
      expect((await fetch(`${url}/download/demo.zip`)).status).toBe(200)
      const body = Buffer.from(await (await fetch(`${url}/download/shared.zip`)).arrayBuffer())
      expect(await unzip(body, '-p')).toBe('from the CLI')
    }
    const mounted = await (await fetch(`${first}/_shipyard`)).json() as { mounted: Array<{ description: string }> }
    expect(mounted.mounted[0]!.description).toContain('PostgreSQL')
  })
})
