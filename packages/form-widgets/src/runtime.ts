import type { FastifyReply, FastifyRequest } from 'fastify'
import { COOKIE_VALUE_SHAPE, createToken, newCookieValue, type CsrfSettings } from './csrf.js'
import type { FileHandle } from './file-handle.js'
import type { FormDefinition } from './form.js'
import type { FormLimits } from './limits.js'
import type { Catalogue, Messages } from './messages.js'
import type { ClassNames } from './widgets.js'

/** Plugin-wide settings every form instance reads. */
export interface Runtime {
  csrf: CsrfSettings | false
  catalogue: Catalogue
  locale: string
  classes: ClassNames
  limits: Required<FormLimits>
  discardTimeout: number
  /** the CSRF cookie's `Set-Cookie` value for a cookie value, serialised once at register time */
  csrfCookieHeader: ((value: string, secure: boolean) => string) | undefined
}

export const kReply = Symbol('shipyard.form-widgets.reply')
export const kCookieValue = Symbol('shipyard.form-widgets.cookie')
export const kMultipartState = Symbol('shipyard.form-widgets.multipart')

export interface RequestSlots {
  [kReply]: FastifyReply | null
  [kCookieValue]: string | null
  [kMultipartState]: MultipartState | null
}

export interface MultipartState {
  /** the file handed over last */
  file: FileHandle | undefined
}

export function messagesFor (runtime: Runtime, locale: string | undefined): Messages {
  return runtime.catalogue[locale ?? runtime.locale] ?? runtime.catalogue[runtime.locale]!
}

export function classesFor (runtime: Runtime, definition: FormDefinition): ClassNames {
  return definition.options.classes ? { ...runtime.classes, ...definition.options.classes } : runtime.classes
}

/** The value a token is bound to: the visitor's CSRF cookie (set on the reply when missing), or '' without cookies. */
export function tokenBinding (runtime: Runtime, request: FastifyRequest, create: boolean): string | undefined {
  const csrf = runtime.csrf
  if (!csrf || !csrf.cookie) return ''
  const slots = request as unknown as RequestSlots
  if (slots[kCookieValue]) return slots[kCookieValue]
  const existing = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[csrf.cookie.name]
  if (existing && COOKIE_VALUE_SHAPE.test(existing)) {
    slots[kCookieValue] = existing
    return existing
  }
  if (!create) return undefined
  const reply = slots[kReply]
  const value = newCookieValue()
  const secure = csrf.cookie.secure === 'auto' ? request.protocol === 'https' : csrf.cookie.secure
  // Straight onto the header: @fastify/cookie's onSend merges any cookies set through reply.setCookie().
  reply?.header('set-cookie', runtime.csrfCookieHeader!(value, secure))
  slots[kCookieValue] = value
  return value
}

/** A fresh token for a request (and its cookie when missing); undefined when CSRF is off. */
export function issueToken (runtime: Runtime, request: FastifyRequest): string | undefined {
  return runtime.csrf ? createToken(runtime.csrf, tokenBinding(runtime, request, true)!) : undefined
}

/** Issues a form's token on first use; undefined when CSRF is off for the plugin or the form. */
export function tokenIssuer (runtime: Runtime, request: FastifyRequest, definition: FormDefinition): (() => string) | undefined {
  if (!runtime.csrf || definition.options.csrf === false) return undefined
  return () => issueToken(runtime, request)!
}
