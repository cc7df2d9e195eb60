import { configKeys } from './config.js'
import { SECRET_KEYS } from './secrets.js'

/** The README's configuration table, generated from the one schema (defaults read from the zod schemas). */
export function configTable (): string {
  const rows = configKeys.map((def) => {
    const parsed = def.schema.safeParse(undefined)
    let shownDefault = '—'
    if ((SECRET_KEYS as readonly string[]).includes(def.key) || def.generate) shownDefault = 'generated in development; required in production'
    else if (parsed.success && parsed.data !== undefined) shownDefault = `\`${Array.isArray(parsed.data) ? parsed.data.join(',') : String(parsed.data)}\``
    const description = def.description.replaceAll('|', '\\|').replaceAll('\n', ' ')
    return `| \`${def.env}\` | \`${def.key}\` | ${shownDefault} | ${description}${def.secret ? ' *(secret: never logged)*' : ''} |`
  })
  return ['| env | file key | default | meaning |', '|---|---|---|---|', ...rows].join('\n')
}
