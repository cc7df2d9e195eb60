import type { Attributes } from './escape.js'
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
