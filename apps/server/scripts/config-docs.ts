// Prints the configuration table for README.md, or with --write replaces it between the README's markers:
//   pnpm --filter @shipyard/server run config-docs [--write]
import { readFileSync, writeFileSync } from 'node:fs'
import { configTable } from '../src/config-docs.js'

const table = configTable()
if (process.argv.includes('--write')) {
  const readmeUrl = new URL('../README.md', import.meta.url)
  const readme = readFileSync(readmeUrl, 'utf8')
  const replaced = readme.replace(/(<!-- config-table:start -->)[\s\S]*?(<!-- config-table:end -->)/, `$1\n${table}\n$2`)
  if (!replaced.includes(table)) throw new Error('README.md has no config-table markers')
  writeFileSync(readmeUrl, replaced)
} else {
  process.stdout.write(table + '\n')
}
