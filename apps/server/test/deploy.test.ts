import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validate } from 'dockerfile-utils'
import { describe, expect, it } from 'vitest'

const deployFile = (path: string) => readFileSync(new URL(`../deploy/${path}`, import.meta.url), 'utf8')

describe('Dockerfile (linted, not built: no container engine here)', () => {
  const dockerfile = deployFile('Dockerfile')
  const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+\s/.test(l))

  it('has no syntax problems', () => {
    expect(validate(dockerfile)).toEqual([])
    expect(validate('FROM node:22\nRUNN true\n')).not.toEqual([])
  })

  it('is multi-stage with a pruned production install, runs as a non-root user with a watchdog HEALTHCHECK', () => {
    expect(instructions.filter((l) => l.startsWith('FROM ')).length).toBeGreaterThanOrEqual(2)
    expect(dockerfile).toMatch(/pnpm deploy --filter @shipyard\/server --prod/)
    expect(dockerfile).toMatch(/COPY --from=build/)
    const user = instructions.filter((l) => l.startsWith('USER ')).at(-1)
    expect(user).toBeDefined()
    expect(user).not.toMatch(/USER\s+(root|0)\b/)
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*HEALTH_PATH/)
    expect(dockerfile).toMatch(/CMD \["node", "dist\/cli\.mjs", "start"\]/)
  })

  it('has a .dockerignore at the build context (the repository root) keeping local installs and builds out', () => {
    const ignored = readFileSync(new URL('../../../.dockerignore', import.meta.url), 'utf8').split('\n')
    for (const pattern of ['**/node_modules', '**/dist', 'data', '.git']) expect(ignored).toContain(pattern)
  })
})

describe('systemd unit', () => {
  const unit = deployFile('systemd/shipyard.service')

  function verify (text: string) {
    const dir = mkdtempSync(join(tmpdir(), 'shipyard-unit-'))
    writeFileSync(join(dir, 'shipyard.service'), text)
    return spawnSync('systemd-analyze', ['verify', join(dir, 'shipyard.service')], { encoding: 'utf8' })
  }

  it('passes systemd-analyze verify without a warning', () => {
    const result = verify(unit)
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    expect(verify(unit.replace('ProtectSystem=', 'ProtectSytem=')).stderr).toContain("Unknown key 'ProtectSytem'")
  })

  it('is hardened: dynamic user, read-only system, private state directory, graceful SIGTERM', () => {
    for (const line of ['DynamicUser=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'NoNewPrivileges=yes',
      'StateDirectory=shipyard', 'RuntimeDirectory=shipyard', 'PrivateTmp=yes', 'KillSignal=SIGTERM',
      'Environment=DATA_DIR=/var/lib/shipyard', 'Environment=NODE_ENV=production']) {
      expect(unit.split('\n')).toContain(line)
    }
  })
})
