import { escapeHtml, renderAttributes, type Attributes } from './escape.js'
import type { Field, FieldKind, NormalisedChoice } from './fields.js'

/** CSS class hooks; replace any of them through the plugin's or a form's `classes` option. */
export interface ClassNames {
  form: string
  field: string
  fieldInvalid: string
  label: string
  control: string
  help: string
  error: string
  fieldset: string
  legend: string
  choice: string
  formErrors: string
  submit: string
}

export const defaultClassNames: ClassNames = {
  form: 'sy-form',
  field: 'sy-field',
  fieldInvalid: 'sy-field--invalid',
  label: 'sy-label',
  control: 'sy-control',
  help: 'sy-help',
  error: 'sy-error',
  fieldset: 'sy-fieldset',
  legend: 'sy-legend',
  choice: 'sy-choice',
  formErrors: 'sy-form-errors',
  submit: 'sy-submit',
}

/** Everything a widget needs to draw one control; `attributes` already hold id, name, constraints and ARIA. */
export interface WidgetContext {
  readonly name: string
  readonly id: string
  readonly kind: FieldKind
  /** the label text (not escaped) */
  readonly label: string
  readonly field: Field
  /** the value to show (submitted or initial; always '' for passwords and files) */
  readonly value: string
  /** the selected values of a multiple field */
  readonly values: readonly string[]
  /** a single checkbox's state */
  readonly checked: boolean
  readonly choices: readonly NormalisedChoice[]
  readonly attributes: Attributes
  readonly classes: ClassNames
  readonly invalid: boolean
}

const INPUT_TYPES: Partial<Record<FieldKind, string>> = {
  text: 'text', email: 'email', password: 'password', url: 'url', search: 'search', tel: 'tel', number: 'number', date: 'date', hidden: 'hidden', file: 'file',
}

export function inputWidget (ctx: WidgetContext): string {
  const type = INPUT_TYPES[ctx.kind] ?? 'text'
  const value = type === 'password' || type === 'file' ? undefined : ctx.value
  return `<input${renderAttributes({ type, ...ctx.attributes, value: value === '' ? undefined : value })}>`
}

export function textareaWidget (ctx: WidgetContext): string {
  return `<textarea${renderAttributes(ctx.attributes)}>${escapeHtml(ctx.value)}</textarea>`
}

export function checkboxWidget (ctx: WidgetContext): string {
  return `<input${renderAttributes({ type: 'checkbox', ...ctx.attributes, value: ctx.field.options.value ?? 'y', checked: ctx.checked })}>`
}

export function selectWidget (ctx: WidgetContext): string {
  const multiple = ctx.kind === 'selectMultiple'
  const selected = multiple ? new Set(ctx.values) : new Set([ctx.value])
  let options = ''
  const emptyLabel = ctx.field.options.emptyLabel
  if (!multiple && emptyLabel !== false) options += `<option value="">${escapeHtml(emptyLabel ?? '')}</option>`
  for (const choice of ctx.choices) {
    options += `<option${renderAttributes({ value: choice.value, selected: selected.has(choice.value) })}>${escapeHtml(choice.label)}</option>`
  }
  return `<select${renderAttributes({ ...ctx.attributes, multiple })}>${options}</select>`
}

/**
 * Radio buttons or a checkbox group: one labelled input per choice. Group constraints that would be wrong on
 * each box (`required` on a checkbox group) are not copied; `aria-describedby` goes on the fieldset.
 */
export function choiceListWidget (ctx: WidgetContext): string {
  const radio = ctx.kind === 'radio'
  const selected = radio ? new Set([ctx.value]) : new Set(ctx.values)
  const { id, required, 'aria-describedby': _describedBy, ...shared } = ctx.attributes
  let out = ''
  ctx.choices.forEach((choice, index) => {
    const choiceId = `${id}-${index}`
    const attrs = { type: radio ? 'radio' : 'checkbox', ...shared, id: choiceId, value: choice.value, checked: selected.has(choice.value), required: radio ? required : undefined }
    out += `<div class="${escapeHtml(ctx.classes.choice)}"><input${renderAttributes(attrs)}><label for="${escapeHtml(choiceId)}">${escapeHtml(choice.label)}</label></div>`
  })
  return out
}
