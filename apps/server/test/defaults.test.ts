// A fresh machine: the start command with no configuration at all serves every feature from embedded defaults,
// with state under ./data of the working directory and no external service.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { csrfToken, HttpSession } from './helpers/http-session.js'
import { listeningAddress, spawnServer, type SpawnedServer } from './helpers/spawn-server.js'

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex')
const workingDir = mkdtempSync(join(tmpdir(), 'shipyard-fresh-'))
let server: SpawnedServer
let address: string

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../dist/cli.mjs', import.meta.url)))) throw new Error('run `pnpm build` first (the test command does)')
  // Only the port differs from a real fresh start (3000 may be taken here); everything else is the default.
  server = spawnServer(['start'], { PORT: '0' }, { built: true, cwd: workingDir })
  address = await listeningAddress(server)
}, 30_000)

afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.exited
})

it('listens on localhost and serves the landing page, its sign-up, the upload form, the healthcheck, the demo form and a demo zip', async () => {
  expect(new URL(address).hostname).toMatch(/^(localhost|127\.0\.0\.1|\[::1\])$/)
  const url = new URL(address)
  const session = new HttpSession(address, { host: `localhost:${url.port}` })

  const landing = await session.request('/')
  expect(landing.status).toBe(200)
  const signedUp = await session.request('/signup', { method: 'POST', body: new URLSearchParams({ _csrf: csrfToken(await landing.text()), email: 'first@example.com' }) })
  expect(signedUp.status).toBe(303)

  const uploadPage = await session.request('/upload')
  const upload = new FormData()
  upload.append('_csrf', csrfToken(await uploadPage.text()))
  upload.append('file', new Blob([PNG], { type: 'image/png' }), 'pixel.png')
  expect((await session.request('/upload', { method: 'POST', body: upload })).status).toBe(303)

  expect((await session.request('/forms/demo')).status).toBe(200)
  await expect.poll(async () => (await fetch(`${address}/healthz`)).status, { timeout: 5000 }).toBe(200)
  const zip = await fetch(`${address}/download/demo.zip`)
  expect(zip.status).toBe(200)
  expect(zip.headers.get('content-type')).toBe('application/zip')

  // state in ./data of the working directory: the SQLite file, the uploads, the generated development secrets
  const data = join(workingDir, 'data')
  expect(existsSync(join(data, 'shipyard.sqlite'))).toBe(true)
  expect(readdirSync(join(data, 'uploads'), { recursive: true }).some((name) => String(name).endsWith('.png'))).toBe(true)
  expect(Object.keys(JSON.parse(readFileSync(join(data, 'secrets.json'), 'utf8')))).toEqual(expect.arrayContaining(['csrfSecret', 'cookieSecret', 'adminToken']))
})
