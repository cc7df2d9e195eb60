// health-watchdog benchmark (issue 5, item 12): requests/s of the probe route against a bare Fastify route
// returning `OK`, in the same run, over loopback. autocannon runs in its own process so the server keeps a core;
// the two targets alternate over several rounds and the best round of each counts (CI boxes are shared and
// noisy: a single round can swing ±40 %).
//   Target: probe ≥ 90 % of the bare route.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Fastify from 'fastify'
import healthWatchdog from '../../packages/health-watchdog/src/index.js'

const run = promisify(execFile)
const DURATION = Number(process.env.BENCH_DURATION ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const CONNECTIONS = 50
const autocannonBin = join(import.meta.dirname, '../../node_modules/.bin/autocannon')

const dir = mkdtempSync(join(tmpdir(), 'health-watchdog-bench-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))

// The seed's three nodes behind one port, polled in the background as in production.
const backend = createServer((_req, res) => res.end('alive'))
await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve))
const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`

const app = Fastify({ logger: false })
await app.register(healthWatchdog, {
  path: '/my-service/healthcheck',
  maintenanceFile: join(dir, 'maintenance'),
  drainDelay: 0,
  checks: ['node1', 'node2', 'node3'].map((node) => ({ type: 'http' as const, name: node, url: `${backendUrl}/${node}/isalive` })),
})
app.get('/bare', async () => 'OK')
const base = await app.listen({ port: 0, host: '127.0.0.1' })
await app.healthWatchdog.refresh()

async function measure (path: string): Promise<{ rps: number, p99: number, non2xx: number }> {
  const { stdout } = await run(autocannonBin, ['-c', String(CONNECTIONS), '-d', String(DURATION), '--json', `${base}${path}`], { maxBuffer: 64 * 1024 * 1024 })
  const result = JSON.parse(stdout)
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx }
}

const targets = { bare: '/bare', probe: '/my-service/healthcheck' }
const best: Record<keyof typeof targets, { rps: number, p99: number, non2xx: number }> = {
  bare: { rps: 0, p99: 0, non2xx: 0 },
  probe: { rps: 0, p99: 0, non2xx: 0 },
}
await measure('/bare') // warm-up: JIT and connection setup
for (let round = 0; round < ROUNDS; round++) {
  const order = (round % 2 === 0 ? ['bare', 'probe'] : ['probe', 'bare']) as Array<keyof typeof targets>
  for (const name of order) {
    const result = await measure(targets[name])
    if (result.non2xx > 0) throw new Error(`${name}: ${result.non2xx} non-2xx answers`)
    if (result.rps > best[name].rps) best[name] = result
  }
}

const ratio = best.probe.rps / best.bare.rps
console.log(`| route | requests/s (best of ${ROUNDS} × ${DURATION} s, ${CONNECTIONS} connections) | p99 latency |`)
console.log('|---|---|---|')
console.log(`| bare \`GET /bare\` → \`OK\` | ${Math.round(best.bare.rps)} | ${best.bare.p99} ms |`)
console.log(`| probe \`GET /my-service/healthcheck\` | ${Math.round(best.probe.rps)} | ${best.probe.p99} ms |`)
console.log(`\nprobe / bare: ${(ratio * 100).toFixed(1)} % (target ≥ 90 %) on node ${process.version}`)

await app.close()
await new Promise((resolve) => backend.close(resolve))
if (ratio < 0.9) process.exitCode = 1
