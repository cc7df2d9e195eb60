import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { alpha, removeTempDirs, tempDir } from './helpers.js'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/server.ts', import.meta.url))
afterAll(removeTempDirs)

async function startServer (db: string): Promise<{ child: ChildProcess, origin: string, exited: Promise<unknown> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@shipyard/source', fixture], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LANDING_DB: db },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = once(child, 'exit')
  const [line] = await once(child.stdout!.setEncoding('utf8'), 'data') as [string]
  return { child, origin: `http://127.0.0.1:${line.trim()}`, exited }
}

describe('durability', () => {
  it('a sign-up acknowledged with a 2xx/3xx survives SIGKILL right after the answer', async () => {
    const db = join(tempDir(), 'durable.sqlite')
    const first = await startServer(db)
    const dispatcher = new Agent({ connections: 50 })
    const headers = { host: 'alpha.test', ...alpha }
    const formPage = await request(`${first.origin}/`, { headers, dispatcher })
    const html = await formPage.body.text()
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!
    const cookie = String(formPage.headers['set-cookie']).split(';')[0]!

    const acknowledged: string[] = []
    let killed = false
    const attempts = Array.from({ length: 40 }, async (_, i) => {
      const email = `durable${i}@example.com`
      try {
        const res = await request(`${first.origin}/signup`, {
          method: 'POST',
          headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: token, email }).toString(),
          dispatcher,
        })
        await res.body.dump()
        if (res.statusCode === 303) {
          acknowledged.push(email)
          // Kill the instant the first acknowledgement arrives: no graceful close, no flush.
          if (!killed) {
            killed = true
            first.child.kill('SIGKILL')
          }
        }
      } catch {
        // requests in flight when the process died
      }
    })
    await Promise.all(attempts)
    await first.exited
    expect(first.child.signalCode).toBe('SIGKILL')
    expect(acknowledged.length).toBeGreaterThan(0)

    const second = await startServer(db)
    try {
      const res = await request(`${second.origin}/_landing/export.csv?site=alpha.test`, { headers: { authorization: 'Bearer export-token-0123456789' }, dispatcher })
      const stored = (await res.body.text()).split('\r\n').slice(1).filter(Boolean).map((line) => line.split(',')[0])
      for (const email of acknowledged) expect(stored).toContain(email)
    } finally {
      second.child.kill('SIGKILL')
      await second.exited
      await dispatcher.destroy()
    }
  }, 90_000)
})
