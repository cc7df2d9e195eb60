import createError from '@fastify/error'
import zipStream, { entriesFromRecord } from '@shipyard/zip-stream'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { booleanFromString, type ConfigKey } from '../config-keys.js'
import type { ServerConfig } from '../config.js'
import type { MountedFeature } from '../server.js'
import { bundleIdPattern, openBundleStore, type Bundle, type BundleStore } from './downloads-store.js'

export { addBundle, addBundleFromDir, addBundleFromPath } from './downloads-store.js'
export type { Bundle, BundleFiles } from './downloads-store.js'

/** Configuration keys of the `downloads` feature; merged into the server's one schema by config.ts. */
export const configKeys = [
  { key: 'downloadsPrefix', env: 'DOWNLOADS_PREFIX', schema: z.string().regex(/^(\/[\w.-]+)+$/, 'must be a path such as /download').default('/download'), description: 'Path under which bundles download as `<prefix>/<id>.zip`.' },
  { key: 'downloadsSeedDemo', env: 'DOWNLOADS_SEED_DEMO', schema: booleanFromString.default(true), description: 'Store a `demo` bundle when the `bundles` table is empty, so a fresh server offers a download.' },
] as const satisfies readonly ConfigKey[]

const BundleNotFound = createError('SHIPYARD_DOWNLOADS_NOT_FOUND', 'No bundle %s', 404)

const demoBundle: Bundle = {
  id: 'demo',
  files: {
    'README.txt': 'This archive was built on the fly by Shipyard from a bundle stored in SQLite.\n',
    'hello/world.txt': 'Hello, world!\n',
    'données/été.txt': 'Unicode names survive the trip.\n',
  },
}

/** Registers the `downloads` feature: `GET <prefix>/:id.zip` streams a stored `{ filename: content }` bundle. */
export async function register (app: FastifyInstance, config: ServerConfig): Promise<MountedFeature[]> {
  const store: BundleStore = openBundleStore(config)
  app.addHook('onClose', async () => store.close())
  if (config.downloadsSeedDemo && await store.isEmpty()) await store.put(demoBundle)

  const path = `${config.downloadsPrefix}/:id.zip`
  await app.register(async (scope) => {
    await scope.register(zipStream)
    scope.get<{ Params: { id: string } }>(path, async (request, reply) => {
      const { id } = request.params
      const bundle = bundleIdPattern.test(id) ? await store.get(id) : undefined
      if (!bundle) throw new BundleNotFound(JSON.stringify(id))
      return reply.zip(entriesFromRecord(bundle.files, { mtime: bundle.createdAt }), { filename: `${id}.zip` })
    })
  })
  return [{ feature: 'downloads', path, description: `ZIP of a bundle stored in ${store.kind === 'postgres' ? 'PostgreSQL' : 'SQLite'}, streamed as it is built` }]
}
