import { classNames, escapeHtml, renderAttributes, type Attributes } from './escape.js'
import { fieldLabel, type Field } from './fields.js'
import type { FormDefinition } from './form.js'
import { checkboxWidget, choiceListWidget, inputWidget, selectWidget, textareaWidget, type ClassNames, type WidgetContext } from './widgets.js'

/** What the renderer needs from a form's state. */
export interface RenderState {
  readonly definition: FormDefinition
  readonly classes: ClassNames
  readonly errors: Readonly<Record<string, readonly string[]>>
  readonly formErrors: readonly string[]
  readonly shown: Readonly<Record<string, string | readonly string[] | boolean>>
  readonly csrfFieldName: string
  csrfToken (): string | undefined
}

export interface RenderOptions {
  /** `action` attribute (default: the form's `action` option, else none) */
  action?: string
  /** `method` attribute (default `post`) */
  method?: 'post' | 'get'
  /** submit button text (default: the form's `submitLabel`, else `Submit`) */
  submitLabel?: string
  /** add `novalidate` so only the server validates */
  noValidate?: boolean
  /** extra attributes for `<form>` */
  attrs?: Attributes
}

function controlId (state: RenderState, name: string, field: Field): string {
  return field.options.id ?? `${state.definition.options.id ?? 'form'}-${name}`
}

/** The `<input type=hidden>` carrying the CSRF token; empty when CSRF is off for this form. */
export function renderCsrf (state: RenderState): string {
  const token = state.csrfToken()
  return token === undefined ? '' : `<input type="hidden" name="${escapeHtml(state.csrfFieldName)}" value="${escapeHtml(token)}">`
}

/** Form-level errors (expired token, errors of hidden fields) in an alert region; empty when there are none. */
export function renderFormErrors (state: RenderState): string {
  const messages = [...state.formErrors]
  for (const name of state.definition.names) {
    if (state.definition.fields[name]!.kind === 'hidden') messages.push(...(state.errors[name] ?? []))
  }
  if (messages.length === 0) return ''
  return `<div class="${escapeHtml(state.classes.formErrors)}" role="alert">${messages.map((m) => `<p>${escapeHtml(m)}</p>`).join('')}</div>`
}

/** One field: label (or legend), control, help and errors, wired with `for`, `aria-describedby` and `aria-invalid`. */
export function renderField (state: RenderState, name: string): string {
  const field = state.definition.fields[name]
  if (!field) throw new TypeError(`unknown field ${JSON.stringify(name)}`)
  const classes = state.classes
  const id = controlId(state, name, field)
  const label = fieldLabel(name, field)
  const fieldErrors = state.errors[name] ?? []
  const invalid = fieldErrors.length > 0
  const helpId = field.options.help ? `${id}-help` : undefined
  const errorId = invalid ? `${id}-error` : undefined
  const describedBy = [helpId, errorId].filter(Boolean).join(' ') || undefined
  const shown = state.shown[name]

  const attributes: Attributes = {
    id,
    name,
    class: classNames(classes.control, field.options.class) || undefined,
    autocomplete: field.options.autocomplete,
    placeholder: field.options.placeholder,
    disabled: field.options.disabled,
    rows: field.options.rows,
    cols: field.options.cols,
  }
  if (field.kind === 'number') attributes.step = field.options.step ?? (field.options.integer ? 1 : 'any')
  if (field.kind === 'file') attributes.accept = field.options.accept?.join(',')
  for (const validator of field.validators) Object.assign(attributes, validator.attributes)
  // A hidden input has no label or error beside it (its errors go to the form-level region) and ignores `required`.
  const visible = field.kind !== 'hidden'
  if (visible && field.required && field.kind !== 'selectMultiple') attributes.required = true
  attributes['aria-invalid'] = visible && invalid ? 'true' : undefined
  attributes['aria-describedby'] = visible ? describedBy : undefined
  Object.assign(attributes, field.options.attrs)

  const context: WidgetContext = {
    name,
    id,
    kind: field.kind,
    label,
    field,
    value: typeof shown === 'string' && field.kind !== 'password' && field.kind !== 'file' ? shown : initialString(field),
    values: Array.isArray(shown) ? shown : initialList(field),
    checked: typeof shown === 'boolean' ? shown : field.options.default === true,
    choices: field.choices ?? [],
    attributes,
    classes,
    invalid,
  }
  const custom = typeof field.options.widget === 'function' ? field.options.widget as (c: WidgetContext) => string : undefined
  const grouped = field.kind === 'radio' || (field.kind === 'selectMultiple' && field.options.widget === 'checkboxes')

  if (field.kind === 'hidden') return custom ? custom(context) : inputWidget(context)

  const help = helpId ? `<p class="${escapeHtml(classes.help)}" id="${escapeHtml(helpId)}">${escapeHtml(field.options.help)}</p>` : ''
  const errorHtml = errorId ? `<p class="${escapeHtml(classes.error)}" id="${escapeHtml(errorId)}">${fieldErrors.map((m) => `<span>${escapeHtml(m)}</span>`).join(' ')}</p>` : ''
  const wrapperClass = escapeHtml(classNames(classes.field, invalid && classes.fieldInvalid, field.options.wrapperClass))

  if (grouped) {
    const control = custom ? custom(context) : choiceListWidget(context)
    return `<fieldset class="${wrapperClass} ${escapeHtml(classes.fieldset)}"${renderAttributes({ id: `${id}-group`, 'aria-describedby': describedBy })}>` +
      `<legend class="${escapeHtml(classes.legend)}">${escapeHtml(label)}</legend>${control}${help}${errorHtml}</fieldset>`
  }
  const labelHtml = `<label class="${escapeHtml(classes.label)}" for="${escapeHtml(id)}">${escapeHtml(label)}</label>`
  let control: string
  if (custom) control = custom(context)
  else if (field.kind === 'checkbox') control = checkboxWidget(context)
  else if (field.kind === 'textarea') control = textareaWidget(context)
  else if (field.kind === 'select' || field.kind === 'selectMultiple') control = selectWidget(context)
  else control = inputWidget(context)
  const body = field.kind === 'checkbox' ? `${control}${labelHtml}` : `${labelHtml}${control}`
  return `<div class="${wrapperClass}">${body}${help}${errorHtml}</div>`
}

function initialString (field: Field): string {
  const initial = field.options.default
  return field.kind === 'password' || field.kind === 'file' || initial === undefined || typeof initial === 'object' ? '' : String(initial)
}

function initialList (field: Field): readonly string[] {
  const initial = field.options.default
  return Array.isArray(initial) ? initial.map(String) : []
}

const SAFE_ACTION = /^(?:https?:|[^:]*$|[^:]*[/?#])/i
// Browsers drop tabs, newlines and leading control characters from URLs: `java\nscript:` is still javascript:.
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be stripped
const URL_NOISE = /[\u0000-\u0020\u007f]/g

/** An action URL that cannot run script: relative, or http(s). Anything else is left out (the form posts to itself). */
function safeAction (action: string | undefined): string | undefined {
  if (action === undefined) return undefined
  return SAFE_ACTION.test(action.replace(URL_NOISE, '')) ? action : undefined
}

/** The whole `<form>`: CSRF token first, form-level errors, every field in order, a submit button. */
export function renderForm (state: RenderState, options: RenderOptions = {}): string {
  const definition = state.definition
  const formAttributes = renderAttributes({
    id: definition.options.id ?? 'form',
    class: state.classes.form,
    method: options.method ?? 'post',
    action: safeAction(options.action ?? definition.options.action),
    enctype: definition.multipart ? 'multipart/form-data' : undefined,
    novalidate: options.noValidate,
    ...options.attrs,
  })
  let out = `<form${formAttributes}>${renderCsrf(state)}${renderFormErrors(state)}`
  for (const name of definition.names) out += renderField(state, name)
  const submit = options.submitLabel ?? definition.options.submitLabel ?? 'Submit'
  return `${out}<button type="submit" class="${escapeHtml(state.classes.submit)}">${escapeHtml(submit)}</button></form>`
}
