import type { FastifyInstance } from 'fastify'
import { authorizeAdmin } from './auth.js'
import { errors } from './errors.js'
import type { Watchdog } from './watchdog.js'

const REASON_MAX = 500

function readReason (body: unknown): string {
  if (body === undefined || body === null || body === '') return ''
  if (typeof body !== 'object' || Array.isArray(body)) throw new errors.InvalidReason('the body must be a JSON object { "reason": string }')
  const extra = Object.keys(body).filter((k) => k !== 'reason')
  if (extra.length > 0) throw new errors.InvalidReason(`unknown field(s) ${extra.join(', ')}; the body is { "reason": string }`)
  const reason = (body as { reason?: unknown }).reason
  if (reason === undefined) return ''
  // eslint-disable-next-line no-control-regex
  if (typeof reason !== 'string' || reason.length > REASON_MAX || /[\u0000-\u0009\u000b-\u001f\u007f]/.test(reason)) {
    throw new errors.InvalidReason(`"reason" must be a string of at most ${REASON_MAX} printable characters`)
  }
  return reason.trim()
}

/**
 * `PUT <admin.path>` with `{ "reason": "…" }` enters maintenance (creates the file), `DELETE` leaves it,
 * `GET` shows it; all need the admin bearer token.
 */
export function registerAdminRoutes (fastify: FastifyInstance, watchdog: Watchdog): void {
  const admin = watchdog.options.admin
  if (admin === false) return
  const state = () => ({ maintenance: watchdog.snapshot.maintenance, status: watchdog.snapshot.status })

  fastify.get(admin.path, async (request, reply) => {
    authorizeAdmin(request, reply, admin.token)
    reply.header('cache-control', 'no-store')
    return state()
  })
  fastify.put(admin.path, async (request, reply) => {
    authorizeAdmin(request, reply, admin.token)
    const reason = readReason(request.body)
    try {
      await watchdog.enterMaintenance(reason)
    } catch (err) {
      throw new errors.MaintenanceFile((err as Error).message)
    }
    request.log.warn({ reason }, 'entered maintenance through the admin route')
    return state()
  })
  fastify.delete(admin.path, async (request, reply) => {
    authorizeAdmin(request, reply, admin.token)
    try {
      await watchdog.leaveMaintenance()
    } catch (err) {
      throw new errors.MaintenanceFile((err as Error).message)
    }
    request.log.warn('left maintenance through the admin route')
    return state()
  })
}
