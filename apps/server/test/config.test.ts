import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, redactConfig } from '../src/config.js'

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const config = loadConfig({ env: {} })
    expect(config.port).toBe(3000)
    expect(config.host).toBe('localhost')
    expect(config.features).toEqual(['landing', 'forms', 'uploads', 'downloads', 'health'])
  })

  it('names every bad key at once', () => {
    let error: unknown
    try {
      loadConfig({ env: { PORT: 'abc', LOG_LEVEL: 'loud', FEATURES: 'health,teleport', SOCKET_MODE: '999' } })
    } catch (err) { error = err }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems.join('\n')
    for (const key of ['PORT', 'LOG_LEVEL', 'FEATURES', 'SOCKET_MODE']) expect(problems).toContain(key)
    expect((error as ConfigError).problems).toHaveLength(4)
  })

  it('reads a JSON file, lets the environment override it and rejects unknown keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipyard-config-'))
    const file = join(dir, 'config.json')
    writeFileSync(file, JSON.stringify({ port: 4000, logLevel: 'warn' }))
    const config = loadConfig({ env: { LOG_LEVEL: 'error' }, file })
    expect(config.port).toBe(4000)
    expect(config.logLevel).toBe('error')

    writeFileSync(file, JSON.stringify({ prot: 4000 }))
    expect(() => loadConfig({ env: {}, file })).toThrow(/unknown key "prot"/)
    writeFileSync(file, '{ not json')
    expect(() => loadConfig({ env: {}, file })).toThrow(/config file/)
  })

  it('redacts nothing that is not a secret', () => {
    const config = loadConfig({ env: { PORT: '1234' } })
    expect(redactConfig(config).port).toBe(1234)
  })
})
