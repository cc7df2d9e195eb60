import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'

export interface CspExtraSources {
  /** origins a page may post forms to, e.g. an S3 bucket for direct uploads */
  formAction?: string[]
  /** origins scripts may fetch/XHR, e.g. the same bucket */
  connectSrc?: string[]
}

/**
 * Security headers for every page of every plugin. No inline script or style is allowed without the per-response
 * nonce (`reply.cspNonce.script` / `.style`), so a plugin that renders a page must pass the nonce or serve files.
 */
export async function registerSecurityHeaders (app: FastifyInstance, extra: CspExtraSources = {}): Promise<void> {
  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        formAction: ["'self'", ...(extra.formAction ?? [])],
        connectSrc: ["'self'", ...(extra.connectSrc ?? [])],
      },
    },
    // TLS is terminated by the proxy; HSTS belongs there, where the certificate is.
    strictTransportSecurity: false,
  })
}
