import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../../scripts/postgres.mjs'

export interface SmtpServer {
  url: string
  /** raw messages delivered so far */
  messages: () => string[]
  stop: () => Promise<void>
}

function accepting (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    socket.once('error', () => resolve(false))
    socket.once('data', (data) => { socket.destroy(); resolve(data.toString().startsWith('220')) })
  })
}

/** A real SMTP server on loopback: Debian's python3-aiosmtpd writing every message into a Maildir. */
export async function startSmtp (): Promise<SmtpServer> {
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-smtp-'))
  const port = await freePort()
  const child = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', join(dir, 'mail')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { log += chunk })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const deadline = Date.now() + 20_000
  while (!(await accepting(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`aiosmtpd did not start: ${log}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const inbox = join(dir, 'mail', 'new')
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages: () => {
      let files: string[] = []
      try { files = readdirSync(inbox).sort() } catch {}
      return files.map((f) => readFileSync(join(inbox, f), 'utf8'))
    },
    async stop () {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
