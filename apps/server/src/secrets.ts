import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { ConfigKey } from './config-keys.js'

/** Core secrets; features may declare more keys with `secret: true` and `generate: true`. */
export const SECRET_KEYS = ['csrfSecret', 'cookieSecret', 'adminToken'] as const

/** The features that use each core secret: a deployment without them (e.g. the health-only monitor) needs none. */
const coreSecretUsers: Record<typeof SECRET_KEYS[number], string[]> = {
  csrfSecret: ['forms', 'landing', 'uploads'],
  cookieSecret: ['uploads'],
  adminToken: ['health', 'landing'],
}

function isNeeded (key: ConfigKey, features: readonly string[]): boolean {
  const users = coreSecretUsers[key.key as keyof typeof coreSecretUsers]
  if (users) return users.some((feature) => features.includes(feature))
  return key.generate === true && (key.feature === undefined || features.includes(key.feature))
}

/**
 * Production: a missing secret is a configuration problem. Development/test: missing secrets are generated once
 * and kept in `<dataDir>/secrets.json` (mode 600), so restarts don't invalidate tokens and signed links.
 * Returns the problems found; fills `config` in place.
 */
export function resolveSecrets (config: Record<string, unknown>, keys: readonly ConfigKey[]): string[] {
  const wanted = keys.filter((k) => isNeeded(k, config.features as string[]))
  const missing = wanted.filter((k) => config[k.key] === undefined)
  if (missing.length === 0) return []
  if (config.nodeEnv === 'production') {
    return missing.map((k) => `${k.env}: required in production (generate one with: openssl rand -base64 48)`)
  }
  const file = join(resolve(String(config.dataDir)), 'secrets.json')
  let stored: Record<string, string> = {}
  try {
    stored = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return [`${file}: unreadable generated secrets file (${(err as Error).message}); fix or delete it`]
  }
  let changed = false
  for (const key of missing) {
    if (typeof stored[key.key] !== 'string') {
      stored[key.key] = randomBytes(32).toString('base64url')
      changed = true
    }
    config[key.key] = stored[key.key]
  }
  if (changed) {
    try {
      mkdirSync(resolve(String(config.dataDir)), { recursive: true })
      writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 })
    } catch (err) {
      return [`DATA_DIR: cannot store generated secrets in ${file} (${(err as Error).message})`]
    }
  }
  return []
}
