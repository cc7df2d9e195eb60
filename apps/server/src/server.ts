import Fastify, { type FastifyInstance } from 'fastify'
import type { Feature, ServerConfig } from './config.js'
import { registerSecurityHeaders } from './security-headers.js'
import * as downloads from './features/downloads.js'
import * as forms from './features/forms.js'
import * as health from './features/health.js'
import * as landing from './features/landing.js'
import * as uploads from './features/uploads.js'

export interface MountedFeature {
  feature: Feature
  /** where it answers, e.g. `/download/:id.zip` or `by Host` */
  path: string
  description: string
}

// Order matters: the watchdog first so its drain hook sees shutdown before anything else closes;
// forms before the landing pages and uploads built on it.
const featureModules: Array<[Feature, { register: (app: FastifyInstance, config: ServerConfig) => Promise<MountedFeature[]> }]> = [
  ['health', health],
  ['forms', forms],
  ['downloads', downloads],
  ['uploads', uploads],
  ['landing', landing],
]

/** Builds the composed application without listening, so tests can `inject` into it. */
export async function buildServer (config: ServerConfig): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    trustProxy: config.trustProxy,
    // Requests in flight finish on close; idle keep-alive sockets are closed so shutdown is prompt.
    forceCloseConnections: 'idle',
  })
  // Direct browser uploads post to the bucket's origin, which the CSP must allow.
  await registerSecurityHeaders(app, config.features.includes('uploads') ? uploads.cspSources(config) : {})
  const mounted: MountedFeature[] = []
  for (const [feature, module] of featureModules) {
    if (config.features.includes(feature)) mounted.push(...await module.register(app, config))
  }

  app.get('/_shipyard', async () => ({ name: 'shipyard', mounted }))
  // The landing feature owns `/` per Host once enabled; until then `/` lists what is mounted.
  if (!app.hasRoute({ method: 'GET', url: '/' })) app.get('/', async () => ({ name: 'shipyard', mounted }))
  return app
}
