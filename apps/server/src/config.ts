import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { booleanFromString, integerFromString, type ConfigKey, type KeysOf } from './config-keys.js'
import { resolveSecrets, SECRET_KEYS } from './secrets.js'
import * as downloads from './features/downloads.js'
import * as forms from './features/forms.js'
import * as health from './features/health.js'
import * as landing from './features/landing.js'
import * as uploads from './features/uploads.js'

export const FEATURES = ['landing', 'forms', 'uploads', 'downloads', 'health'] as const
export type Feature = typeof FEATURES[number]

const featureList = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value),
  z.array(z.enum(FEATURES, { error: `must be a comma-separated list of ${FEATURES.join(', ')}` }))
)

const secretSchema = z.string().min(32, 'must be at least 32 characters').optional()

const coreKeys = [
  { key: 'nodeEnv', env: 'NODE_ENV', schema: z.enum(['development', 'production', 'test']).default('development'), description: 'Mode: `production` requires every secret to be set; `development` generates missing ones into the data dir.' },
  { key: 'host', env: 'HOST', schema: z.string().min(1).default('localhost'), description: 'Interface to listen on (ignored when `SOCKET_PATH` is set).' },
  { key: 'port', env: 'PORT', schema: integerFromString(0, 65535).default(3000), description: 'TCP port to listen on (ignored when `SOCKET_PATH` is set).' },
  { key: 'socketPath', env: 'SOCKET_PATH', schema: z.string().min(1).optional(), description: 'Listen on this unix socket instead of TCP (a stale socket file is replaced; the file is removed on exit).' },
  { key: 'socketMode', env: 'SOCKET_MODE', schema: z.string().regex(/^[0-7]{3,4}$/, 'must be an octal file mode such as 660').default('660'), description: 'File mode of the unix socket, so the proxy user (e.g. nginx via a shared group) can connect.' },
  { key: 'logLevel', env: 'LOG_LEVEL', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), description: 'pino log level.' },
  { key: 'dataDir', env: 'DATA_DIR', schema: z.string().min(1).default('./data'), description: 'Directory for the SQLite file, generated development secrets and local uploads.' },
  { key: 'features', env: 'FEATURES', schema: featureList.default([...FEATURES]), description: `Plugins to mount, comma-separated (${FEATURES.join(', ')}).` },
  { key: 'shutdownTimeout', env: 'SHUTDOWN_TIMEOUT', schema: integerFromString(100, 600_000).default(10_000), description: 'Milliseconds a graceful shutdown may take before the process exits with status 1.' },
  { key: 'trustProxy', env: 'TRUST_PROXY', schema: booleanFromString.default(false), description: 'Trust `X-Forwarded-*` from the peer (enable only behind a proxy).' },
  { key: 'databaseUrl', env: 'DATABASE_URL', schema: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(), secret: true, description: 'PostgreSQL URL for the data of every feature (landing sign-ups, download bundles) when several instances run; unset: SQLite at `<DATA_DIR>/shipyard.sqlite`.' },
  { key: 'csrfSecret', env: 'CSRF_SECRET', schema: secretSchema, secret: true, description: 'Signs CSRF tokens of every form (≥ 32 characters). Generated into the data dir in development.' },
  { key: 'cookieSecret', env: 'COOKIE_SECRET', schema: secretSchema, secret: true, description: 'Signs cookies such as upload flash messages (≥ 32 characters). Generated in development.' },
  { key: 'adminToken', env: 'ADMIN_TOKEN', schema: secretSchema, secret: true, description: 'Bearer token for admin routes: sign-up export, maintenance, verbose health (≥ 32 characters). Generated in development.' },
] as const satisfies readonly ConfigKey[]

/** Every key of the server: the core ones above plus each feature's own (see features/*.ts). */
export const configKeys: readonly ConfigKey[] = [
  ...coreKeys,
  ...forFeature('health', health.configKeys),
  ...forFeature('forms', forms.configKeys),
  ...forFeature('downloads', downloads.configKeys),
  ...forFeature('landing', landing.configKeys),
  ...forFeature('uploads', uploads.configKeys),
]

/** Tags a feature's keys, so a secret it needs is required only when the feature is enabled. */
function forFeature (feature: Feature, keys: readonly ConfigKey[]): ConfigKey[] {
  return keys.map((key) => ({ ...key, feature }))
}

/** Secrets are optional in the schema but always set once loadConfig returns (generated in development). */
type SecretKey = typeof SECRET_KEYS[number]
export type ServerConfig = Omit<KeysOf<typeof coreKeys>, SecretKey> & Record<SecretKey, string> & KeysOf<typeof health.configKeys> & KeysOf<typeof forms.configKeys> &
  KeysOf<typeof downloads.configKeys> & KeysOf<typeof landing.configKeys> & KeysOf<typeof uploads.configKeys>

export class ConfigError extends Error {
  readonly problems: string[]
  constructor (problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

export interface LoadConfigInput {
  env?: NodeJS.ProcessEnv
  /** path of an optional JSON config file (also `SHIPYARD_CONFIG`) */
  file?: string
}

/** Reads the config file and environment, validates every key and reports all problems at once. */
export function loadConfig ({ env = process.env, file = env.SHIPYARD_CONFIG }: LoadConfigInput = {}): ServerConfig {
  const problems: string[] = []
  let fromFile: Record<string, unknown> = {}
  if (file) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('top level must be an object')
      fromFile = parsed as Record<string, unknown>
    } catch (err) {
      problems.push(`config file ${file}: ${(err as Error).message}`)
    }
    const known = new Set(configKeys.map((k) => k.key))
    for (const key of Object.keys(fromFile)) {
      if (!known.has(key)) problems.push(`config file ${file}: unknown key "${key}"`)
    }
  }

  const result: Record<string, unknown> = {}
  for (const def of configKeys) {
    const fromEnv = env[def.env]
    const source = fromEnv !== undefined ? def.env : `${def.key} (config file)`
    const raw = fromEnv !== undefined ? fromEnv : fromFile[def.key]
    const parsed = def.schema.safeParse(raw)
    if (parsed.success) {
      result[def.key] = parsed.data
    } else {
      const shown = def.secret ? '(hidden)' : JSON.stringify(raw)
      problems.push(`${source}: ${parsed.error.issues.map((i) => i.message).join('; ')} (got ${shown})`)
    }
  }
  // Production only reports missing secrets (so they join the other problems); development writes generated ones,
  // which waits until the rest (the data dir among it) is valid.
  if (result.nodeEnv === 'production' || problems.length === 0) problems.push(...resolveSecrets(result, configKeys))
  if (problems.length > 0) throw new ConfigError(problems)
  return result as ServerConfig
}

/** The config with secrets masked, for logs and `config check`. */
export function redactConfig (config: ServerConfig): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...config }
  for (const def of configKeys) {
    if (def.secret && shown[def.key] !== undefined) shown[def.key] = '(set)'
  }
  return shown
}
