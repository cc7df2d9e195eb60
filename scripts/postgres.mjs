// Starts a throw-away PostgreSQL 15 cluster (Debian binaries) in a temp dir for tests and benchmarks.
//
//   import { startPostgres } from '<repo>/scripts/postgres.mjs'
//   const pg = await startPostgres()         // { url, port, dir, stop() }
//   ... new pg.Pool({ connectionString: pg.url }) ...
//   await pg.stop()                          // stops the server and removes the dir
//
// CLI: `node scripts/postgres.mjs` prints `DATABASE_URL=…` and keeps the cluster until Ctrl-C.
// It listens on 127.0.0.1 on a free port with `trust` auth (and a unix socket in the temp dir). Postgres refuses
// to run as root: as root it runs as the `postgres` user through setpriv. fsync is off: it is a test cluster.
// Binaries come from PG_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout).
import { execFile, spawn } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort () {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function asPostgresUser (command, args) {
  if (process.getuid?.() !== 0) return [command, args]
  // setpriv execs in place (unlike runuser), so signals reach postgres itself.
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', command, ...args]]
}

function debianBin () {
  const base = '/usr/lib/postgresql'
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'postgres'))) : []
  versions.sort((a, b) => Number(b) - Number(a))
  return join(base, versions[0] ?? '15', 'bin')
}

/**
 * @param {{ bin?: string }} [options]
 * @returns {Promise<{ url: string, port: number, dir: string, stop: () => Promise<void> }>}
 */
export async function startPostgres ({ bin = process.env.PG_BIN ?? debianBin() } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-pg-'))
  const root = process.getuid?.() === 0
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()))
  }
  chmodSync(dir, 0o700)
  const dataDir = join(dir, 'data')
  const user = root ? 'postgres' : userInfo().username
  await run(...asPostgresUser(join(bin, 'initdb'), ['-D', dataDir, '-U', user, '-A', 'trust', '-N', '-E', 'UTF8', '--locale=C']))
  const port = await freePort()
  const [command, args] = asPostgresUser(join(bin, 'postgres'), [
    '-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
  ])
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr.setEncoding('utf8').on('data', (chunk) => { log += chunk })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`postgres did not start within 30 s:\n${log}`)), 30_000)
    const check = () => {
      if (log.includes('ready to accept connections')) { clearTimeout(timer); resolve() } else if (child.exitCode !== null) { clearTimeout(timer); reject(new Error(`postgres exited:\n${log}`)) } else setTimeout(check, 50)
    }
    check()
  })
  const url = `postgres://${user}@127.0.0.1:${port}/postgres`
  return {
    url,
    port,
    dir,
    async stop () {
      if (child.exitCode === null) {
        child.kill('SIGINT') // fast shutdown: disconnect clients, no wait
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pg = await startPostgres()
  console.log(`DATABASE_URL=${pg.url}`)
  const stop = () => { pg.stop().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
