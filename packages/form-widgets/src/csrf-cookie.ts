import type { FastifyInstance } from 'fastify'
import type { CsrfSettings } from './csrf.js'
import { errors } from './errors.js'

const PLACEHOLDER = 'COOKIEVALUE'

/**
 * The CSRF cookie's `Set-Cookie` value, serialised by @fastify/cookie once per Secure flag at register time
 * (so a bad path or domain fails there); per request only the value is put in.
 */
export function csrfCookieHeader (fastify: FastifyInstance, cookie: Exclude<CsrfSettings['cookie'], false>): (value: string, secure: boolean) => string {
  const serialise = (secure: boolean) => {
    let header: string
    try {
      header = fastify.serializeCookie(cookie.name, PLACEHOLDER, { path: cookie.path, domain: cookie.domain, sameSite: cookie.sameSite, secure, httpOnly: true })
    } catch (err) {
      throw new errors.InvalidOption(`"csrf.cookie": ${(err as Error).message}`)
    }
    // the header starts `name=value`: cut there, not where the placeholder text first appears (the name or
    // the path could contain it)
    const at = cookie.name.length + 1
    return [header.slice(0, at), header.slice(at + PLACEHOLDER.length)] as const
  }
  const [plainBefore, plainAfter] = serialise(false)
  const [secureBefore, secureAfter] = serialise(true)
  return (value, secure) => (secure ? secureBefore + value + secureAfter : plainBefore + value + plainAfter)
}
