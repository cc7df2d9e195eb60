import { coerce, type Coerced } from './coerce.js'
import { fieldLabel, type Field } from './fields.js'
import type { FormDefinition } from './form.js'
import { interpolate, type Messages } from './messages.js'
import type { ValidationContext } from './validators.js'

export interface ValidationOutcome {
  data: Record<string, unknown>
  errors: Record<string, string[]>
  shown: Record<string, string | readonly string[] | boolean>
  valid: boolean
}

/** Raw values per field name, read only for the form's own fields (unknown keys never get here). */
export type RawValues = Record<string, readonly string[]>

const NO_PARAMS: Record<string, string | number> = {}

/** One per validated field; methods on the prototype, so validating allocates no closures. */
class FieldContext implements ValidationContext {
  readonly name: string
  readonly label: string
  readonly data: Readonly<Record<string, unknown>>
  readonly #definition: FormDefinition
  readonly #messages: Messages

  constructor (definition: FormDefinition, messages: Messages, data: Record<string, unknown>, name: string, label: string) {
    this.name = name
    this.label = label
    this.data = data
    this.#definition = definition
    this.#messages = messages
  }

  message (key: keyof Messages, params?: Record<string, string | number>): string {
    return interpolate(this.#messages[key], params ?? NO_PARAMS, this.label)
  }

  labelOf (other: string): string {
    const field = this.#definition.fields[other]
    return field ? fieldLabel(other, field) : other
  }
}

function isEmptyForRequired (field: Field, raw: readonly string[], empty: boolean): boolean {
  if (field.required === 'input') return raw.length === 0 || raw[0] === ''
  return empty
}

/**
 * Coerces every field, then runs required/optional and the validators in order (all of a field's errors are
 * collected, as WTForms does). `extra` carries values bound elsewhere (the file handle).
 */
export async function validateForm (definition: FormDefinition, raw: RawValues, messages: Messages, extra: Record<string, unknown> = {}): Promise<ValidationOutcome> {
  const data: Record<string, unknown> = {}
  const errors: Record<string, string[]> = {}
  const shown: Record<string, string | readonly string[] | boolean> = {}
  const coerced: Record<string, Coerced> = {}
  for (const name of definition.names) {
    const field = definition.fields[name]!
    if (field.kind === 'file') continue
    const result = coerce(field, raw[name] ?? [])
    coerced[name] = result
    shown[name] = result.shown
    if (result.value !== undefined && !result.error) data[name] = result.value
  }
  for (const name of Object.keys(extra)) if (extra[name] !== undefined) data[name] = extra[name]

  let valid = true
  for (const name of definition.names) {
    const field = definition.fields[name]!
    const label = fieldLabel(name, field)
    const context = new FieldContext(definition, messages, data, name, label)
    const list: string[] = []
    let value: unknown
    let empty: boolean
    if (field.kind === 'file') {
      value = extra[name]
      empty = value === undefined
      if (empty && field.required) list.push(context.message('required'))
    } else {
      const result = coerced[name]!
      value = result.value
      empty = result.empty
      if (result.error) {
        list.push(context.message(result.error))
      } else if (field.required && isEmptyForRequired(field, raw[name] ?? [], empty) && field.kind !== 'selectMultiple') {
        list.push(context.message(field.kind === 'checkbox' ? 'checkboxRequired' : 'required'))
      }
    }
    if (list.length === 0) {
      for (const validator of field.validators) {
        if (!validator.check) continue
        if (empty && !validator.runWhenEmpty) continue
        let message = validator.check(value, context)
        // Only async validators pay for an await; most checks are synchronous.
        if (message instanceof Promise) message = await message
        if (typeof message === 'string' && message !== '') list.push(message)
      }
    }
    if (list.length > 0) {
      errors[name] = list
      valid = false
    }
  }
  return { data, errors, shown, valid }
}
