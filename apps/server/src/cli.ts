#!/usr/bin/env node
import { existsSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ConfigError, loadConfig, redactConfig, type ServerConfig } from './config.js'
import { addBundleFromPath } from './features/downloads.js'
import { bundleIdPattern } from './features/downloads-store.js'
import { exportSignups } from './features/landing.js'
import { sweepUploads } from './features/uploads.js'
import { start } from './start.js'

/** A CLI error the user can fix: printed without a stack, exit status 2 for usage and 1 otherwise. */
export class CliError extends Error {
  constructor (message: string, readonly exitCode = 1) { super(message) }
}

interface Command {
  name: string
  summary: string
  usage: string
  options?: ParseArgsConfig['options']
  positionals?: { min: number, max: number }
  run: (args: { values: Record<string, unknown>, positionals: string[], config: () => ServerConfig }) => Promise<number | undefined>
}

const commonOptions = `Common options:
  --config <file>  JSON config file (also SHIPYARD_CONFIG); environment variables override it
  -h, --help       show help`

const commands: Command[] = [
  {
    name: 'start',
    summary: 'start the server',
    usage: 'shipyard start [--config <file>]\n\nStarts the server with the validated configuration; SIGTERM/SIGINT shut it down gracefully.',
    async run ({ values }) {
      await start({ file: values.config as string | undefined })
      return undefined
    },
  },
  {
    name: 'config check',
    summary: 'validate the configuration and print it with secrets hidden',
    usage: 'shipyard config check [--config <file>]\n\nExit status 0 when valid, 1 listing every problem otherwise.',
    async run ({ config }) {
      process.stdout.write(JSON.stringify(redactConfig(config()), null, 2) + '\n')
      return 0
    },
  },
  {
    name: 'bundles add',
    summary: 'store a bundle (a directory or a JSON { "filename": "content" } file) for /download/<id>.zip',
    usage: 'shipyard bundles add <dir|file.json> [--id <id>]\n\nPrints the bundle id (a new UUID unless --id is given; ids are 1-64 of A-Z a-z 0-9 _ -).',
    options: { id: { type: 'string' } },
    positionals: { min: 1, max: 1 },
    async run ({ values, positionals, config }) {
      const id = values.id as string | undefined
      if (id !== undefined && !bundleIdPattern.test(id)) throw new CliError(`invalid --id "${id}": use 1-64 of A-Z a-z 0-9 _ -`, 2)
      const path = positionals[0]!
      if (!existsSync(path)) throw new CliError(`no such file or directory: ${path}`)
      let stored: string
      try {
        stored = await addBundleFromPath(config(), path, { id })
      } catch (err) {
        throw new CliError((err as Error).message)
      }
      process.stdout.write(`${stored}\n`)
      return 0
    },
  },
  {
    name: 'uploads sweep',
    summary: 'abort multipart uploads left unfinished in the bucket (S3 target only)',
    usage: 'shipyard uploads sweep [--older-than <hours>]\n\nAborts multipart uploads under UPLOADS_KEY_PREFIX started more than <hours> ago (default 24)\nand prints one line per aborted upload. With the filesystem target there is nothing to sweep.',
    options: { 'older-than': { type: 'string' } },
    async run ({ values, config }) {
      const raw = (values['older-than'] as string | undefined) ?? '24'
      const olderThanHours = Number(raw)
      if (!Number.isFinite(olderThanHours) || olderThanHours < 0) throw new CliError(`invalid --older-than "${raw}": a number of hours ≥ 0`, 2)
      const loaded = config()
      if (!loaded.s3Bucket) {
        process.stdout.write('uploads use the filesystem target (S3_BUCKET unset): nothing to sweep\n')
        return 0
      }
      const swept = await sweepUploads(loaded, { olderThanHours })
      for (const upload of swept) process.stdout.write(`aborted ${upload.key} (upload id ${upload.uploadId}, started ${upload.initiated.toISOString()})\n`)
      process.stdout.write(`${swept.length} unfinished upload(s) aborted\n`)
      return 0
    },
  },
  {
    name: 'signups export',
    summary: 'write the sign-ups of one site as CSV (RFC 4180) to stdout',
    usage: 'shipyard signups export <site>\n\nSame CSV as GET /_landing/export.csv?site=<site>: unsubscribed sign-ups excluded, cells that\nspreadsheets would run as formulas neutralised. Reads SQLite in DATA_DIR, or PostgreSQL with DATABASE_URL.',
    positionals: { min: 1, max: 1 },
    async run ({ positionals, config }) {
      await exportSignups(config(), positionals[0]!, process.stdout)
      return 0
    },
  },
]

function overview (): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2
  return `Usage: shipyard <command> [options]\n\nCommands:\n${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}\n\n` +
    `Run "shipyard <command> --help" for a command's options.\n\n${commonOptions}\n`
}

export async function main (argv: string[]): Promise<number | undefined> {
  // Longest match first, so "signups export" wins over a hypothetical "signups".
  const words = argv.filter((a) => !a.startsWith('-'))
  const command = [...commands].sort((a, b) => b.name.length - a.name.length)
    .find((c) => c.name.split(' ').every((w, i) => words[i] === w))
  if (!command) {
    if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || words[0] === 'help') {
      process.stdout.write(overview())
      return argv.length === 0 ? 2 : 0
    }
    throw new CliError(`unknown command "${words.join(' ')}"\n\n${overview()}`, 2)
  }
  const nameWords = command.name.split(' ').length
  const rest = [...argv]
  for (let removed = 0; removed < nameWords;) {
    const index = rest.findIndex((a) => !a.startsWith('-'))
    rest.splice(index, 1)
    removed++
  }
  let parsed
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...command.options },
    })
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\nUsage: ${command.usage}\n\n${commonOptions}`, 2)
  }
  if (parsed.values.help) {
    process.stdout.write(`Usage: ${command.usage}\n\n${commonOptions}\n`)
    return 0
  }
  const { min, max } = command.positionals ?? { min: 0, max: 0 }
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new CliError(`wrong number of arguments for "${command.name}"\n\nUsage: ${command.usage}`, 2)
  }
  const file = (parsed.values.config as string | undefined) ?? process.env.SHIPYARD_CONFIG
  return command.run({ values: parsed.values, positionals: parsed.positionals, config: () => loadConfig({ file }) })
}

main(process.argv.slice(2)).then((code) => {
  if (code !== undefined) process.exitCode = code
}, (err: unknown) => {
  if (err instanceof ConfigError || err instanceof CliError) {
    process.stderr.write(`shipyard: ${err.message}\n`)
    process.exitCode = err instanceof CliError ? err.exitCode : 1
  } else {
    process.stderr.write(`shipyard: ${(err as Error)?.stack ?? String(err)}\n`)
    process.exitCode = 1
  }
})
