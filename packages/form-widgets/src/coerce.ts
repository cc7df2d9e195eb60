import type { Field } from './fields.js'
import type { Messages } from './messages.js'

/** The outcome of coercing what the browser sent for one field. */
export interface Coerced {
  /** typed value; undefined when empty (multiple fields: [], checkboxes: false) */
  value: unknown
  empty: boolean
  /** a coercion error (not a number, unknown choice …) */
  error?: keyof Messages
  /** what to show again when re-rendering */
  shown: string | readonly string[] | boolean
}

const INTEGER = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const CHECKBOX_OFF = new Set(['', '0', 'false', 'off', 'no'])

function isChoice (choices: readonly { value: string }[], value: string): boolean {
  for (const choice of choices) if (choice.value === value) return true
  return false
}

/** Raw body values of one field as strings; anything else a body parser or schema produced is stringified. */
export function rawValues (input: unknown): string[] {
  if (input === undefined || input === null) return []
  if (Array.isArray(input)) {
    const out: string[] = []
    for (const x of input) if (x !== undefined && x !== null && typeof x !== 'object') out.push(String(x))
    return out
  }
  return typeof input === 'object' ? [] : [String(input)]
}

function isCalendarDate (text: string): boolean {
  const match = ISO_DATE.exec(text)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/**
 * Coercion is fixed by the field type: the first value counts for single fields, every value for multiple ones;
 * an absent checkbox is false; numbers parse strictly; values outside the choices are errors.
 */
export function coerce (field: Field, raw: readonly string[]): Coerced {
  switch (field.kind) {
    case 'checkbox': {
      const on = raw.length > 0 && !CHECKBOX_OFF.has(raw[0]!.trim().toLowerCase())
      return { value: on, empty: !on, shown: on }
    }
    case 'selectMultiple': {
      const picked: string[] = []
      for (const value of raw) if (!picked.includes(value)) picked.push(value)
      const allowed = field.choices!
      let unknown = false
      for (const value of picked) if (!isChoice(allowed, value)) unknown = true
      return { value: picked, empty: picked.length === 0, error: unknown ? 'invalidChoice' : undefined, shown: picked }
    }
    default:
      break
  }
  const first = raw[0]
  const shown = first ?? ''
  if (first === undefined || first === '') return { value: undefined, empty: true, shown }
  // InputRequired keeps white space as input; everywhere else white space alone is empty.
  if (first.trim() === '' && field.required !== 'input') return { value: undefined, empty: true, shown }
  switch (field.kind) {
    case 'number': {
      const text = first.trim()
      const integer = field.options.integer === true
      if (integer ? !INTEGER.test(text) : !DECIMAL.test(text)) return { value: undefined, empty: false, error: integer && DECIMAL.test(text) ? 'notAnInteger' : 'notANumber', shown }
      const value = Number(text)
      if (!Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) return { value: undefined, empty: false, error: 'notANumber', shown }
      return { value, empty: false, shown }
    }
    case 'date': {
      const text = first.trim()
      return isCalendarDate(text) ? { value: text, empty: false, shown } : { value: undefined, empty: false, error: 'invalidDate', shown }
    }
    case 'radio':
    case 'select':
      return isChoice(field.choices!, first)
        ? { value: first, empty: false, shown }
        : { value: undefined, empty: false, error: 'invalidChoice', shown }
    case 'email':
      return { value: first.trim(), empty: false, shown }
    default:
      return { value: first, empty: false, shown }
  }
}
