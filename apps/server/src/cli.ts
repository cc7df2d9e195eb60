#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, redactConfig } from './config.js'
import { start } from './start.js'

const usage = `Usage: shipyard <command> [options]

Commands:
  start            start the server (configuration from env and --config)
  config check     validate the configuration and print it with secrets hidden

Options:
  --config <file>  JSON config file (also SHIPYARD_CONFIG)
  -h, --help       show this help
`

async function main (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  })
  const command = positionals.join(' ')
  const file = values.config ?? process.env.SHIPYARD_CONFIG
  if (values.help || command === '' || command === 'help') {
    process.stdout.write(usage)
    return command === '' && !values.help ? 2 : 0
  }
  switch (command) {
    case 'start':
      await start({ file })
      return 0
    case 'config check':
      process.stdout.write(JSON.stringify(redactConfig(loadConfig({ file })), null, 2) + '\n')
      return 0
    default:
      process.stderr.write(`shipyard: unknown command "${command}"\n\n${usage}`)
      return 2
  }
}

main(process.argv.slice(2)).then((code) => {
  if (code !== 0) process.exitCode = code
}, (err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`)
  } else {
    process.stderr.write(`shipyard: ${(err as Error)?.stack ?? String(err)}\n`)
  }
  process.exitCode = 1
})
