import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { AgentCheckOptions } from './options.js'
import type { HealthSnapshot } from './watchdog.js'

/**
 * The line HAProxy's agent-check reads: `up ready 100%` when healthy (ready also lifts an earlier drain/maint),
 * `drain`/`maint` in maintenance and while draining, `down` when failed or starting.
 */
export function agentReply (snapshot: HealthSnapshot, maintenanceWord: 'drain' | 'maint'): string {
  switch (snapshot.status) {
    case 'ok':
    case 'warn':
      return 'up ready 100%\n'
    case 'maintenance':
      return `${maintenanceWord}\n`
    case 'draining':
      return 'drain\n'
    case 'failed':
    case 'starting':
      return 'down\n'
  }
}

/** A TCP server that answers each connection with the agent line and closes it. */
export class AgentCheckServer {
  private readonly server: Server
  private readonly options: Required<AgentCheckOptions>
  private readonly sockets = new Set<Socket>()

  constructor (options: Required<AgentCheckOptions>, current: () => HealthSnapshot) {
    this.options = options
    this.server = createServer((socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
      socket.on('error', () => socket.destroy())
      // HAProxy may send `agent-send` text first; the answer does not depend on it, but the input is read and
      // dropped so the peer's FIN is seen and the socket closes.
      socket.resume()
      socket.setTimeout(5000, () => socket.destroy())
      socket.end(agentReply(current(), options.maintenance))
    })
  }

  listen (): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen({ port: this.options.port, host: this.options.host }, () => {
        this.server.off('error', reject)
        resolve(this.server.address() as AddressInfo)
      })
    })
  }

  address (): AddressInfo | null {
    return this.server.listening ? this.server.address() as AddressInfo : null
  }

  close (): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve()
      this.server.close(() => resolve())
      for (const socket of this.sockets) socket.destroy()
    })
  }
}
