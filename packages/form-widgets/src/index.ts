import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { bindForm, type BindOptions } from './bind.js'
import type { CsrfCookieOptions, CsrfSettings } from './csrf.js'
import { settleMultipartBody } from './discard.js'
import { errors } from './errors.js'
import { FormState, type BoundForm, type FormView } from './form-state.js'
import type { FormDefinition, FormInitial, Fields } from './form.js'
import { checkLimits, defaultLimits, type FormLimits } from './limits.js'
import { defaultCatalogue, type Catalogue, type Messages } from './messages.js'
import { classesFor, kCookieValue, kMultipartState, kReply, tokenIssuer, type RequestSlots, type Runtime } from './runtime.js'
import { defaultClassNames, type ClassNames } from './widgets.js'

export interface CsrfOptions {
  /** signing secret(s), at least 32 characters; with several, the first signs and all verify (rotation) */
  secret: string | readonly string[]
  /** milliseconds a token stays valid (default 24 h); an older genuine token re-renders the form */
  maxAge?: number
  /** name of the hidden field (default `_csrf`) */
  fieldName?: string
  /** bind tokens to a per-visitor cookie (default on); `false` for purely stateless tokens */
  cookie?: false | CsrfCookieOptions
}

export interface FormWidgetsOptions {
  /** CSRF settings; `false` turns CSRF off for every form (not recommended) */
  csrf: CsrfOptions | false
  /** body limits (see FormLimits) */
  limits?: FormLimits
  /** catalogue locale used when `bindForm` gets none (default `en`) */
  locale?: string
  /** extra or replacement catalogues, merged over the built-in `en` and `de` per key */
  messages?: Record<string, Partial<Messages>>
  /** class hooks for CSS frameworks, merged over the defaults (`sy-*`) */
  classes?: Partial<ClassNames>
  /** register @fastify/formbody, @fastify/multipart and @fastify/cookie when absent (default true) */
  registerParsers?: boolean
  /** milliseconds an unread multipart body may keep draining after the response before the socket is destroyed (default 5000) */
  discardTimeout?: number
}

export interface RequestFormOptions<F extends Fields> {
  /** values shown in an unbound form */
  initial?: FormInitial<F>
}

declare module 'fastify' {
  interface FastifyRequest {
    /** An unbound form with a fresh CSRF token (sets the CSRF cookie on the reply when missing). */
    form<F extends Fields>(definition: FormDefinition<F>, options?: RequestFormOptions<F>): FormView<F>
    /**
     * Binds this request's urlencoded or multipart body to the form: checks CSRF (403), validates, and returns
     * `valid`, `errors`, typed `data` and the renderers. See the README for the multipart file contract.
     */
    bindForm<F extends Fields>(definition: FormDefinition<F>, options?: BindOptions): Promise<BoundForm<F>>
  }
}

function fail (message: string): never {
  throw new errors.InvalidOption(message)
}

function csrfSettings (csrf: CsrfOptions | false | undefined): CsrfSettings | false {
  if (csrf === false) return false
  if (csrf === undefined || csrf === null || typeof csrf !== 'object') fail('"csrf" must be { secret } or false')
  const secrets = typeof csrf.secret === 'string' ? [csrf.secret] : csrf.secret
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length < 32)) {
    fail('"csrf.secret" must be a string (or an array of strings) of at least 32 characters')
  }
  const maxAge = csrf.maxAge ?? 24 * 60 * 60 * 1000
  if (!Number.isSafeInteger(maxAge) || maxAge < 1000) fail(`"csrf.maxAge" must be an integer of at least 1000 ms, got ${JSON.stringify(csrf.maxAge)}`)
  const fieldName = csrf.fieldName ?? '_csrf'
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(fieldName)) fail(`"csrf.fieldName" must be a plain name, got ${JSON.stringify(fieldName)}`)
  let cookie: CsrfSettings['cookie'] = false
  if (csrf.cookie !== false) {
    const options = csrf.cookie ?? {}
    const name = options.name ?? 'shipyard_csrf'
    if (!/^[A-Za-z0-9_-]+$/.test(name)) fail(`"csrf.cookie.name" must be a cookie token, got ${JSON.stringify(name)}`)
    const sameSite = options.sameSite ?? 'lax'
    if (!['lax', 'strict', 'none'].includes(sameSite)) fail('"csrf.cookie.sameSite" must be lax, strict or none')
    const secure = options.secure ?? 'auto'
    if (secure !== 'auto' && typeof secure !== 'boolean') fail('"csrf.cookie.secure" must be true, false or "auto"')
    cookie = { name, path: options.path ?? '/', domain: options.domain, sameSite, secure }
  }
  return { secrets: secrets.map((s) => Buffer.from(s)), maxAge, fieldName, cookie }
}

function catalogueFrom (overrides: Record<string, Partial<Messages>> | undefined): Catalogue {
  const catalogue: Catalogue = { ...defaultCatalogue }
  for (const [locale, messages] of Object.entries(overrides ?? {})) {
    catalogue[locale] = { ...(catalogue[locale] ?? defaultCatalogue.en!), ...messages }
  }
  return catalogue
}

const plugin: FastifyPluginAsync<FormWidgetsOptions> = async (fastify, opts) => {
  const limits = { ...defaultLimits, ...opts.limits }
  const problem = checkLimits(opts.limits ?? {}, '"limits"')
  if (problem) fail(problem)
  const catalogue = catalogueFrom(opts.messages)
  const locale = opts.locale ?? 'en'
  if (!catalogue[locale]) fail(`"locale" ${JSON.stringify(locale)} has no catalogue (have ${Object.keys(catalogue).join(', ')})`)
  const discardTimeout = opts.discardTimeout ?? 5000
  if (!Number.isSafeInteger(discardTimeout) || discardTimeout < 0) fail('"discardTimeout" must be a non-negative integer of milliseconds')
  const runtime: Runtime = {
    csrf: csrfSettings(opts.csrf),
    catalogue,
    locale,
    classes: { ...defaultClassNames, ...opts.classes },
    limits,
    discardTimeout,
  }

  if (opts.registerParsers !== false) {
    if (!fastify.hasContentTypeParser('application/x-www-form-urlencoded')) await fastify.register(formbody, { bodyLimit: limits.bodySize })
    if (!fastify.hasRequestDecorator('parts')) await fastify.register(multipart, { limits: { fieldSize: limits.fieldSize, fields: limits.fields, fileSize: limits.fileSize, files: limits.files, parts: limits.parts } })
    if (runtime.csrf && runtime.csrf.cookie && !fastify.hasRequestDecorator('cookies')) await fastify.register(cookie)
  }
  if (runtime.csrf && runtime.csrf.cookie && !fastify.hasReplyDecorator('setCookie')) {
    fail('"csrf.cookie" needs @fastify/cookie: register it before this plugin, leave "registerParsers" on, or set "csrf.cookie" to false')
  }

  fastify.decorateRequest(kReply, null)
  fastify.decorateRequest(kCookieValue, null)
  fastify.decorateRequest(kMultipartState, null)
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    (request as unknown as RequestSlots)[kReply] = reply
  })
  // Whatever multipart body is left unread when the response goes out is thrown away (see discard.ts).
  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply) => {
    const state = (request as unknown as RequestSlots)[kMultipartState]
    if (state) await settleMultipartBody(request, reply, state, runtime.discardTimeout)
  })

  fastify.decorateRequest('form', function form<F extends Fields> (this: FastifyRequest, typed: FormDefinition<F>, options: RequestFormOptions<F> = {}): FormView<F> {
    const definition = typed as unknown as FormDefinition
    const shown: Record<string, string | readonly string[] | boolean> = {}
    for (const [name, value] of Object.entries(options.initial ?? {})) {
      if (!Object.hasOwn(definition.fields, name) || value === undefined) continue
      shown[name] = typeof value === 'boolean' ? value : Array.isArray(value) ? value.map(String) : String(value)
    }
    return new FormState({
      definition,
      classes: classesFor(runtime, definition),
      csrfFieldName: runtime.csrf ? runtime.csrf.fieldName : '',
      issueToken: tokenIssuer(runtime, this, definition),
      submitted: false,
      valid: false,
      data: {},
      errors: {},
      formErrors: [],
      shown,
      csrfExpired: false,
    }) as unknown as FormView<F>
  })

  fastify.decorateRequest('bindForm', function (this: FastifyRequest, definition: FormDefinition, options?: BindOptions) {
    return bindForm(runtime, this, definition, options)
  } as FastifyRequest['bindForm'])
}

export const formWidgets = fp(plugin, { fastify: '5.x', name: '@shipyard/form-widgets' })
export default formWidgets
export { errors }
export { defineForm } from './form.js'
export type { FormDefinition, FormData, FormErrors, FormInitial, FormOptions, Fields } from './form.js'
export { fields } from './fields.js'
export type { Choice, ChoiceValue, CommonOptions, Field, FieldKind, FieldValue, TextOptions, TextareaOptions, NumberOptions, DateOptions, CheckboxOptions, ChoiceOptions, SelectOptions, SelectMultipleOptions, FileOptions, Widget, NormalisedChoice } from './fields.js'
export * as validators from './validators.js'
export type { Validator, ValidationContext, ValidationResult } from './validators.js'
export type { FileHandle } from './file-handle.js'
export type { BoundForm, FormView, ValidForm, InvalidForm } from './form-state.js'
export type { BindOptions } from './bind.js'
export type { RenderOptions } from './render.js'
export type { FormLimits } from './limits.js'
export type { CsrfCookieOptions } from './csrf.js'
export { en, de, type Messages, type Catalogue } from './messages.js'
export { defaultClassNames, type ClassNames, type WidgetContext } from './widgets.js'
export { escapeHtml, renderAttributes, type Attributes, type AttributeValue } from './escape.js'
export { formSchema } from './schema.js'
