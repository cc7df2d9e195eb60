import createError from '@fastify/error'

/** Every error the watchdog raises; the README's "Errors" table lists the same codes. */
export const errors = {
  /** thrown at register time: an option is missing or malformed */
  InvalidOption: createError('SHIPYARD_HEALTH_INVALID_OPTION', '%s', 500),
  /** verbose output, metrics or admin routes asked for without the right bearer token */
  Unauthorized: createError('SHIPYARD_HEALTH_UNAUTHORIZED', 'A valid bearer token is required for %s', 401),
  /** verbose output or metrics asked for by a non-loopback caller while no token is configured */
  Forbidden: createError('SHIPYARD_HEALTH_FORBIDDEN', '%s is only served to loopback callers when no token is configured', 403),
  /** admin route body is not `{ "reason": string }` */
  InvalidReason: createError('SHIPYARD_HEALTH_INVALID_REASON', '%s', 400),
  /** the maintenance file could not be created or removed */
  MaintenanceFile: createError('SHIPYARD_HEALTH_MAINTENANCE_FILE', 'Cannot update the maintenance file: %s', 500),
}
