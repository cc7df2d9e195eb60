import type { FastifyInstance } from 'fastify'
import type { ConfigKey } from '../config-keys.js'
import type { ServerConfig } from '../config.js'
import type { MountedFeature } from '../server.js'

/** Configuration keys of the `health` feature; merged into the server's one schema by config.ts. */
export const configKeys = [] as const satisfies readonly ConfigKey[]

/** Registers the `health` feature on the app and describes what it mounted. */
export async function register (_app: FastifyInstance, _config: ServerConfig): Promise<MountedFeature[]> {
  return []
}
