import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { configTable } from '../src/config-docs.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

it('the README documents every configuration key exactly as the schema defines it', () => {
  // Regenerate with: pnpm --filter @shipyard/server run config-docs
  for (const row of configTable().split('\n')) expect(readme).toContain(row)
})
