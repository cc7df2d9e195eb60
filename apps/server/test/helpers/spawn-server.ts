import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const serverRoot = fileURLToPath(new URL('../..', import.meta.url))

export interface SpawnedServer {
  child: ChildProcess
  /** parsed pino log lines seen so far */
  logs: Array<Record<string, unknown>>
  stderr: () => string
  /** resolves with the first log line matching the predicate */
  waitForLog: (predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>>
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/**
 * Runs the CLI as ops would, in a child process with only the given environment. `built: true` runs dist/
 * (what `pnpm start` runs); otherwise src/ through tsx and the `@shipyard/source` condition.
 */
export function spawnServer (args: string[], env: Record<string, string>, { built = false, cwd = serverRoot } = {}): SpawnedServer {
  const nodeArgs = built ? [join(serverRoot, 'dist/cli.mjs')] : ['--import', 'tsx', '--conditions=@shipyard/source', join(serverRoot, 'src/cli.ts')]
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: Array<Record<string, unknown>> = []
  const waiters: Array<{ predicate: (line: Record<string, unknown>) => boolean, resolve: (line: Record<string, unknown>) => void }> = []
  let stdoutBuffer = ''
  let stderrText = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdoutBuffer += chunk
    let newline
    while ((newline = stdoutBuffer.indexOf('\n')) !== -1) {
      const text = stdoutBuffer.slice(0, newline)
      stdoutBuffer = stdoutBuffer.slice(newline + 1)
      let line: Record<string, unknown>
      try { line = JSON.parse(text) } catch { line = { msg: text } }
      logs.push(line)
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(line)
        }
      }
    }
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderrText += chunk })
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }))
  return {
    child,
    logs,
    stderr: () => stderrText,
    exited,
    waitForLog (predicate, timeoutMs = 20_000) {
      const seen = logs.find(predicate)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; logs: ${JSON.stringify(logs)} stderr: ${stderrText}`)), timeoutMs)
        exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`server exited (${code}) before the log line; stderr: ${stderrText}`)) }, () => {})
        waiters.push({ predicate, resolve: (line) => { clearTimeout(timer); resolve(line) } })
      })
    },
  }
}

/** Waits for fastify's "Server listening at …" line and returns the address. */
export async function listeningAddress (server: SpawnedServer): Promise<string> {
  const line = await server.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at '))
  return (line.msg as string).slice('Server listening at '.length)
}
