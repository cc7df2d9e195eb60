import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readMaintenanceFile } from '../src/maintenance.js'
import { buildApp, closeAll, maintenancePath } from './helpers/app.js'

const opened: FastifyInstance[] = []
afterEach(() => closeAll(opened))

const waitForBody = (app: FastifyInstance, pattern: RegExp) => vi.waitFor(async () => {
  expect((await app.inject('/healthz')).body).toMatch(pattern)
}, { timeout: 3000, interval: 10 })

describe('maintenance file', () => {
  it('answers 503 with how to leave maintenance while the file exists', async () => {
    const file = maintenancePath()
    writeFileSync(file, 'kernel upgrade\n')
    const app = await buildApp({ maintenanceFile: file }, opened)
    const res = await app.inject('/healthz')
    expect(res.statusCode).toBe(503)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.body).toBe(`MAINTENANCE\nUnder maintenance: remove the file ${file} to return this node to service.\n`)
    const verbose = await app.inject('/healthz?verbose')
    expect(verbose.json()).toMatchObject({ status: 'fail', state: 'maintenance', output: 'under maintenance: kernel upgrade', maintenance: { active: true, reason: 'kernel upgrade' } })
  })

  it('notices the file being touched and removed at once through the watcher', async () => {
    const file = maintenancePath()
    // A poll interval far beyond the wait proves the watcher did the work.
    const app = await buildApp({ maintenanceFile: file, maintenancePollInterval: 600_000 }, opened)
    expect((await app.inject('/healthz')).body).toBe('OK')
    writeFileSync(file, '')
    await waitForBody(app, /^MAINTENANCE/)
    rmSync(file)
    await waitForBody(app, /^OK$/)
  })

  it('also looks periodically, for a directory created after start', async () => {
    const file = join(maintenancePath(), 'later', 'maintenance')
    const app = await buildApp({ maintenanceFile: file, maintenancePollInterval: 20 }, opened)
    expect((await app.inject('/healthz')).body).toBe('OK')
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, 'late')
    await waitForBody(app, /^MAINTENANCE/)
  })

  it('resolves the default ./maintenance against the working directory', async () => {
    const app = await buildApp({ maintenanceFile: undefined }, opened)
    await app.ready()
    const res = await app.inject('/healthz')
    // No maintenance file in the package directory: the node is in service and names the right path.
    expect(res.body).toBe('OK')
    await app.healthWatchdog.enterMaintenance('default path')
    try {
      expect(existsSync(join(process.cwd(), 'maintenance'))).toBe(true)
      expect((await app.inject('/healthz')).body).toContain(`remove the file ${join(process.cwd(), 'maintenance')}`)
    } finally {
      await app.healthWatchdog.leaveMaintenance()
    }
    expect(existsSync(join(process.cwd(), 'maintenance'))).toBe(false)
  })
})

describe('fail safe: an odd maintenance path still means maintenance', () => {
  it.each([
    ['a directory', (file: string) => mkdirSync(file), /not a regular file \(a directory\)/],
    ['a FIFO (never opened, it would block)', (file: string) => execFileSync('mkfifo', [file]), /not a regular file \(a FIFO\)/],
    ['a dangling link', (file: string) => symlinkSync(join(dirname(file), 'nowhere'), file), /link that cannot be followed \(ENOENT\)/],
    ['a link loop', (file: string) => symlinkSync(file, file), /link that cannot be followed \(ELOOP\)/],
    ['an unreadable file', (file: string) => symlinkSync('/proc/self/mem', file), /unreadable \(EIO\)/],
    ['below a file instead of a directory', (file: string) => writeFileSync(dirname(file), 'x'), /cannot be checked \(ENOTDIR\)/],
  ])('%s', async (_label, make, reason) => {
    const parent = maintenancePath()
    mkdirSync(parent)
    const file = join(parent, 'maintenance')
    if (_label.startsWith('below')) rmSync(parent, { recursive: true })
    make(file)
    const state = await readMaintenanceFile(file)
    expect(state.active).toBe(true)
    expect(state.reason).toMatch(reason)
    const app = await buildApp({ maintenanceFile: file }, opened)
    expect((await app.inject('/healthz')).statusCode).toBe(503)
  })

  it('reads only the first KiB of a huge file as the reason', async () => {
    const file = maintenancePath()
    writeFileSync(file, 'x'.repeat(5 * 1024 * 1024))
    const state = await readMaintenanceFile(file)
    expect(state).toMatchObject({ active: true })
    expect(state.reason).toHaveLength(1024)
  })
})

describe('maintenance decorators', () => {
  it('enterMaintenance writes the file with the reason and leaveMaintenance removes it', async () => {
    const file = maintenancePath()
    const app = await buildApp({ maintenanceFile: file }, opened)
    await app.ready()
    await app.healthWatchdog.enterMaintenance('disk swap')
    expect(readFileSync(file, 'utf8')).toBe('disk swap\n')
    expect(app.healthWatchdog.snapshot()).toMatchObject({ status: 'maintenance', maintenance: { active: true, reason: 'disk swap' } })
    await app.healthWatchdog.leaveMaintenance()
    expect(existsSync(file)).toBe(false)
    expect((await app.inject('/healthz')).body).toBe('OK')
  })

  it('keeps maintenance in memory when maintenanceFile is false', async () => {
    const app = await buildApp({ maintenanceFile: false }, opened)
    await app.ready()
    await app.healthWatchdog.enterMaintenance()
    const res = await app.inject('/healthz')
    expect(res.statusCode).toBe(503)
    expect(res.body).toContain('call healthWatchdog.leaveMaintenance()')
    await app.healthWatchdog.leaveMaintenance()
    expect((await app.inject('/healthz')).body).toBe('OK')
  })
})

describe('maintenance admin routes', () => {
  const auth = { authorization: 'Bearer admin-token' }

  it('PUT enters maintenance with a reason shown in verbose output, DELETE leaves it', async () => {
    const file = maintenancePath()
    const app = await buildApp({ maintenanceFile: file, admin: { token: 'admin-token' } }, opened)
    const put = await app.inject({ method: 'PUT', url: '/healthz/maintenance', headers: auth, payload: { reason: 'rolling deploy' } })
    expect(put.statusCode).toBe(200)
    expect(put.json()).toMatchObject({ status: 'maintenance', maintenance: { active: true, reason: 'rolling deploy' } })
    expect(readFileSync(file, 'utf8')).toBe('rolling deploy\n')
    const probe = await app.inject('/healthz')
    expect(probe.statusCode).toBe(503)
    expect(probe.body).toContain('or send DELETE /healthz/maintenance')
    expect((await app.inject('/healthz?verbose')).json().output).toBe('under maintenance: rolling deploy')
    expect((await app.inject({ url: '/healthz/maintenance', headers: auth })).json()).toMatchObject({ maintenance: { active: true } })
    const del = await app.inject({ method: 'DELETE', url: '/healthz/maintenance', headers: auth })
    expect(del.statusCode).toBe(200)
    expect(del.json()).toMatchObject({ status: 'ok', maintenance: { active: false } })
    expect(existsSync(file)).toBe(false)
  })

  it('accepts an empty body and a custom path', async () => {
    const app = await buildApp({ admin: { token: 'admin-token', path: '/ops/maintenance' } }, opened)
    const put = await app.inject({ method: 'PUT', url: '/ops/maintenance', headers: auth })
    expect(put.statusCode).toBe(200)
    expect(put.json().maintenance.active).toBe(true)
  })

  it('rejects a missing or wrong token with 401', async () => {
    const app = await buildApp({ admin: { token: 'admin-token' } }, opened)
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic YWRtaW4tdG9rZW4=' }]) {
      const res = await app.inject({ method: 'PUT', url: '/healthz/maintenance', headers, payload: { reason: 'x' } })
      expect(res.statusCode).toBe(401)
      expect(res.json().code).toBe('SHIPYARD_HEALTH_UNAUTHORIZED')
    }
    expect((await app.inject('/healthz')).body).toBe('OK')
  })

  it.each([
    ['a number', { reason: 42 }],
    ['too long', { reason: 'x'.repeat(501) }],
    ['control characters', { reason: 'a\u0007b' }],
    ['unknown fields', { reason: 'x', until: 'tomorrow' }],
    ['an array', ['x']],
  ])('rejects a reason that is %s with 400', async (_label, payload) => {
    const app = await buildApp({ admin: { token: 'admin-token' } }, opened)
    const res = await app.inject({ method: 'PUT', url: '/healthz/maintenance', headers: auth, payload })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('SHIPYARD_HEALTH_INVALID_REASON')
  })

  it('reports a maintenance file that cannot be written as SHIPYARD_HEALTH_MAINTENANCE_FILE', async () => {
    const file = join(maintenancePath(), 'missing-dir', 'maintenance')
    const app = await buildApp({ maintenanceFile: file, admin: { token: 'admin-token' } }, opened)
    const res = await app.inject({ method: 'PUT', url: '/healthz/maintenance', headers: auth, payload: { reason: 'x' } })
    expect(res.statusCode).toBe(500)
    expect(res.json().code).toBe('SHIPYARD_HEALTH_MAINTENANCE_FILE')
  })
})
