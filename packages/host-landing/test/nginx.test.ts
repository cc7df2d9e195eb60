import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../scripts/postgres.mjs'
import { buildApp, removeTempDirs, tempDir } from './helpers.js'

const run = promisify(execFile)
const deployDir = fileURLToPath(new URL('../../../apps/server/deploy/nginx', import.meta.url))
const nginxBinary = process.env.NGINX ?? '/usr/sbin/nginx'

let app: FastifyInstance
let appPid: number
let tcp: Server
let tcpPort: number
let nginx: ChildProcess
let nginxPort: number
let prefix: string

function get (port: number, host: string, headers: Record<string, string> = {}, path = '/'): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, headers: { host, ...headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk }).on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject).end()
  })
}

/** A site file made from the shipped example, for `host` with the given `set $landing_…` values. */
function siteConfig (host: string, values: Record<string, string>): string {
  const example = readFileSync(join(deployDir, 'sites/alpha.example.com.conf'), 'utf8')
  const sets = Object.entries(values).map(([name, value]) => `    set $landing_${name} "${value}";`).join('\n')
  return example
    .replace('listen 80;', `listen 127.0.0.1:${nginxPort};`)
    .replace('server_name alpha.example.com;', `server_name ${host};`)
    .replace(/( {4}set \$landing_\w+ ".*";\n)+/, `${sets}\n`)
}

beforeAll(async () => {
  prefix = tempDir()
  const socketPath = join(prefix, 'shipyard.sock')
  // Only the unix-socket peer (nginx) is trusted; the TCP port below is reachable from loopback.
  app = (await buildApp({ trustedProxies: { unixSocket: true, loopback: false }, defaultSite: { title: 'Fallback', contactEmail: 'f@example.com' } })).app
  await app.listen({ path: socketPath })
  appPid = process.pid
  // The same app also answers on a TCP port, as an app port left open to the network would.
  tcp = createServer((socket) => app.server.emit('connection', socket))
  tcpPort = await freePort()
  await new Promise<void>((resolve) => tcp.listen(tcpPort, '127.0.0.1', resolve))

  nginxPort = await freePort()
  const conf = join(prefix, 'conf')
  mkdirSync(join(conf, 'sites'), { recursive: true })
  cpSync(join(deployDir, 'snippets'), join(conf, 'snippets'), { recursive: true })
  writeFileSync(join(conf, 'shipyard-landing.conf'), readFileSync(join(deployDir, 'shipyard-landing.conf'), 'utf8').replace('/run/shipyard/shipyard.sock', socketPath))
  writeFileSync(join(conf, 'sites/alpha.test.conf'), siteConfig('alpha.test', { title: 'Alpha', email: 'hello@alpha.test', tagline: 'Caf%C3%A9 culture', accent_color: '#0f766e' }))
  writeFileSync(join(conf, 'sites/beta.test.conf'), siteConfig('beta.test', { title: 'Beta', email: 'hello@beta.test', locale: 'de', consent_required: 'true' }))
  const runAsRoot = process.getuid?.() === 0 ? 'user root;\n' : ''
  writeFileSync(join(conf, 'nginx.conf'), `daemon off;
${runAsRoot}worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log notice;
events { worker_connections 128; }
http {
    access_log ${prefix}/access.log;
    client_body_temp_path ${prefix}/client_body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    include shipyard-landing.conf;
    include sites/*.conf;
}
`)
  await run(nginxBinary, ['-t', '-p', prefix, '-e', join(prefix, 'error.log'), '-c', join(conf, 'nginx.conf')])
  nginx = spawn(nginxBinary, ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', join(conf, 'nginx.conf')], { stdio: 'ignore' })
  const deadline = Date.now() + 10_000
  while ((await get(nginxPort, 'alpha.test').catch(() => ({ status: 0 }))).status !== 200) {
    if (nginx.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not come up: ${readFileSync(join(prefix, 'error.log'), 'utf8')}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
})

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    nginx.kill('SIGQUIT')
    await new Promise((resolve) => nginx.once('exit', resolve))
  }
  await new Promise((resolve) => tcp?.close(resolve))
  await app?.close()
  removeTempDirs()
})

describe('behind a real nginx over a unix socket', () => {
  it('serves each Host its own page from the headers nginx sets', async () => {
    const alphaPage = await get(nginxPort, 'alpha.test')
    expect(alphaPage.body).toContain('<h1>Alpha</h1>')
    expect(alphaPage.body).toContain('Café culture')
    expect(alphaPage.body).toContain('mailto:hello@alpha.test')
    expect(alphaPage.body).toContain('<html lang="en"')
    const betaPage = await get(nginxPort, 'beta.test')
    expect(betaPage.body).toContain('<h1>Beta</h1>')
    expect(betaPage.body).toContain('<html lang="de"')
    expect(betaPage.body).toContain('name="consent"')
    const css = await get(nginxPort, 'alpha.test', {}, '/landing.css')
    expect(css.body).toContain('--accent:#0f766e')
  })

  it('visitors cannot inject X-Landing-* headers through nginx', async () => {
    const res = await get(nginxPort, 'alpha.test', { 'X-Landing-Title': 'Injected', 'X-Landing-Consent-Required': 'true', 'X-Landing-Description': 'Injected too' })
    expect(res.body).toContain('<h1>Alpha</h1>')
    expect(res.body).not.toContain('Injected')
    expect(res.body).not.toContain('name="consent"')
  })

  it('straight to the app port, forged X-Landing-* headers are ignored', async () => {
    const res = await get(tcpPort, 'alpha.test', { 'X-Landing-Title': 'Forged', 'X-Landing-Email': 'evil@example.com' })
    expect(res.status).toBe(200)
    expect(res.body).not.toContain('Forged')
    expect(res.body).not.toContain('evil@example.com')
    expect(res.body).toContain('<h1>Fallback</h1>')
  })

  it('a third site file plus nginx -s reload is served without restarting the app', async () => {
    writeFileSync(join(prefix, 'conf/sites/gamma.test.conf'), siteConfig('gamma.test', { title: 'Gamma', email: 'hello@gamma.test' }))
    await run(nginxBinary, ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', join(prefix, 'conf/nginx.conf'), '-s', 'reload'])
    await expect.poll(async () => (await get(nginxPort, 'gamma.test')).body, { timeout: 10_000 }).toContain('<h1>Gamma</h1>')
    expect(process.pid).toBe(appPid)
    expect(app.server.listening).toBe(true)
  })
})
