import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { errors } from './errors.js'

export interface ZipStreamOptions {}

const plugin: FastifyPluginAsync<ZipStreamOptions> = async () => {}

export const zipStream = fp(plugin, { fastify: '5.x', name: '@shipyard/zip-stream' })
export default zipStream
export { errors }
