import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { errors } from './errors.js'

export interface HostLandingOptions {}

const plugin: FastifyPluginAsync<HostLandingOptions> = async () => {}

export const hostLanding = fp(plugin, { fastify: '5.x', name: '@shipyard/host-landing' })
export default hostLanding
export { errors }
