#!/usr/bin/env node
// Scaffolds packages/<name> with the layout every Shipyard plugin shares (see CONTRIBUTING.md).
import { mkdirSync, writeFileSync, copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'

const [name, ...descriptionWords] = process.argv.slice(2)
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('usage: node scripts/new-package.mjs <name> <description…>')
  process.exit(1)
}
const dir = join('packages', name)
if (existsSync(dir)) {
  console.error(`${dir} already exists`)
  process.exit(1)
}
const description = descriptionWords.join(' ') || `Shipyard ${name} plugin for Fastify`
const prefix = `SHIPYARD_${name.split('-')[0].toUpperCase()}`
mkdirSync(join(dir, 'src'), { recursive: true })
mkdirSync(join(dir, 'test'), { recursive: true })
const pkg = {
  name: `@shipyard/${name}`,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  exports: {
    '.': { '@shipyard/source': './src/index.ts', types: './dist/index.d.mts', default: './dist/index.mjs' },
    './package.json': './package.json'
  },
  files: ['dist'],
  engines: { node: '>=20.19' },
  scripts: { build: 'tsdown' },
  peerDependencies: { fastify: '^5.0.0' },
  publishConfig: { access: 'public' }
}
writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test'] }, null, 2) + '\n')
writeFileSync(join(dir, 'tsdown.config.ts'), "import { packageBuild } from '../../tsdown.base.ts'\n\nexport default packageBuild()\n")
writeFileSync(join(dir, 'src', 'errors.ts'), `import createError from '@fastify/error'

export const errors = {
  invalidOption: createError('${prefix}_INVALID_OPTION', '%s', 500),
}
`)
writeFileSync(join(dir, 'src', 'index.ts'), `import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { errors } from './errors.js'

export interface ${pascal(name)}Options {}

const plugin: FastifyPluginAsync<${pascal(name)}Options> = async () => {}

export const ${camel(name)} = fp(plugin, { fastify: '5.x', name: '@shipyard/${name}' })
export default ${camel(name)}
export { errors }
`)
writeFileSync(join(dir, 'README.md'), `# @shipyard/${name}\n\n${description}\n`)
copyFileSync('LICENSE', join(dir, 'LICENSE'))
console.log(`created ${dir}; add it to vitest.config.ts projects and run pnpm install`)

function pascal (s) { return s.split('-').map(w => w[0].toUpperCase() + w.slice(1)).join('') }
function camel (s) { const p = pascal(s); return p[0].toLowerCase() + p.slice(1) }
