import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { bindForm, type BindOptions } from './bind.js'
import { settleMultipartBody } from './discard.js'
import { errors } from './errors.js'
import { unboundForm, type BoundForm, type FormView } from './form-state.js'
import type { FormDefinition, FormInitial, Fields } from './form.js'
import { runtimeFrom, type FormWidgetsOptions } from './options.js'
import { issueToken, kCookieValue, kMultipartState, kReply, type RequestSlots } from './runtime.js'
import { csrfCookieHeader } from './csrf-cookie.js'

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
    /**
     * A fresh CSRF token for a form whose markup you cache or write yourself (sets the CSRF cookie on the reply
     * when missing): what `request.form(definition).csrfToken` gives, without building a form. Undefined when
     * CSRF is off.
     */
    csrfToken(): string | undefined
  }
}

const plugin: FastifyPluginAsync<FormWidgetsOptions> = async (fastify, opts) => {
  const runtime = runtimeFrom(opts)
  const limits = runtime.limits

  if (opts.registerParsers !== false) {
    if (!fastify.hasContentTypeParser('application/x-www-form-urlencoded')) await fastify.register(formbody, { bodyLimit: limits.bodySize })
    if (!fastify.hasRequestDecorator('parts')) await fastify.register(multipart, { limits: { fieldSize: limits.fieldSize, fields: limits.fields, fileSize: limits.fileSize, files: limits.files, parts: limits.parts } })
    if (runtime.csrf && runtime.csrf.cookie && !fastify.hasRequestDecorator('cookies')) await fastify.register(cookie)
  }
  if (runtime.csrf && runtime.csrf.cookie && !fastify.hasReplyDecorator('setCookie')) {
    throw new errors.InvalidOption('"csrf.cookie" needs @fastify/cookie: register it before this plugin, leave "registerParsers" on, or set "csrf.cookie" to false')
  }
  if (runtime.csrf && runtime.csrf.cookie) runtime.csrfCookieHeader = csrfCookieHeader(fastify, runtime.csrf.cookie)

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

  fastify.decorateRequest('form', function form<F extends Fields> (this: FastifyRequest, definition: FormDefinition<F>, options: RequestFormOptions<F> = {}): FormView<F> {
    return unboundForm(runtime, this, definition as unknown as FormDefinition, options.initial ?? {}) as unknown as FormView<F>
  })

  fastify.decorateRequest('csrfToken', function (this: FastifyRequest) {
    return issueToken(runtime, this)
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
export type { FormWidgetsOptions, CsrfOptions } from './options.js'
export { formSchema } from './schema.js'
