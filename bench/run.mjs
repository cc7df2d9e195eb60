#!/usr/bin/env node
// Runs every benchmark under bench/<package>/index.ts (or only those named on the command line), one at a
// time so they do not compete for the two cores. Each prints its own table of ratios against its baseline.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const benchRoot = import.meta.dirname
const wanted = process.argv.slice(2)
const suites = readdirSync(benchRoot, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(benchRoot, d.name, 'index.ts')))
  .map((d) => d.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))
if (wanted.length && suites.length !== wanted.length) {
  console.error(`unknown benchmark(s): ${wanted.filter((w) => !suites.includes(w)).join(', ')}`)
  process.exit(1)
}
let failed = false
for (const suite of suites) {
  console.log(`\n## ${suite}\n`)
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--conditions=@shipyard/source', join(benchRoot, suite, 'index.ts')], { stdio: 'inherit' })
  if (result.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
