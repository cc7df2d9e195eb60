import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { loadConfig, redactConfig, type LoadConfigInput } from './config.js'
import { listen } from './listen.js'
import { buildServer } from './server.js'

/** Validates config, builds the app, listens and installs graceful shutdown on SIGTERM/SIGINT. */
export async function start (input: LoadConfigInput = {}): Promise<FastifyInstance> {
  const config = loadConfig(input)
  const app = await buildServer(config)
  app.log.info({ config: redactConfig(config) }, 'configuration loaded')
  try {
    await listen(app, config)
  } catch (err) {
    await app.close()
    throw err
  }
  // Installed only once listening: close-with-grace also exits 0 on a normal `beforeExit`, which would hide a
  // failed start.
  closeWithGrace({ delay: config.shutdownTimeout }, async ({ signal, err }) => {
    if (err) {
      app.log.fatal({ err }, 'fatal error, shutting down')
    } else {
      app.log.info({ signal }, 'shutting down gracefully')
      // The watchdog answers 503 DRAINING while ordinary requests are still served, until the balancer has
      // moved traffic away; only then does close() stop accepting and wait for requests in flight.
      if (app.hasDecorator('healthWatchdog')) await app.healthWatchdog.drain()
    }
    await app.close()
  })
  return app
}
