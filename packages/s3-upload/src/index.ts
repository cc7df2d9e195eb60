import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { errors } from './errors.js'

export interface S3UploadOptions {}

const plugin: FastifyPluginAsync<S3UploadOptions> = async () => {}

export const s3Upload = fp(plugin, { fastify: '5.x', name: '@shipyard/s3-upload' })
export default s3Upload
export { errors }
