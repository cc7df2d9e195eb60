import { errors } from './errors.js'
import type { Field, FieldValue } from './fields.js'
import type { ClassNames } from './widgets.js'

export type Fields = Record<string, Field<any, boolean>>

type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** The typed data of a valid form: required fields, checkboxes and multiple selections are always present. */
export type FormData<F extends Fields> = Simplify<
  { -readonly [K in keyof F as F[K] extends Field<any, true> ? K : never]: FieldValue<F[K]> } &
  { -readonly [K in keyof F as F[K] extends Field<any, true> ? never : K]?: FieldValue<F[K]> }
>

/** Initial values of an unbound form. */
export type FormInitial<F extends Fields> = { [K in keyof F]?: FieldValue<F[K]> extends infer V ? (V extends { stream: unknown } ? never : V) : never }

/** Error messages per field name. */
export type FormErrors<F extends Fields> = { [K in keyof F]?: string[] }

export interface FormOptions {
  /** prefix of control ids and the `<form id>` (default `form`); keep it unique per page */
  id?: string
  /** set false for forms that need no CSRF token (a search form); default true */
  csrf?: boolean
  /** `action` of the rendered `<form>` (default: none, i.e. the current URL) */
  action?: string
  /** text of the submit button (default `Submit`) */
  submitLabel?: string
  /** class hooks for this form, merged over the plugin's */
  classes?: Partial<ClassNames>
}

export interface FormDefinition<F extends Fields = Fields> {
  readonly fields: F
  readonly options: Readonly<FormOptions>
  // Plain strings, not `keyof F`: keyof would make F invariant, and a specific form would no longer be
  // assignable to `FormDefinition` for helpers that take any form.
  readonly names: readonly string[]
  /** the name of the file field, if any (there is at most one, and it is the last field) */
  readonly fileField: string | undefined
  /** whether the form needs a multipart body (it has a file field) */
  readonly multipart: boolean
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/
const ID_PREFIX = /^[A-Za-z][A-Za-z0-9_-]*$/

/**
 * Declares a form once. Field names must be plain identifiers (`__proto__`, `constructor` and other
 * Object.prototype names are refused); a file field must be the last field, so every other field precedes the
 * file in the browser's multipart body.
 */
export function defineForm<const F extends Fields> (fields: F, options: FormOptions = {}): FormDefinition<F> {
  const names = Object.keys(fields)
  if (names.length === 0) throw new errors.InvalidForm('a form needs at least one field')
  if (options.id !== undefined && !ID_PREFIX.test(options.id)) throw new errors.InvalidForm(`"id" must match ${ID_PREFIX}, got ${JSON.stringify(options.id)}`)
  let fileField: string | undefined
  names.forEach((name, index) => {
    if (!FIELD_NAME.test(name) || name in Object.prototype) {
      throw new errors.InvalidForm(`field name ${JSON.stringify(name)} is not allowed: use letters, digits, "_", "-", "." and not an Object.prototype name`)
    }
    const field = fields[name]!
    if (field.kind === 'file') {
      if (index !== names.length - 1) throw new errors.InvalidForm(`file field "${name}" must be the last field: multipart fields after a file cannot be read before the file is consumed`)
      fileField = name
    }
    if (field.choices) {
      if (field.choices.length === 0) throw new errors.InvalidForm(`field "${name}" needs at least one choice`)
      const values = new Set(field.choices.map((c) => c.value))
      if (values.size !== field.choices.length) throw new errors.InvalidForm(`field "${name}" has duplicate choice values`)
    }
  })
  return Object.freeze({ fields, options: Object.freeze({ ...options }), names: Object.freeze(names), fileField, multipart: fileField !== undefined })
}
