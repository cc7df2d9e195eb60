import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net'

/** Real loopback servers for the checks to poll; `closeAll` stops every one started. */
export class Backends {
  private readonly servers: Server[] = []
  private readonly sockets = new Set<Socket>()

  private track (server: Server): Server {
    this.servers.push(server)
    server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    return server
  }

  private async listen (server: Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return (server.address() as AddressInfo).port
  }

  /** An HTTP backend; `hits` counts the requests it saw. */
  async http (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string, port: number, hits: () => number }> {
    let hits = 0
    const server = this.track(createHttpServer((req, res) => {
      hits++
      handler(req, res)
    }) as unknown as Server)
    const port = await this.listen(server)
    return { url: `http://127.0.0.1:${port}`, port, hits: () => hits }
  }

  /** A raw TCP backend that does whatever `onSocket` does with each connection. */
  async tcp (onSocket: (socket: Socket) => void): Promise<{ url: string, port: number }> {
    const server = this.track(createTcpServer(onSocket))
    const port = await this.listen(server)
    return { url: `http://127.0.0.1:${port}`, port }
  }

  /** A port nothing listens on: connections are refused. */
  async closedPort (): Promise<number> {
    const server = createTcpServer()
    const port = await this.listen(server)
    await new Promise((resolve) => server.close(resolve))
    return port
  }

  async closeAll (): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(resolve))))
    this.servers.length = 0
  }
}

/** Starts a set of misbehaving backends, one per failure mode the issue lists. */
export async function misbehavingBackends (backends: Backends) {
  const hanging = await backends.tcp(() => {})
  const resetting = await backends.tcp((socket) => {
    socket.once('data', () => socket.resetAndDestroy())
  })
  const slowHeaders = await backends.tcp((socket) => {
    socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n'))
  })
  const slowBody = await backends.http((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' })
    res.write('a')
    const timer = setInterval(() => res.write('a'), 100)
    res.on('close', () => clearInterval(timer))
  })
  const serverError = await backends.http((_req, res) => {
    res.writeHead(503).end('nope')
  })
  const redirectLoop = await backends.http((req, res) => {
    res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' }).end()
  })
  const refusedPort = await backends.closedPort()
  return { hanging, resetting, slowHeaders, slowBody, serverError, redirectLoop, refusedPort }
}
