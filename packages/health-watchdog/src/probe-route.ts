import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { authorize } from './auth.js'
import { HEALTH_JSON, toHealthJson } from './health-format.js'
import type { Watchdog } from './watchdog.js'

function wantsVerbose (request: FastifyRequest): boolean {
  const verbose = (request.query as Record<string, string | undefined> | null)?.verbose
  if (verbose !== undefined && verbose !== '0' && verbose !== 'false') return true
  const accept = request.headers.accept
  return accept !== undefined && accept.includes(HEALTH_JSON)
}

/**
 * The balancer's probe: GET and HEAD, answered from the latest snapshot (never from the backends), plain text
 * by default, `application/health+json` on `?verbose` or `Accept: application/health+json` when authorised.
 */
export function registerProbeRoute (fastify: FastifyInstance, watchdog: Watchdog): void {
  const { path, token, logLevel, mode } = watchdog.options

  const answer = (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store')
    if (wantsVerbose(request)) {
      authorize(request, reply, token, 'verbose health output')
      const snapshot = watchdog.snapshot
      return reply.code(snapshot.httpStatus).type(HEALTH_JSON).send(JSON.stringify(toHealthJson(snapshot)))
    }
    const terse = watchdog.terse
    return reply.code(terse.statusCode).type('text/plain; charset=utf-8').send(terse.body)
  }

  fastify.route({
    method: ['GET', 'HEAD'],
    url: path,
    logLevel,
    handler: mode === 'background'
      ? answer
      : async (request, reply) => {
        await watchdog.ensureFresh()
        return answer(request, reply)
      },
  })
}
