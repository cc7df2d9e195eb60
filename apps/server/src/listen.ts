import { chmod, rm, stat } from 'node:fs/promises'
import { connect } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { ServerConfig } from './config.js'

/** Listens on the unix socket or TCP address from config and returns where it listens. */
export async function listen (app: FastifyInstance, config: ServerConfig): Promise<string> {
  if (config.socketPath === undefined) {
    return app.listen({ host: config.host, port: config.port })
  }
  await removeStaleSocket(config.socketPath)
  const mode = Number.parseInt(config.socketMode, 8)
  // The umask makes the socket appear with its final mode, so there is no moment where it is more open than
  // configured (and "listening" is logged only once it is right); chmod then covers modes a umask cannot express.
  const previousUmask = process.umask(0o777 & ~mode)
  let address: string
  try {
    address = await app.listen({ path: config.socketPath })
  } finally {
    process.umask(previousUmask)
  }
  await chmod(config.socketPath, mode)
  return address
}

/** A socket file left by a crashed run blocks listen (EADDRINUSE); remove it unless a live server owns it. */
async function removeStaleSocket (path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined)
  if (info === undefined) return
  if (!info.isSocket()) throw new Error(`SOCKET_PATH ${path} exists and is not a socket; refusing to replace it`)
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path)
    probe.once('connect', () => { probe.destroy(); resolve(true) })
    probe.once('error', () => resolve(false))
  })
  if (live) throw new Error(`SOCKET_PATH ${path} is in use by another running server`)
  await rm(path, { force: true })
}
