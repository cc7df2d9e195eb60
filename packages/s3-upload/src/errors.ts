import createError from '@fastify/error'

export const errors = {
  invalidOption: createError('SHIPYARD_S3_INVALID_OPTION', '%s', 500),
}
