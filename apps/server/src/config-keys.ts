import { z } from 'zod'

/**
 * One configuration key: the zod schema validates it, `env` names the environment variable that sets it and
 * the README table is generated from the same list (`pnpm --filter @shipyard/server run config-docs`).
 */
export interface ConfigKey {
  /** camelCase name used in the JSON config file and in code */
  key: string
  /** environment variable that sets it; env wins over the file */
  env: string
  schema: z.ZodType
  description: string
  /** secrets are never logged or printed by `config check` */
  secret?: boolean
  /** a secret generated into the data dir in development when unset (required in production) */
  generate?: boolean
  /** the feature the key belongs to (set by config.ts); core keys have none */
  feature?: string
}

export type KeysOf<T extends readonly ConfigKey[]> = { [K in T[number] as K['key']]: z.output<K['schema']> }

export const integerFromString = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
    z.number({ error: `must be an integer ${min}-${max}` }).int(`must be an integer ${min}-${max}`)
      .min(min, `must be an integer ${min}-${max}`).max(max, `must be an integer ${min}-${max}`)
  )

export const booleanFromString = z.preprocess((value) => {
  if (typeof value !== 'string') return value
  const lowered = value.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(lowered)) return true
  if (['0', 'false', 'no', 'off', ''].includes(lowered)) return false
  return value
}, z.boolean({ error: 'must be true or false' }))
