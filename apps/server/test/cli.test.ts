import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { listeningAddress, spawnServer, type SpawnedServer } from './helpers/spawn-server.js'

const running: SpawnedServer[] = []
afterEach(() => {
  for (const server of running.splice(0)) if (server.child.exitCode === null) server.child.kill('SIGKILL')
})

function cli (args: string[], env: Record<string, string>) {
  const server = spawnServer(args, { LOG_LEVEL: 'warn', ...env })
  running.push(server)
  // spawnServer collects stdout line by line; lines that are not pino JSON arrive as { msg }
  const stdout = () => server.logs.map((l) => (typeof l.msg === 'string' && l.level === undefined ? l.msg : JSON.stringify(l))).join('\n')
  return server.exited.then(({ code }) => ({ code, stdout: stdout(), stderr: server.stderr() }))
}

const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `shipyard-${name}-`))

describe('shipyard bundles add', () => {
  it('stores a directory and a JSON record that the server then serves as zips', async () => {
    const dataDir = tempDir('data')
    const source = tempDir('bundle')
    mkdirSync(join(source, 'docs'))
    writeFileSync(join(source, 'docs', 'guide.txt'), 'read me\n')
    writeFileSync(join(source, 'logo.bin'), Buffer.from([0, 255, 1, 254]))
    const fromDir = await cli(['bundles', 'add', source, '--id', 'site-docs'], { DATA_DIR: dataDir })
    expect(fromDir).toMatchObject({ code: 0 })
    expect(fromDir.stdout.trim()).toBe('site-docs')

    const json = join(tempDir('json'), 'record.json')
    writeFileSync(json, JSON.stringify({ 'a.txt': 'alpha', 'b/c.txt': 'gamma' }))
    const fromJson = await cli(['bundles', 'add', json], { DATA_DIR: dataDir })
    expect(fromJson.code).toBe(0)
    const generatedId = fromJson.stdout.trim()
    expect(generatedId).toMatch(/^[0-9a-f-]{36}$/)

    const server = spawnServer(['start'], { HOST: '127.0.0.1', PORT: '0', FEATURES: 'downloads', DATA_DIR: dataDir })
    running.push(server)
    const address = await listeningAddress(server)
    for (const [id, names] of [['site-docs', ['docs/guide.txt', 'logo.bin']], [generatedId, ['a.txt', 'b/c.txt']]] as const) {
      const res = await fetch(`${address}/download/${id}.zip`)
      expect(res.status).toBe(200)
      const zipPath = join(tempDir('zip'), 'out.zip')
      writeFileSync(zipPath, Buffer.from(await res.arrayBuffer()))
      const listing = execFileSync('unzip', ['-Z1', zipPath], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()
      expect(listing).toEqual([...names].sort())
      execFileSync('unzip', ['-tq', zipPath])
    }
  })

  it('rejects a missing path, a bad id, a malformed JSON record and a missing argument with clear errors', async () => {
    const dataDir = tempDir('data')
    const missing = await cli(['bundles', 'add', '/nonexistent/bundle'], { DATA_DIR: dataDir })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no such file or directory: /nonexistent/bundle')

    const badId = await cli(['bundles', 'add', dataDir, '--id', '../etc'], { DATA_DIR: dataDir })
    expect(badId.code).toBe(2)
    expect(badId.stderr).toContain('invalid --id')

    const json = join(tempDir('json'), 'bad.json')
    writeFileSync(json, JSON.stringify(['not', 'a', 'record']))
    const malformed = await cli(['bundles', 'add', json], { DATA_DIR: dataDir })
    expect(malformed.code).toBe(1)
    expect(malformed.stderr).toContain('expected a JSON object')

    const noArg = await cli(['bundles', 'add'], { DATA_DIR: dataDir })
    expect(noArg.code).toBe(2)
    expect(noArg.stderr).toContain('Usage: shipyard bundles add')

    const help = await cli(['bundles', 'add', '--help'], { DATA_DIR: dataDir })
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('shipyard bundles add <dir|file.json>')
  })
})

describe('shipyard signups export / uploads sweep (usage; the real runs are in e2e and scale-out tests)', () => {
  it('explain themselves and reject bad usage with exit 2', async () => {
    const dataDir = tempDir('data')
    const help = await cli(['signups', 'export', '--help'], { DATA_DIR: dataDir })
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('shipyard signups export <site>')
    const noSite = await cli(['signups', 'export'], { DATA_DIR: dataDir })
    expect(noSite.code).toBe(2)

    const sweepHelp = await cli(['uploads', 'sweep', '--help'], { DATA_DIR: dataDir })
    expect(sweepHelp.code).toBe(0)
    expect(sweepHelp.stdout).toContain('--older-than <hours>')
    const badAge = await cli(['uploads', 'sweep', '--older-than', 'soon'], { DATA_DIR: dataDir })
    expect(badAge.code).toBe(2)
    expect(badAge.stderr).toContain('invalid --older-than "soon"')
    const filesystem = await cli(['uploads', 'sweep'], { DATA_DIR: dataDir })
    expect(filesystem.code).toBe(0)
    expect(filesystem.stdout).toContain('nothing to sweep')
  })
})
