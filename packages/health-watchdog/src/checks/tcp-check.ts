import { connect } from 'node:net'
import type { TcpCheckOptions } from '../options.js'
import type { CheckProbe } from './outcome.js'

/** Passes when a TCP connection to host:port opens; the socket is closed straight away. */
export function createTcpProbe (options: TcpCheckOptions): CheckProbe {
  return (signal) => new Promise((resolve, reject) => {
    const socket = connect({ host: options.host, port: options.port })
    const onAbort = () => {
      socket.destroy()
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve({ ok: true })
    })
    socket.once('error', (err) => {
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      reject(err)
    })
  })
}
