import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'

const run = promisify(execFile)
const file = new URL('../deploy/haproxy/haproxy.cfg', import.meta.url).pathname
const text = readFileSync(file, 'utf8')
// Development mode stores generated secrets in DATA_DIR: keep them out of the checkout.
const env = (extra: Record<string, string> = {}) => ({ DATA_DIR: mkdtempSync(join(tmpdir(), 'shipyard-haproxy-')), ...extra })

describe('example HAProxy config (deploy/haproxy/haproxy.cfg)', () => {
  it('is valid for the installed HAProxy', async () => {
    const { stdout, stderr } = await run('/usr/sbin/haproxy', ['-c', '-f', file])
    expect(`${stdout}${stderr}`).toMatch(/Configuration file is valid/)
  })

  it('uses both httpchk against the watchdog path and the agent-check port', () => {
    const config = loadConfig({ env: env({ HEALTH_PATH: '/my-service/healthcheck', HEALTH_AGENT_PORT: '7072' }) })
    expect(text).toMatch(/^\s*option httpchk$/m)
    expect(text).toContain(`http-check send meth GET uri ${config.healthPath} `)
    expect(text).toMatch(/http-check expect status 200/)
    expect(text).toContain(`agent-check agent-port ${config.healthAgentPort}`)
    // inter × fall must fit in the default drain delay, so a shutting-down node is out before it closes.
    const inter = Number(/default-server inter (\d+)s/.exec(text)![1]) * 1000
    const fall = Number(/ fall (\d+)/.exec(text)![1])
    expect(inter * fall).toBeLessThan(loadConfig({ env: env() }).healthDrainDelay)
  })
})
