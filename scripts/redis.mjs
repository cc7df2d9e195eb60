// Starts a throw-away redis-server (Debian) on 127.0.0.1 for tests and benchmarks.
//
//   import { startRedis } from '<repo>/scripts/redis.mjs'
//   const redis = await startRedis()         // { url: 'redis://127.0.0.1:<port>', port, stop() }
//   await redis.stop()
//
// CLI: `node scripts/redis.mjs` prints `REDIS_URL=…` and keeps it running until Ctrl-C.
// No persistence (no RDB, no AOF), loopback only; REDIS_SERVER overrides the binary path.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './postgres.mjs'

function ping (port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    socket.once('error', () => resolve(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => { socket.destroy(); resolve(data.toString().startsWith('+PONG')) })
  })
}

/** @returns {Promise<{ url: string, port: number, stop: () => Promise<void> }>} */
export async function startRedis ({ binary = process.env.REDIS_SERVER ?? 'redis-server' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-redis-'))
  const port = await freePort()
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout.setEncoding('utf8').on('data', (chunk) => { log += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk) => { log += chunk })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const deadline = Date.now() + 20_000
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start:\n${log}`)
    await new Promise((resolve) => setTimeout(resolve, 30))
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop () {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const redis = await startRedis()
  console.log(`REDIS_URL=${redis.url}`)
  const stop = () => { redis.stop().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
