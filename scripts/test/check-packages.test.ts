import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const script = fileURLToPath(new URL('../check-packages.mjs', import.meta.url))
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

function check (...dirs: string[]) {
  const result = spawnSync(process.execPath, [script, ...dirs], { encoding: 'utf8', timeout: 240_000 })
  return { status: result.status, output: result.stdout + result.stderr }
}

describe('package check', () => {
  it('fails a package whose tarball holds more than package.json, README, LICENSE and dist, naming it and the step', () => {
    const { status, output } = check(fixture('extra-files-pkg'))
    expect(status).toBe(1)
    expect(output).toContain('✗ @shipyard-fixture/extra-files: step "contents" failed')
    expect(output).toContain('package/.env.local')
  })

  it('fails a package that packs cleanly but cannot be imported after an npm install', () => {
    const { status, output } = check(fixture('broken-import-pkg'))
    expect(status).toBe(1)
    expect(output).toContain('✗ @shipyard-fixture/broken-import: step "import" failed')
    expect(output).toContain('a-dependency-nobody-declared')
  }, 240_000)
})
