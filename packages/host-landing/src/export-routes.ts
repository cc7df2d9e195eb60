import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { LandingContext } from './context.js'
import { errors } from './errors.js'
import { signupsCsv } from './export.js'
import { sameSecret } from './tokens.js'

/** `<prefix>/_landing/export.csv?site=…` (streaming CSV) and `<prefix>/_landing/counts` (JSON), behind the export token. */
export function exportRoutes (app: FastifyInstance, ctx: LandingContext, token: string): void {
  app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const header = request.headers.authorization ?? ''
      const given = header.startsWith('Bearer ') ? header.slice(7).trim() : ''
      if (!given || !sameSecret(given, token)) {
        reply.header('www-authenticate', 'Bearer realm="shipyard-landing"')
        throw new errors.Unauthorized()
      }
    })

    scope.get(`${ctx.prefix}/_landing/export.csv`, async (request, reply) => {
      const site = (request.query as Record<string, unknown>).site
      if (typeof site !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,252}$/.test(site)) throw new errors.InvalidExportQuery('"site" must be a site id, e.g. ?site=example.com')
      reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="signups-${site}.csv"`)
        .header('cache-control', 'no-store')
      return reply.send(Readable.from(signupsCsv(ctx.store, site, ctx.secret)))
    })

    scope.get(`${ctx.prefix}/_landing/counts`, async (_request, reply) => {
      reply.header('cache-control', 'no-store')
      return { sites: await ctx.store.counts() }
    })
  })
}
