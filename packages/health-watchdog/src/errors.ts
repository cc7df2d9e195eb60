import createError from '@fastify/error'

export const errors = {
  invalidOption: createError('SHIPYARD_HEALTH_INVALID_OPTION', '%s', 500),
}
