import type { FastifyRequest } from 'fastify'
import type { FileHandle } from './file-handle.js'
import type { FormData, FormDefinition, FormErrors, Fields } from './form.js'
import { renderCsrf, renderField, renderForm, renderFormErrors, type RenderOptions, type RenderState } from './render.js'
import { classesFor, tokenIssuer, type Runtime } from './runtime.js'
import type { ClassNames } from './widgets.js'

/** A form ready to render: unbound (from `request.form()`) or bound (from `request.bindForm()`). */
export interface FormView<F extends Fields = Fields> {
  readonly definition: FormDefinition<F>
  /** true when the form came from a submitted body */
  readonly submitted: boolean
  /** error messages per field, in the form's language */
  readonly errors: FormErrors<F>
  /** errors not tied to a visible field (an expired CSRF token, errors of hidden fields are added when rendering) */
  readonly formErrors: readonly string[]
  /** true when the submitted CSRF token was genuine but too old: re-render the form, the user's input is kept */
  readonly csrfExpired: boolean
  /** a fresh CSRF token (undefined when CSRF is off for this form) */
  readonly csrfToken: string | undefined
  /** the whole `<form>` */
  render (options?: RenderOptions): string
  /** one field with its label, help and errors */
  renderField (name: keyof F & string): string
  /** the hidden CSRF input, when you lay out fields yourself */
  renderCsrf (): string
  /** the form-level error region */
  renderFormErrors (): string
  /**
   * Multipart forms whose file field allows `maxFiles` > 1: the next file of that field, once the current one
   * is consumed (an unread one is discarded first); undefined when there are no more. Rejects with
   * `SHIPYARD_FORM_TOO_MANY_FILES` (413) past `maxFiles` and `SHIPYARD_FORM_FILE_TYPE_REJECTED` (415) for a
   * file outside `accept`. Always undefined for other forms.
   */
  nextFile (): Promise<FileHandle | undefined>
}

export interface ValidForm<F extends Fields> { readonly valid: true, readonly data: FormData<F> }
export interface InvalidForm<F extends Fields> { readonly valid: false, readonly data: Partial<FormData<F>> }

/** A submitted form: narrow on `valid` to get the typed `data`. */
export type BoundForm<F extends Fields = Fields> = FormView<F> & (ValidForm<F> | InvalidForm<F>)

export interface FormStateInit {
  definition: FormDefinition
  classes: ClassNames
  csrfFieldName: string
  /** creates a token on first use; undefined when CSRF is off */
  issueToken: (() => string) | undefined
  nextFile?: () => Promise<FileHandle | undefined>
  submitted: boolean
  valid: boolean
  data: Record<string, unknown>
  errors: Record<string, string[]>
  formErrors: string[]
  shown: Record<string, string | readonly string[] | boolean>
  csrfExpired: boolean
}

export class FormState implements RenderState {
  readonly definition: FormDefinition
  readonly classes: ClassNames
  readonly csrfFieldName: string
  readonly submitted: boolean
  readonly valid: boolean
  readonly data: Record<string, unknown>
  readonly errors: Record<string, string[]>
  readonly formErrors: string[]
  readonly shown: Record<string, string | readonly string[] | boolean>
  readonly csrfExpired: boolean
  #issueToken: (() => string) | undefined
  #token: string | undefined
  #nextFile: (() => Promise<FileHandle | undefined>) | undefined

  constructor (init: FormStateInit) {
    this.definition = init.definition
    this.classes = init.classes
    this.csrfFieldName = init.csrfFieldName
    this.submitted = init.submitted
    this.valid = init.valid
    this.data = init.data
    this.errors = init.errors
    this.formErrors = init.formErrors
    this.shown = init.shown
    this.csrfExpired = init.csrfExpired
    this.#issueToken = init.issueToken
    this.#nextFile = init.nextFile
  }

  nextFile (): Promise<FileHandle | undefined> {
    return this.#nextFile ? this.#nextFile() : Promise.resolve(undefined)
  }

  get csrfToken (): string | undefined {
    return this.currentCsrfToken()
  }

  currentCsrfToken (): string | undefined {
    if (this.#token === undefined && this.#issueToken) this.#token = this.#issueToken()
    return this.#token
  }

  render (options?: RenderOptions): string {
    return renderForm(this, options)
  }

  renderField (name: string): string {
    return renderField(this, name)
  }

  renderCsrf (): string {
    return renderCsrf(this)
  }

  renderFormErrors (): string {
    return renderFormErrors(this)
  }
}

/** An unbound form (GET): initial values shown, a fresh CSRF token on first render. */
export function unboundForm (runtime: Runtime, request: FastifyRequest, definition: FormDefinition, initial: Record<string, unknown>): FormState {
  const shown: Record<string, string | readonly string[] | boolean> = {}
  for (const [name, value] of Object.entries(initial)) {
    if (!Object.hasOwn(definition.fields, name) || value === undefined) continue
    shown[name] = typeof value === 'boolean' ? value : Array.isArray(value) ? value.map(String) : String(value)
  }
  return new FormState({
    definition,
    classes: classesFor(runtime, definition),
    csrfFieldName: runtime.csrf ? runtime.csrf.fieldName : '',
    issueToken: tokenIssuer(runtime, request, definition),
    submitted: false,
    valid: false,
    data: {},
    errors: {},
    formErrors: [],
    shown,
    csrfExpired: false,
  })
}
