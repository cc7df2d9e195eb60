import createError from '@fastify/error'

export const errors = {
  invalidOption: createError('SHIPYARD_LANDING_INVALID_OPTION', '%s', 500),
}
