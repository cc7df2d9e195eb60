import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const HAPROXY = '/usr/sbin/haproxy'

// One free-port helper for every test starter (HAProxy binds its own port, so the OS cannot hand one over).
export { freePort } from '../scripts/postgres.mjs'

async function waitForPort (port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${output()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' })
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`haproxy did not listen on ${port}:\n${output()}`)
}

/** Runs HAProxy in the foreground on a config written to a temp dir; `stop` kills it. */
export async function startHaproxy (config: string, frontendPort: number): Promise<{ stop: () => Promise<void>, output: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-haproxy-'))
  const file = join(dir, 'haproxy.cfg')
  writeFileSync(file, config)
  let text = ''
  const child = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.on('data', (chunk) => { text += chunk })
  child.stderr.on('data', (chunk) => { text += chunk })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
  try {
    await waitForPort(frontendPort, child, () => text)
  } catch (err) {
    await stop()
    throw err
  }
  return { stop, output: () => text }
}
