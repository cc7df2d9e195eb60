#!/usr/bin/env node
// Proves each package is independently publishable: pack it, inspect the tarball, lint it with publint and
// are-the-types-wrong, install it with npm outside the workspace, then import and require it and register it on
// Fastify. Usage: node scripts/check-packages.mjs [package dir …] (default: every dir in packages/).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core'
import { problemAffectsResolutionKind } from '@arethetypeswrong/core/problems'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const root = resolve(import.meta.dirname, '..')
const allowedFile = /^package\/(package\.json|README\.md|LICENSE|dist\/.+)$/
const requiredFiles = ['package/package.json', 'package/README.md', 'package/LICENSE']
// ESM-only packages: CJS users load them through require(esm) on Node >= 20.19, which the `require` step proves;
// the type-level node10/node16-cjs resolutions are not a supported way to consume them.
const checkedResolutions = ['node16-esm', 'bundler']

class StepError extends Error {
  constructor (step, message) {
    super(message)
    this.step = step
  }
}

function run (command, args, options = {}) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options })
  } catch (err) {
    throw new Error(`${command} ${args.join(' ')} exited with ${err.status}\n${err.stdout ?? ''}${err.stderr ?? ''}`.trim())
  }
}

async function step (name, fn) {
  try {
    return await fn()
  } catch (err) {
    throw err instanceof StepError ? err : new StepError(name, err.message)
  }
}

function packDir (dir, destination) {
  const before = new Set(readdirSync(destination))
  run('pnpm', ['pack', '--pack-destination', destination], { cwd: dir })
  const created = readdirSync(destination).filter((f) => f.endsWith('.tgz') && !before.has(f))
  if (created.length !== 1) throw new Error(`expected one tarball, found ${created.length}`)
  return join(destination, created[0])
}

function checkContents (tarball) {
  const files = run('tar', ['-tzf', tarball]).split('\n').filter(Boolean).filter((f) => !f.endsWith('/'))
  const unexpected = files.filter((f) => !allowedFile.test(f))
  const missing = requiredFiles.filter((f) => !files.includes(f))
  if (!files.some((f) => f.startsWith('package/dist/'))) missing.push('package/dist/')
  const problems = []
  if (unexpected.length) problems.push(`unexpected files: ${unexpected.join(', ')}`)
  if (missing.length) problems.push(`missing: ${missing.join(', ')}`)
  if (problems.length) throw new Error(problems.join('; '))
}

async function runPublint (tarball) {
  const data = readFileSync(tarball)
  const { messages, pkg } = await publint({
    pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
    strict: true,
  })
  const failures = messages.filter((m) => m.type !== 'suggestion')
  if (failures.length) throw new Error(failures.map((m) => formatMessage(m, pkg) ?? m.code).join('\n'))
}

async function runAttw (tarball) {
  const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(readFileSync(tarball))))
  if (!analysis.types) throw new Error('the package ships no type declarations')
  const problems = analysis.problems.filter((problem) =>
    checkedResolutions.some((kind) => problemAffectsResolutionKind(problem, kind, analysis)))
  if (problems.length) throw new Error(problems.map((p) => `${p.kind}${p.entrypoint ? ` (${p.entrypoint})` : ''}`).join(', '))
}

/** The tarballs of the package and of every workspace package it depends on, transitively. */
function tarballsFor (name, packed, seen = new Set()) {
  if (seen.has(name)) return []
  seen.add(name)
  const entry = packed.get(name)
  const deps = Object.keys(entry.manifest.dependencies ?? {}).filter((dep) => packed.has(dep))
  return [entry.tarball, ...deps.flatMap((dep) => tarballsFor(dep, packed, seen))]
}

function smokeScripts (name, dir) {
  // Optional per-package file: options needed to register, and plugins that must be registered first.
  const optionsFile = join(dir, 'package-check.options.json')
  const config = existsSync(optionsFile) ? JSON.parse(readFileSync(optionsFile, 'utf8')) : {}
  const registrations = [...(config.before ?? []), { package: name, options: config.options ?? {} }]
  const body = (load) => registrations.map((r, i) =>
    `const p${i} = ${load(r.package)}\n` +
    `if (typeof p${i} !== 'function') throw new Error(${JSON.stringify(r.package)} + ' default export is not a plugin function')\n` +
    `await app.register(p${i}, ${JSON.stringify(r.options)})\n`).join('')
  const esm = `import Fastify from 'fastify'\nconst app = Fastify()\n${body((p) => `(await import(${JSON.stringify(p)})).default`)}` +
    'await app.ready()\nawait app.close()\nconsole.log("import ok")\n'
  const cjs = `const Fastify = require('fastify')\nconst app = Fastify()\n;(async () => {\n${body((p) => `require(${JSON.stringify(p)}).default`)}` +
    'await app.ready()\nawait app.close()\nconsole.log("require ok")\n})().catch((err) => { console.error(err); process.exit(1) })\n'
  return { esm, cjs }
}

async function checkInstalled (name, dir, packed, fastifyVersion) {
  const sandbox = mkdtempSync(join(tmpdir(), `shipyard-check-${basename(dir)}-`))
  try {
    writeFileSync(join(sandbox, 'package.json'), JSON.stringify({ name: 'package-check', private: true }))
    await step('install', () => run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error',
      ...tarballsFor(name, packed), `fastify@${fastifyVersion}`], { cwd: sandbox }))
    const { esm, cjs } = smokeScripts(name, dir)
    writeFileSync(join(sandbox, 'smoke.mjs'), esm)
    writeFileSync(join(sandbox, 'smoke.cjs'), cjs)
    await step('import', () => run(process.execPath, ['smoke.mjs'], { cwd: sandbox }))
    await step('require', () => run(process.execPath, ['smoke.cjs'], { cwd: sandbox }))
  } finally {
    rmSync(sandbox, { recursive: true, force: true })
  }
}

async function main () {
  const args = process.argv.slice(2)
  const dirs = args.length
    ? args.map((d) => resolve(d))
    : readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d)).filter((d) => existsSync(join(d, 'package.json')))
  const fastifyVersion = JSON.parse(readFileSync(join(root, 'node_modules/fastify/package.json'), 'utf8')).version
  const destination = mkdtempSync(join(tmpdir(), 'shipyard-pack-'))
  mkdirSync(destination, { recursive: true })
  const failures = []
  const packed = new Map()
  // Pack every workspace package first, so dependants can install their workspace dependencies' tarballs.
  const workspaceDirs = new Set([...dirs, ...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d))])
  for (const dir of workspaceDirs) {
    if (!existsSync(join(dir, 'package.json'))) continue
    const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name
    try {
      const tarball = await step('pack', () => packDir(dir, destination))
      const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json']))
      packed.set(name, { dir, tarball, manifest })
    } catch (err) {
      if (dirs.includes(dir)) failures.push({ name, step: err.step, message: err.message })
    }
  }
  for (const dir of dirs) {
    const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name
    const entry = packed.get(name)
    if (!entry) continue
    const started = Date.now()
    try {
      await step('contents', () => checkContents(entry.tarball))
      await step('publint', () => runPublint(entry.tarball))
      await step('attw', () => runAttw(entry.tarball))
      await checkInstalled(name, dir, packed, fastifyVersion)
      console.log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
    } catch (err) {
      failures.push({ name, step: err.step, message: err.message })
    }
  }
  rmSync(destination, { recursive: true, force: true })
  for (const f of failures) console.error(`✗ ${f.name}: step "${f.step}" failed\n  ${f.message.replaceAll('\n', '\n  ')}`)
  if (failures.length) {
    console.error(`package check failed for ${failures.length} package(s): ${failures.map((f) => `${f.name} (${f.step})`).join(', ')}`)
    process.exit(1)
  }
  console.log(`package check passed for ${dirs.length} package(s)`)
}

await main()
