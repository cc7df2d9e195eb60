import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { errors } from './errors.js'

export interface HealthWatchdogOptions {}

const plugin: FastifyPluginAsync<HealthWatchdogOptions> = async () => {}

export const healthWatchdog = fp(plugin, { fastify: '5.x', name: '@shipyard/health-watchdog' })
export default healthWatchdog
export { errors }
