import { classNames, escapeHtml, renderAttributes, type Attributes } from './escape.js'
import { fieldLabel, type Field, type FieldKind } from './fields.js'
import type { FormDefinition } from './form.js'
import type { ClassNames, WidgetContext } from './widgets.js'

/** What the renderer needs from a form's state. */
export interface RenderState {
  readonly definition: FormDefinition
  readonly classes: ClassNames
  readonly errors: Readonly<Record<string, readonly string[]>>
  readonly formErrors: readonly string[]
  readonly shown: Readonly<Record<string, string | readonly string[] | boolean>>
  readonly csrfFieldName: string
  /** the token to render (created on first use) */
  currentCsrfToken (): string | undefined
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

type Shown = string | readonly string[] | boolean | undefined

/**
 * Everything about a field's markup that does not depend on the submitted values, built once per form and
 * class set. A field is either valid or invalid, so each tag is prepared in both variants; rendering is then
 * string concatenation plus escaping of the values.
 */
interface FieldPlan {
  readonly field: Field
  readonly name: string
  readonly id: string
  readonly label: string
  /** attribute objects (for custom widgets) in the valid and the invalid variant */
  readonly attributes: readonly [Attributes, Attributes]
  readonly wrapperOpen: readonly [string, string]
  readonly labelHtml: string
  readonly helpHtml: string
  readonly errorOpen: string
  /** the control's tag up to where the value goes, per variant */
  readonly controlOpen: readonly [string, string]
  /** choice lists: per choice, the input tag up to `checked`, per variant; and what follows `checked` */
  readonly choiceOpen: readonly (readonly [string, string])[]
  readonly choiceClose: readonly string[]
  readonly choiceLabels: readonly string[]
  /** select: per choice the option, unselected and selected */
  readonly options: readonly (readonly [string, string])[]
  readonly emptyOption: string
  readonly grouped: boolean
  readonly custom: ((context: WidgetContext) => string) | undefined
}

interface FormPlan {
  readonly fields: Map<string, FieldPlan>
  readonly formErrorsOpen: string
  readonly submitClass: string
  readonly formClass: string
}

const plans = new WeakMap<FormDefinition, WeakMap<ClassNames, FormPlan>>()

const INPUT_TYPES: Partial<Record<FieldKind, string>> = {
  text: 'text', email: 'email', password: 'password', url: 'url', search: 'search', tel: 'tel', number: 'number', date: 'date', hidden: 'hidden', file: 'file',
}

function planFor (definition: FormDefinition, classes: ClassNames): FormPlan {
  let byClasses = plans.get(definition)
  if (!byClasses) plans.set(definition, (byClasses = new WeakMap()))
  let plan = byClasses.get(classes)
  if (!plan) {
    const fields = new Map<string, FieldPlan>()
    for (const name of definition.names) fields.set(name, planField(definition, classes, name))
    plan = { fields, formErrorsOpen: `<div class="${escapeHtml(classes.formErrors)}" role="alert">`, submitClass: escapeHtml(classes.submit), formClass: classes.form }
    byClasses.set(classes, plan)
  }
  return plan
}

function controlAttributes (definition: FormDefinition, classes: ClassNames, name: string, field: Field, id: string, invalid: boolean): Attributes {
  const helpId = field.options.help ? `${id}-help` : undefined
  const errorId = invalid ? `${id}-error` : undefined
  const describedBy = [helpId, errorId].filter(Boolean).join(' ') || undefined
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
  if (field.kind === 'file') {
    attributes.accept = field.options.accept?.join(',')
    attributes.multiple = (field.options.maxFiles ?? 1) > 1
  }
  for (const validator of field.validators) Object.assign(attributes, validator.attributes)
  // A hidden input has no label or error beside it (its errors go to the form-level region) and ignores `required`.
  const visible = field.kind !== 'hidden'
  if (visible && field.required && field.kind !== 'selectMultiple') attributes.required = true
  attributes['aria-invalid'] = visible && invalid ? 'true' : undefined
  attributes['aria-describedby'] = visible ? describedBy : undefined
  Object.assign(attributes, field.options.attrs)
  return attributes
}

function planField (definition: FormDefinition, classes: ClassNames, name: string): FieldPlan {
  const field = definition.fields[name]!
  const id = field.options.id ?? `${definition.options.id ?? 'form'}-${name}`
  const label = fieldLabel(name, field)
  const attributes = [false, true].map((invalid) => controlAttributes(definition, classes, name, field, id, invalid)) as unknown as [Attributes, Attributes]
  const grouped = field.kind === 'radio' || (field.kind === 'selectMultiple' && field.options.widget === 'checkboxes')
  const choices = field.choices ?? []
  const wrapperOpen = [false, true].map((invalid) => {
    const wrapperClass = escapeHtml(classNames(classes.field, invalid && classes.fieldInvalid, field.options.wrapperClass))
    if (!grouped) return `<div class="${wrapperClass}">`
    const describedBy = attributes[invalid ? 1 : 0]['aria-describedby']
    return `<fieldset class="${wrapperClass} ${escapeHtml(classes.fieldset)}"${renderAttributes({ id: `${id}-group`, 'aria-describedby': describedBy })}><legend class="${escapeHtml(classes.legend)}">${escapeHtml(label)}</legend>`
  }) as unknown as [string, string]

  let controlOpen: [string, string] = ['', '']
  let choiceOpen: Array<[string, string]> = []
  let choiceClose: string[] = []
  if (grouped) {
    const radio = field.kind === 'radio'
    const prefixes = attributes.map((attrs) => {
      const { id: _id, required, 'aria-describedby': _describedBy, ...shared } = attrs
      return { shared, required }
    })
    choiceOpen = choices.map((choice, index) => prefixes.map(({ shared }) =>
      `<div class="${escapeHtml(classes.choice)}"><input${renderAttributes({ type: radio ? 'radio' : 'checkbox', ...shared, id: `${id}-${index}`, value: choice.value })}`) as unknown as [string, string])
    choiceClose = choices.map((_choice, index) =>
      `${renderAttributes({ required: radio ? prefixes[0]!.required : undefined })}><label for="${escapeHtml(`${id}-${index}`)}">`)
  } else if (field.kind === 'textarea') {
    controlOpen = attributes.map((attrs) => `<textarea${renderAttributes(attrs)}>`) as unknown as [string, string]
  } else if (field.kind === 'select' || field.kind === 'selectMultiple') {
    const multiple = field.kind === 'selectMultiple'
    controlOpen = attributes.map((attrs) => `<select${renderAttributes({ ...attrs, multiple })}>`) as unknown as [string, string]
  } else if (field.kind === 'checkbox') {
    controlOpen = attributes.map((attrs) => `<input${renderAttributes({ type: 'checkbox', ...attrs, value: field.options.value ?? 'y' })}`) as unknown as [string, string]
  } else {
    controlOpen = attributes.map((attrs) => `<input${renderAttributes({ type: INPUT_TYPES[field.kind] ?? 'text', ...attrs })}`) as unknown as [string, string]
  }
  const emptyLabel = field.options.emptyLabel
  return {
    field,
    name,
    id,
    label,
    attributes,
    wrapperOpen,
    labelHtml: `<label class="${escapeHtml(classes.label)}" for="${escapeHtml(id)}">${escapeHtml(label)}</label>`,
    helpHtml: field.options.help ? `<p class="${escapeHtml(classes.help)}" id="${escapeHtml(`${id}-help`)}">${escapeHtml(field.options.help)}</p>` : '',
    errorOpen: `<p class="${escapeHtml(classes.error)}" id="${escapeHtml(`${id}-error`)}">`,
    controlOpen,
    choiceOpen,
    choiceClose,
    choiceLabels: choices.map((choice) => `${escapeHtml(choice.label)}</label></div>`),
    options: choices.map((choice) => [
      `<option${renderAttributes({ value: choice.value })}>${escapeHtml(choice.label)}</option>`,
      `<option${renderAttributes({ value: choice.value, selected: true })}>${escapeHtml(choice.label)}</option>`,
    ]),
    emptyOption: field.kind === 'select' && emptyLabel !== false ? `<option value="">${escapeHtml(emptyLabel ?? '')}</option>` : '',
    grouped,
    custom: typeof field.options.widget === 'function' ? field.options.widget : undefined,
  }
}

/** The `<input type=hidden>` carrying the CSRF token; empty when CSRF is off for this form. */
export function renderCsrf (state: RenderState): string {
  const token = state.currentCsrfToken()
  return token === undefined ? '' : `<input type="hidden" name="${escapeHtml(state.csrfFieldName)}" value="${escapeHtml(token)}">`
}

/** Form-level errors (expired token, errors of hidden fields) in an alert region; empty when there are none. */
export function renderFormErrors (state: RenderState): string {
  const messages = [...state.formErrors]
  for (const name of state.definition.names) {
    if (state.definition.fields[name]!.kind === 'hidden') messages.push(...(state.errors[name] ?? []))
  }
  if (messages.length === 0) return ''
  let out = planFor(state.definition, state.classes).formErrorsOpen
  for (const message of messages) out += `<p>${escapeHtml(message)}</p>`
  return `${out}</div>`
}

function initialString (field: Field): string {
  const initial = field.options.default
  return field.kind === 'password' || field.kind === 'file' || initial === undefined || typeof initial === 'object' ? '' : String(initial)
}

function initialList (field: Field): readonly string[] {
  const initial = field.options.default
  return Array.isArray(initial) ? initial.map(String) : []
}

function shownString (field: Field, shown: Shown): string {
  return typeof shown === 'string' && field.kind !== 'password' && field.kind !== 'file' ? shown : initialString(field)
}

function shownList (field: Field, shown: Shown): readonly string[] {
  return Array.isArray(shown) ? shown : initialList(field)
}

function valueAttribute (value: string): string {
  return value === '' ? '' : ` value="${escapeHtml(value)}"`
}

/** The control (custom widget or built-in) of a planned field. */
function renderControl (plan: FieldPlan, variant: 0 | 1, shown: Shown, classes: ClassNames): string {
  const field = plan.field
  if (plan.custom) {
    return plan.custom({
      name: plan.name,
      id: plan.id,
      kind: field.kind,
      label: plan.label,
      field,
      value: shownString(field, shown),
      values: shownList(field, shown),
      checked: typeof shown === 'boolean' ? shown : field.options.default === true,
      choices: field.choices ?? [],
      attributes: plan.attributes[variant],
      classes,
      invalid: variant === 1,
    })
  }
  switch (field.kind) {
    case 'checkbox': {
      const checked = typeof shown === 'boolean' ? shown : field.options.default === true
      return `${plan.controlOpen[variant]}${checked ? ' checked' : ''}>`
    }
    case 'textarea':
      return `${plan.controlOpen[variant]}${escapeHtml(shownString(field, shown))}</textarea>`
    case 'select':
    case 'selectMultiple': {
      const single = field.kind === 'select' ? shownString(field, shown) : undefined
      const list = single === undefined ? shownList(field, shown) : undefined
      const choices = field.choices!
      let out = plan.controlOpen[variant] + plan.emptyOption
      for (let i = 0; i < choices.length; i++) {
        const value = choices[i]!.value
        out += plan.options[i]![(single !== undefined ? single === value : list!.includes(value)) ? 1 : 0]
      }
      return `${out}</select>`
    }
    case 'password':
    case 'file':
      return `${plan.controlOpen[variant]}>`
    default:
      return `${plan.controlOpen[variant]}${valueAttribute(shownString(field, shown))}>`
  }
}

/** Radio buttons or a checkbox group: one labelled input per choice; `required` never on a checkbox group's boxes. */
function renderChoices (plan: FieldPlan, variant: 0 | 1, shown: Shown): string {
  const field = plan.field
  const radio = field.kind === 'radio'
  const single = radio ? shownString(field, shown) : undefined
  const list = radio ? undefined : shownList(field, shown)
  const choices = field.choices!
  let out = ''
  for (let i = 0; i < choices.length; i++) {
    const value = choices[i]!.value
    const checked = single !== undefined ? single === value : list!.includes(value)
    out += `${plan.choiceOpen[i]![variant]}${checked ? ' checked' : ''}${plan.choiceClose[i]}${plan.choiceLabels[i]}`
  }
  return out
}

function renderPlannedField (state: RenderState, plan: FieldPlan): string {
  const fieldErrors = state.errors[plan.name]
  const variant: 0 | 1 = fieldErrors !== undefined && fieldErrors.length > 0 ? 1 : 0
  const shown = state.shown[plan.name]
  const field = plan.field
  if (field.kind === 'hidden') return renderControl(plan, variant, shown, state.classes)
  let errorHtml = ''
  if (variant === 1) {
    errorHtml = plan.errorOpen
    for (let i = 0; i < fieldErrors!.length; i++) errorHtml += `${i > 0 ? ' ' : ''}<span>${escapeHtml(fieldErrors![i])}</span>`
    errorHtml += '</p>'
  }
  if (plan.grouped) {
    const control = plan.custom ? renderControl(plan, variant, shown, state.classes) : renderChoices(plan, variant, shown)
    return `${plan.wrapperOpen[variant]}${control}${plan.helpHtml}${errorHtml}</fieldset>`
  }
  const control = renderControl(plan, variant, shown, state.classes)
  const body = field.kind === 'checkbox' ? control + plan.labelHtml : plan.labelHtml + control
  return `${plan.wrapperOpen[variant]}${body}${plan.helpHtml}${errorHtml}</div>`
}

/** One field: label (or legend), control, help and errors, wired with `for`, `aria-describedby` and `aria-invalid`. */
export function renderField (state: RenderState, name: string): string {
  const plan = planFor(state.definition, state.classes).fields.get(name)
  if (!plan) throw new TypeError(`unknown field ${JSON.stringify(name)}`)
  return renderPlannedField(state, plan)
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
  const plan = planFor(definition, state.classes)
  const formAttributes = renderAttributes({
    id: definition.options.id ?? 'form',
    class: plan.formClass,
    method: options.method ?? 'post',
    action: safeAction(options.action ?? definition.options.action),
    enctype: definition.multipart ? 'multipart/form-data' : undefined,
    novalidate: options.noValidate,
    ...options.attrs,
  })
  let out = `<form${formAttributes}>${renderCsrf(state)}${renderFormErrors(state)}`
  for (const fieldPlan of plan.fields.values()) out += renderPlannedField(state, fieldPlan)
  const submit = options.submitLabel ?? definition.options.submitLabel ?? 'Submit'
  return `${out}<button type="submit" class="${plan.submitClass}">${escapeHtml(submit)}</button></form>`
}
