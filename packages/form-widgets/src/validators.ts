import type { Attributes } from './escape.js'
import type { Messages } from './messages.js'

/** What a validator sees besides the value. */
export interface ValidationContext {
  /** name of the field being validated */
  readonly name: string
  /** its label, already in the form's language */
  readonly label: string
  /** coerced values of the form's other fields (files excluded) */
  readonly data: Readonly<Record<string, unknown>>
  /** a message from the active catalogue with `{label}` and the given params filled in */
  message (key: keyof Messages, params?: Record<string, string | number>): string
  /** the label of another field of the same form */
  labelOf (name: string): string
}

/** A validation result: an error message, or nothing when the value is fine. */
export type ValidationResult = string | undefined | void

/**
 * A validator: a check plus the HTML constraint attributes it implies. `kind` is informative for most validators;
 * `required`, `inputRequired` and `optional` are recognised by the binder (and by the type inference).
 */
export interface Validator<K extends string = string> {
  readonly kind: K
  /** attributes added to the control so the browser enforces the same rule */
  readonly attributes?: Attributes
  /** JSON Schema keywords for the urlencoded body (see `formSchema`) */
  readonly schema?: Record<string, unknown>
  /** run even when the field was left empty (atLeast on a checkbox group does) */
  readonly runWhenEmpty?: boolean
  /** for file fields: the size limit enforced while the file streams */
  readonly maxFileSize?: number
  /** for file fields: accepted types (MIME types, `type/*` or `.ext`) */
  readonly acceptTypes?: readonly string[]
  check? (value: any, context: ValidationContext): ValidationResult | Promise<ValidationResult>
}

/** WTForms' DataRequired: the value must contain something other than white space. */
export function required (): Validator<'required'> {
  return { kind: 'required', attributes: { required: true } }
}

/** WTForms' InputRequired: the browser must have sent a non-empty value; white space counts as input. */
export function inputRequired (): Validator<'inputRequired'> {
  return { kind: 'inputRequired', attributes: { required: true } }
}

/** Explicitly optional: an empty value skips the other validators (the default for fields not required). */
export function optional (): Validator<'optional'> {
  return { kind: 'optional' }
}

/** String length in UTF-16 code units, as the browser's `minlength`/`maxlength` count. */
export function length ({ min, max }: { min?: number, max?: number }): Validator<'length'> {
  return {
    kind: 'length',
    attributes: { minlength: min, maxlength: max },
    schema: { minLength: min, maxLength: max },
    check (value: string, ctx) {
      if (min !== undefined && value.length < min) return ctx.message('minLength', { min })
      if (max !== undefined && value.length > max) return ctx.message('maxLength', { max })
    },
  }
}

/** Inclusive range for numbers (and ISO dates, compared as `YYYY-MM-DD` strings). */
export function range ({ min, max }: { min?: number | string, max?: number | string }): Validator<'range'> {
  const numeric = typeof min === 'number' || typeof max === 'number'
  return {
    kind: 'range',
    attributes: { min, max },
    schema: numeric ? { minimum: min, maximum: max } : {},
    check (value: number | string, ctx) {
      if (min !== undefined && value < min) return ctx.message('min', { min })
      if (max !== undefined && value > max) return ctx.message('max', { max })
    },
  }
}

/** The whole value must match, like the HTML `pattern` attribute (which is emitted when the flags allow). */
export function regexp (pattern: RegExp | string, message?: string): Validator<'regexp'> {
  const source = typeof pattern === 'string' ? pattern : pattern.source
  const flags = typeof pattern === 'string' ? 'u' : pattern.flags.replace(/[gy]/g, '')
  const anchored = new RegExp(`^(?:${source})$`, flags)
  // The browser compiles `pattern` with the `v` flag and no others; other flags would change its meaning.
  const browserSafe = flags === '' || flags === 'u' || flags === 'v'
  return {
    kind: 'regexp',
    attributes: browserSafe ? { pattern: source } : {},
    schema: { pattern: anchored.source },
    check (value: string, ctx) {
      if (!anchored.test(value)) return message ?? ctx.message('pattern')
    },
  }
}

/** The WHATWG "valid email address" rule, the one `<input type=email>` applies. */
export const EMAIL_PATTERN = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/

export function email (): Validator<'email'> {
  return {
    kind: 'email',
    schema: { pattern: EMAIL_PATTERN.source },
    check (value: string, ctx) {
      if (!EMAIL_PATTERN.test(value)) return ctx.message('invalidEmail')
    },
  }
}

/** An absolute URL with one of the allowed schemes (http and https by default: never `javascript:`). */
export function url ({ schemes = ['http', 'https'] }: { schemes?: readonly string[] } = {}): Validator<'url'> {
  const allowed = new Set(schemes.map((s) => `${s.toLowerCase()}:`))
  return {
    kind: 'url',
    schema: { pattern: `^(?:${schemes.map(escapeRegExp).join('|')}):` },
    check (value: string, ctx) {
      let parsed: URL
      try {
        parsed = new URL(value)
      } catch {
        return ctx.message('invalidUrl')
      }
      if (!allowed.has(parsed.protocol) || !value.toLowerCase().startsWith(parsed.protocol)) return ctx.message('invalidUrl')
    },
  }
}

/** The value (or every selected value) must be one of these. */
export function anyOf (values: readonly (string | number)[], message?: string): Validator<'anyOf'> {
  const set = new Set(values.map(String))
  return {
    kind: 'anyOf',
    schema: { enum: values.map(String) },
    check (value: unknown, ctx) {
      const list = Array.isArray(value) ? value : [value]
      if (list.some((v) => !set.has(String(v)))) return message ?? ctx.message('anyOf')
    },
  }
}

/** The value (or any selected value) must not be one of these. */
export function noneOf (values: readonly (string | number)[], message?: string): Validator<'noneOf'> {
  const set = new Set(values.map(String))
  return {
    kind: 'noneOf',
    schema: { not: { enum: values.map(String) } },
    check (value: unknown, ctx) {
      const list = Array.isArray(value) ? value : [value]
      if (list.some((v) => set.has(String(v)))) return message ?? ctx.message('noneOf')
    },
  }
}

/** Equal to another field of the form (password confirmation). */
export function equalTo (other: string, message?: string): Validator<'equalTo'> {
  return {
    kind: 'equalTo',
    check (value: unknown, ctx) {
      if (value !== ctx.data[other]) return message ?? ctx.message('equalTo', { other: ctx.labelOf(other) })
    },
  }
}

/**
 * At least `min` selections of a multiple field. A "required" checkbox group means `atLeast(1)`; no box gets a
 * `required` attribute, which would force the user to tick every one (WTForms#715).
 */
export function atLeast (min: number): Validator<'atLeast'> {
  return {
    kind: 'atLeast',
    runWhenEmpty: true,
    schema: { minItems: min },
    check (value: unknown[], ctx) {
      if (value.length < min) return ctx.message(min === 1 ? 'required' : 'atLeast', { min })
    },
  }
}

export function atMost (max: number): Validator<'atMost'> {
  return {
    kind: 'atMost',
    schema: { maxItems: max },
    check (value: unknown[], ctx) {
      if (value.length > max) return ctx.message('atMost', { max })
    },
  }
}

/**
 * Maximum size of a file field in bytes. It cannot be checked after the fact without buffering, so it becomes
 * the parser's limit for that file: crossing it destroys the file stream with `SHIPYARD_FORM_FILE_TOO_LARGE` (413).
 */
export function fileSize (max: number): Validator<'fileSize'> {
  return { kind: 'fileSize', maxFileSize: max, attributes: { 'data-max-size': max }, check: undefined }
}

/** Accepted file types: MIME types (`image/png`), families (`image/*`) or extensions (`.pdf`). */
export function fileType (types: readonly string[]): Validator<'fileType'> {
  const lowered = types.map((t) => t.toLowerCase())
  return {
    kind: 'fileType',
    acceptTypes: lowered,
    attributes: { accept: lowered.join(',') },
    check (value: { filename: string, mimetype: string }, ctx) {
      if (!matchesAccept(lowered, value.filename, value.mimetype)) return ctx.message('fileType', { types: lowered.join(', ') })
    },
  }
}

/** A custom check: return an error message, or nothing when the value is fine; may be async. */
export function custom<T = any> (
  check: (value: T, context: ValidationContext) => ValidationResult | Promise<ValidationResult>,
  { runWhenEmpty = false, attributes }: { runWhenEmpty?: boolean, attributes?: Attributes } = {}
): Validator<'custom'> {
  return { kind: 'custom', runWhenEmpty, attributes, check }
}

export function matchesAccept (accept: readonly string[], filename: string, mimetype: string): boolean {
  const type = mimetype.toLowerCase()
  const name = filename.toLowerCase()
  return accept.some((entry) => {
    if (entry.startsWith('.')) return name.endsWith(entry)
    if (entry.endsWith('/*')) return type.startsWith(entry.slice(0, -1))
    return type === entry
  })
}

function escapeRegExp (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
