import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { listeningAddress, spawnServer, type SpawnedServer } from './helpers/spawn-server.js'

const running: SpawnedServer[] = []
afterEach(() => {
  for (const server of running.splice(0)) if (server.child.exitCode === null) server.child.kill('SIGKILL')
})

function start (env: Record<string, string>, args = ['start']) {
  const server = spawnServer(args, { LOG_LEVEL: 'info', FEATURES: '', DATA_DIR: mkdtempSync(join(tmpdir(), 'shipyard-data-')), ...env })
  running.push(server)
  return server
}

function getOverSocket (socketPath: string, path: string): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => { body += c }).on('end', () => resolve({ status: res.statusCode!, body }))
    }).on('error', reject).end()
  })
}

describe('shipyard start', () => {
  it('starts with pino JSON logs, answers GET / and exits 0 within 5 s of SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shipyard-data-'))
    // the health feature alone: it needs a secret (ADMIN_TOKEN), generated here, which must never be logged
    const server = start({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, FEATURES: 'health', HEALTH_DRAIN_DELAY: '0' })
    const address = await listeningAddress(server)
    const res = await fetch(`${address}/`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ name: 'shipyard', mounted: expect.arrayContaining([expect.objectContaining({ feature: 'health' })]) })
    expect(server.logs.some((l) => typeof l.level === 'number' && typeof l.time === 'number')).toBe(true)

    // secrets (generated here) never reach the logs
    const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>
    for (const value of Object.values(secrets)) expect(JSON.stringify(server.logs)).not.toContain(value)

    const signalled = Date.now()
    server.child.kill('SIGTERM')
    const { code } = await server.exited
    expect(code).toBe(0)
    expect(Date.now() - signalled).toBeLessThan(5000)
  })

  it('on SIGTERM turns the watchdog to 503 while still serving other requests, then exits 0', async () => {
    const server = start({ HOST: '127.0.0.1', PORT: '0', FEATURES: 'health', HEALTH_DRAIN_DELAY: '1500' })
    const address = await listeningAddress(server)
    await expect.poll(async () => (await fetch(`${address}/healthz`)).status, { timeout: 5000 }).toBe(200)

    const signalled = Date.now()
    server.child.kill('SIGTERM')
    await expect.poll(async () => (await fetch(`${address}/healthz`)).status, { timeout: 1000, interval: 50 }).toBe(503)
    expect(await (await fetch(`${address}/healthz`)).text()).toContain('DRAINING')
    // ordinary traffic is still served during the drain, so the balancer can move it away without errors
    expect((await fetch(`${address}/_shipyard`)).status).toBe(200)
    expect((await server.exited).code).toBe(0)
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(1400)
  })

  it('exits 1 naming every bad key', async () => {
    const server = start({ PORT: 'abc', LOG_LEVEL: 'chatty' })
    const { code } = await server.exited
    expect(code).toBe(1)
    expect(server.stderr()).toMatch(/PORT: must be an integer 0-65535 \(got "abc"\)/)
    expect(server.stderr()).toContain('LOG_LEVEL')
  })

  it('listens on a unix socket with the configured mode, replaces a stale socket and removes it on exit', async () => {
    const socketPath = join(mkdtempSync(join(tmpdir(), 'shipyard-sock-')), 'shipyard.sock')
    // A crashed server leaves its socket file behind: make one the way a SIGKILL would.
    const crashed = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`])
    await once(crashed, 'exit')
    expect(statSync(socketPath).isSocket()).toBe(true)

    const server = start({ SOCKET_PATH: socketPath, SOCKET_MODE: '660' })
    await listeningAddress(server)
    expect(statSync(socketPath).mode & 0o777).toBe(0o660)
    const res = await getOverSocket(socketPath, '/')
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body).name).toBe('shipyard')

    server.child.kill('SIGINT')
    expect((await server.exited).code).toBe(0)
    expect(existsSync(socketPath)).toBe(false)
  })

  it('a fatal start-up error (port taken) is reported and exits 1', async () => {
    const { createServer } = await import('node:net')
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as import('node:net').AddressInfo).port
    try {
      const server = start({ HOST: '127.0.0.1', PORT: String(port) })
      expect((await server.exited).code).toBe(1)
      expect(server.stderr()).toContain('EADDRINUSE')
    } finally {
      taken.close()
    }
  })

  it('refuses to take over a socket a live server is using', async () => {
    const socketPath = join(mkdtempSync(join(tmpdir(), 'shipyard-sock-')), 'live.sock')
    const first = start({ SOCKET_PATH: socketPath })
    await listeningAddress(first)
    const second = start({ SOCKET_PATH: socketPath })
    expect((await second.exited).code).toBe(1)
    expect(second.stderr() + JSON.stringify(second.logs)).toContain('in use by another running server')
  })
})

describe('shipyard cli', () => {
  it('prints help and exits 0 with --help, 2 for an unknown command', async () => {
    const help = start({}, ['--help'])
    expect((await help.exited).code).toBe(0)
    const unknown = start({}, ['launch'])
    expect((await unknown.exited).code).toBe(2)
    expect(unknown.stderr()).toContain('unknown command "launch"')
  })

  it('config check prints the validated config with secrets hidden, and exits 1 listing problems', async () => {
    const ok = start({ CSRF_SECRET: 's'.repeat(40) }, ['config', 'check'])
    let stdout = ''
    ok.child.stdout!.on('data', (c: Buffer) => { stdout += c.toString() })
    expect((await ok.exited).code).toBe(0)
    expect(JSON.stringify(ok.logs) + stdout).toContain('"csrfSecret": "(set)"')
    expect(JSON.stringify(ok.logs) + stdout).not.toContain('s'.repeat(40))

    const bad = start({ PORT: '-1', NODE_ENV: 'production', FEATURES: 'forms,uploads,health' }, ['config', 'check'])
    expect((await bad.exited).code).toBe(1)
    for (const key of ['PORT', 'CSRF_SECRET', 'COOKIE_SECRET', 'ADMIN_TOKEN']) expect(bad.stderr()).toContain(key)

    const help = start({}, ['config', 'check', '--help'])
    expect((await help.exited).code).toBe(0)
    const wrongOption = start({}, ['config', 'check', '--colour'])
    expect((await wrongOption.exited).code).toBe(2)
    expect(wrongOption.stderr()).toContain("Unknown option '--colour'")
  })
})
