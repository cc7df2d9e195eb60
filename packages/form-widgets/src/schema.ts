import { errors } from './errors.js'
import type { Field } from './fields.js'
import type { FormDefinition } from './form.js'
import { EMAIL_PATTERN } from './validators.js'

export interface FormSchemaOptions {
  /** name of the CSRF field to require (default `_csrf`); `false` when CSRF is off */
  csrfFieldName?: string | false
}

type Schema = Record<string, unknown>

const BLANK = '^\\s*$'
const NOT_BLANK = '\\S'
const CHECKBOX_OFF = '^\\s*(?:0|[fF][aA][lL][sS][eE]|[oO][fF][fF]|[nN][oO])?\\s*$'

function constraints (field: Field): Schema[] {
  const out: Schema[] = []
  for (const validator of field.validators) {
    if (validator.schema && Object.values(validator.schema).some((x) => x !== undefined)) out.push(JSON.parse(JSON.stringify(validator.schema)))
  }
  return out
}

function valueSchema (field: Field): Schema {
  switch (field.kind) {
    case 'checkbox':
      return field.required ? { type: 'string', not: { pattern: CHECKBOX_OFF } } : { type: 'string' }
    case 'selectMultiple':
      return { type: 'array', items: { type: 'string', enum: field.choices!.map((c) => c.value) }, ...Object.assign({}, ...constraints(field)) }
    case 'radio':
    case 'select':
      return { type: 'string', enum: field.choices!.map((c) => c.value) }
    case 'number':
      return { type: 'string', pattern: field.options.integer ? '^\\s*[+-]?\\d+\\s*$' : '^\\s*[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?\\s*$' }
    case 'date':
      return { type: 'string', format: 'date' }
    case 'email':
      // bind trims email addresses before checking them
      return { type: 'string', pattern: `^\\s*${EMAIL_PATTERN.source.slice(1, -1)}\\s*$`, allOf: constraints(field).filter((c) => !('pattern' in c && c.pattern === EMAIL_PATTERN.source)) }
    default:
      return { type: 'string', allOf: constraints(field) }
  }
}

function tidy (schema: Schema): Schema {
  if (Array.isArray(schema.allOf) && schema.allOf.length === 0) delete schema.allOf
  return schema
}

/**
 * JSON Schema of the urlencoded body a form accepts, for a route's `schema.body`. It states what the schema
 * language can: types, required fields, lengths, patterns, choices, selection counts, date format. Numeric
 * ranges, `equalTo`, custom validators and exact date ranges remain bind's job.
 */
export function formSchema (definition: FormDefinition, options: FormSchemaOptions = {}): Schema {
  if (definition.multipart) throw new errors.InvalidForm('formSchema describes urlencoded bodies; a form with a file field is multipart')
  const csrfFieldName = options.csrfFieldName ?? (definition.options.csrf === false ? false : '_csrf')
  const properties: Record<string, Schema> = {}
  const required: string[] = []
  if (csrfFieldName) {
    properties[csrfFieldName] = { type: 'string', minLength: 1 }
    required.push(csrfFieldName)
  }
  for (const name of definition.names) {
    const field = definition.fields[name]!
    const schema = tidy(valueSchema(field))
    if (field.kind === 'checkbox' || field.kind === 'selectMultiple') {
      if (field.kind === 'checkbox' && field.required) required.push(name)
      // An absent multiple field is an empty selection: required whenever at least one pick is.
      if (field.kind === 'selectMultiple' && Number((schema as { minItems?: number }).minItems ?? 0) > 0) required.push(name)
      properties[name] = schema
      continue
    }
    if (field.required === 'input') {
      required.push(name)
      properties[name] = { allOf: [{ type: 'string', minLength: 1 }, schema] }
    } else if (field.required) {
      required.push(name)
      properties[name] = { allOf: [{ type: 'string', pattern: NOT_BLANK }, schema] }
    } else {
      // An optional field may be sent empty (or blank): bind treats that as "not given".
      properties[name] = { anyOf: [{ type: 'string', pattern: BLANK }, schema] }
    }
  }
  return { type: 'object', properties, required, additionalProperties: true }
}
