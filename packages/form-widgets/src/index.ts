import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { errors } from './errors.js'

export interface FormWidgetsOptions {}

const plugin: FastifyPluginAsync<FormWidgetsOptions> = async () => {}

export const formWidgets = fp(plugin, { fastify: '5.x', name: '@shipyard/form-widgets' })
export default formWidgets
export { errors }
