import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errors } from './errors.js'

function bearerMatches (request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization
  if (typeof header !== 'string' || !/^bearer /i.test(header)) return false
  const given = Buffer.from(header.slice(7).trim())
  const wanted = Buffer.from(token)
  return given.length === wanted.length && timingSafeEqual(given, wanted)
}

/** `request.ip` rather than the socket: behind a trusted proxy the socket is always loopback. */
export function isLoopback (address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}

/**
 * With a token, only `Authorization: Bearer <token>` gets in; without one, only loopback callers do (the
 * balancer never needs the details, an operator on the box does).
 */
export function authorize (request: FastifyRequest, reply: FastifyReply, token: string | undefined, what: string): void {
  if (token !== undefined) {
    if (bearerMatches(request, token)) return
    reply.header('www-authenticate', 'Bearer')
    throw new errors.Unauthorized(what)
  }
  if (!isLoopback(request.ip)) throw new errors.Forbidden(what)
}

/** Admin routes always require their own token. */
export function authorizeAdmin (request: FastifyRequest, reply: FastifyReply, token: string): void {
  if (bearerMatches(request, token)) return
  reply.header('www-authenticate', 'Bearer')
  throw new errors.Unauthorized('the maintenance admin route')
}
