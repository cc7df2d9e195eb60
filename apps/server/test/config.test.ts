import { mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, redactConfig } from '../src/config.js'

const tempDir = () => mkdtempSync(join(tmpdir(), 'shipyard-config-'))

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const config = loadConfig({ env: { DATA_DIR: tempDir() } })
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
    const config = loadConfig({ env: { LOG_LEVEL: 'error', DATA_DIR: dir }, file })
    expect(config.port).toBe(4000)
    expect(config.logLevel).toBe('error')

    writeFileSync(file, JSON.stringify({ prot: 4000 }))
    expect(() => loadConfig({ env: {}, file })).toThrow(/unknown key "prot"/)
    writeFileSync(file, '{ not json')
    expect(() => loadConfig({ env: {}, file })).toThrow(/config file/)
  })

  it('redacts secrets and nothing else', () => {
    const config = loadConfig({ env: { PORT: '1234', DATA_DIR: tempDir(), CSRF_SECRET: 'c'.repeat(40) } })
    const shown = redactConfig(config)
    expect(shown.port).toBe(1234)
    expect(shown.csrfSecret).toBe('(set)')
    expect(JSON.stringify(shown)).not.toContain('c'.repeat(40))
  })
})

describe('secrets', () => {
  it('are required in production, each named', () => {
    let error: unknown
    try { loadConfig({ env: { NODE_ENV: 'production', FEATURES: 'forms,uploads,health', DATA_DIR: tempDir(), COOKIE_SECRET: 'k'.repeat(32) } }) } catch (err) { error = err }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems
    expect(problems).toHaveLength(2)
    expect(problems.join('\n')).toMatch(/CSRF_SECRET: required in production/)
    expect(problems.join('\n')).toMatch(/ADMIN_TOKEN: required in production/)
  })

  it('are required only by the features that use them', () => {
    const production = (FEATURES: string) => ({ NODE_ENV: 'production', FEATURES, DATA_DIR: tempDir() })
    expect(loadConfig({ env: production('downloads') }).features).toEqual(['downloads'])
    expect(() => loadConfig({ env: production('health') })).toThrow(/^Invalid configuration:\n {2}- ADMIN_TOKEN: required in production[^\n]*$/)
    expect(loadConfig({ env: { ...production('health'), ADMIN_TOKEN: 'a'.repeat(32) } }).adminToken).toBe('a'.repeat(32))
  })

  it('are generated once in development and kept in the data dir across restarts', () => {
    const dataDir = tempDir()
    const first = loadConfig({ env: { DATA_DIR: dataDir } })
    expect(first.csrfSecret.length).toBeGreaterThanOrEqual(32)
    expect(first.cookieSecret).not.toBe(first.csrfSecret)
    const second = loadConfig({ env: { DATA_DIR: dataDir } })
    expect(second.csrfSecret).toBe(first.csrfSecret)
    expect(second.adminToken).toBe(first.adminToken)
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600)
    // a configured value wins over the generated one
    expect(loadConfig({ env: { DATA_DIR: dataDir, ADMIN_TOKEN: 't'.repeat(32) } }).adminToken).toBe('t'.repeat(32))
  })

  it('rejects short secrets without echoing them', () => {
    expect(() => loadConfig({ env: { DATA_DIR: tempDir(), CSRF_SECRET: 'short-secret' } }))
      .toThrow(/CSRF_SECRET: must be at least 32 characters \(got \(hidden\)\)/)
  })
})
