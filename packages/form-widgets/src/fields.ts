import type { Attributes } from './escape.js'
import type { FileHandle } from './file-handle.js'
import * as v from './validators.js'
import type { Validator } from './validators.js'
import type { WidgetContext } from './widgets.js'

export type FieldKind =
  | 'text' | 'email' | 'password' | 'url' | 'search' | 'tel' | 'number' | 'date' | 'textarea' | 'hidden'
  | 'checkbox' | 'radio' | 'select' | 'selectMultiple' | 'file'

/** A choice: a value, a `{ value, label }` pair or a `[value, label]` tuple. */
export type Choice = string | { readonly value: string, readonly label?: string } | readonly [string, string]

/** A widget is a plain function returning the control's HTML (escape what you interpolate with `escapeHtml`). */
export type Widget = (context: WidgetContext) => string

/** Options every field accepts. */
export interface CommonOptions {
  /** shown in the `<label>`/`<legend>` and in messages; default: the field name made readable (`first_name` → "First name") */
  label?: string
  /** help text below the control, linked by `aria-describedby` */
  help?: string
  /** `id` of the control (default `<form id prefix>-<name>`) */
  id?: string
  /** `true`: DataRequired (white space alone is empty); `'input'`: InputRequired (any non-empty input) */
  required?: boolean | 'input'
  /** extra validators, run in order after the built-in ones */
  validators?: readonly Validator[]
  /** extra attributes for the control (event handler and `style` attributes are dropped) */
  attrs?: Attributes
  /** class of the control */
  class?: string
  /** class of the field's wrapper element */
  wrapperClass?: string
  /** replace the control's HTML */
  widget?: Widget
  autocomplete?: string
  disabled?: boolean
}

export interface TextOptions extends CommonOptions {
  minLength?: number
  maxLength?: number
  /** the whole value must match (like the HTML `pattern` attribute) */
  pattern?: RegExp | string
  placeholder?: string
  /** initial value of an unbound form */
  default?: string
}

export interface TextareaOptions extends TextOptions {
  rows?: number
  cols?: number
}

export interface NumberOptions extends CommonOptions {
  /** whole numbers only (default false: decimals allowed) */
  integer?: boolean
  min?: number
  max?: number
  /** HTML `step`; default `1` for integers, `any` for decimals */
  step?: number | 'any'
  placeholder?: string
  default?: number
}

export interface DateOptions extends CommonOptions {
  /** `YYYY-MM-DD` */
  min?: string
  /** `YYYY-MM-DD` */
  max?: string
  default?: string
}

export interface CheckboxOptions extends CommonOptions {
  /** the value the box submits (default `y`) */
  value?: string
  default?: boolean
}

export interface ChoiceOptions<C extends readonly Choice[] = readonly Choice[]> extends CommonOptions {
  choices: C
  default?: ChoiceValue<C>
}

export interface SelectOptions<C extends readonly Choice[] = readonly Choice[]> extends ChoiceOptions<C> {
  /** text of a first, empty option (a placeholder); default: one for optional selects, none for required ones */
  emptyLabel?: string | false
}

export interface SelectMultipleOptions<C extends readonly Choice[] = readonly Choice[]> extends Omit<CommonOptions, 'widget'> {
  choices: C
  /** `select` (default): `<select multiple>`; `checkboxes`: a `<fieldset>` of checkboxes */
  widget?: 'select' | 'checkboxes' | Widget
  /** at least this many selections (`required: true` means at least 1) */
  min?: number
  /** at most this many selections */
  max?: number
  default?: readonly ChoiceValue<C>[]
}

export interface FileOptions extends CommonOptions {
  /** largest accepted file in bytes (default: the plugin's `limits.fileSize`) */
  maxSize?: number
  /** accepted types: MIME types, `type/*` families or `.ext` extensions */
  accept?: readonly string[]
  /** files this field takes in one request (default: the plugin's `limits.files`, 1); above 1 the input gets `multiple` and later files come from `form.nextFile()` */
  maxFiles?: number
}

/** The union of every builder's options, as stored on a field. */
export interface AnyOptions extends Omit<CommonOptions, 'widget'> {
  widget?: Widget | 'select' | 'checkboxes'
  minLength?: number
  maxLength?: number
  pattern?: RegExp | string
  placeholder?: string
  rows?: number
  cols?: number
  integer?: boolean
  step?: number | 'any'
  min?: number | string
  max?: number | string
  value?: string
  maxSize?: number
  accept?: readonly string[]
  maxFiles?: number
  choices?: readonly Choice[]
  emptyLabel?: string | false
  default?: unknown
}

/**
 * A field definition. `T` is the bound value's type, `P` whether it is always present in `data`
 * (required fields, checkboxes and multiple selections) — both phantom, for inference only.
 */
export interface Field<T = unknown, P extends boolean = boolean> {
  readonly kind: FieldKind
  readonly options: Readonly<AnyOptions>
  /** `data` (DataRequired), `input` (InputRequired) or false */
  readonly required: 'data' | 'input' | false
  /** built-in validators from the options, then the `validators` option */
  readonly validators: readonly Validator[]
  readonly choices: readonly NormalisedChoice[] | undefined
  readonly '~value'?: T
  readonly '~present'?: P
}

export interface NormalisedChoice {
  readonly value: string
  readonly label: string
}

export type ChoiceValue<C extends readonly Choice[]> = ValueOfChoice<C[number]>
type ValueOfChoice<X> = X extends string ? X : X extends readonly [infer V, string] ? V : X extends { readonly value: infer V } ? V : never

type HasRequiredValidator<O> = O extends { validators: readonly (infer V)[] }
  ? (Extract<V, Validator<'required'> | Validator<'inputRequired'>> extends never ? false : true)
  : false
/** Whether the options make a field required (type level). */
export type IsRequired<O> = O extends { required: true | 'input' } ? true : HasRequiredValidator<O>

/** The value type of a field. */
export type FieldValue<F> = F extends Field<infer T, boolean> ? T : never

function labelFromName (name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** The label of a field: its `label` option or its readable name. */
export function fieldLabel (name: string, field: Field): string {
  return field.options.label ?? labelFromName(name)
}

function normaliseChoices (choices: readonly Choice[]): NormalisedChoice[] {
  return choices.map((choice) => {
    if (typeof choice === 'string') return { value: choice, label: choice }
    if (Array.isArray(choice)) return { value: String(choice[0]), label: String(choice[1]) }
    const pair = choice as { value: string, label?: string }
    return { value: String(pair.value), label: pair.label ?? String(pair.value) }
  })
}

function makeField (kind: FieldKind, given: object): Field<any, any> {
  const options = given as AnyOptions
  const builtIn: Validator[] = []
  const extra = options.validators ?? []
  let requiredMode: 'data' | 'input' | false = options.required === 'input' ? 'input' : options.required ? 'data' : false
  for (const validator of extra) {
    if (validator.kind === 'required') requiredMode = 'data'
    if (validator.kind === 'inputRequired') requiredMode = 'input'
  }
  if (kind === 'selectMultiple') {
    // A required group means "at least one": no `required` on each box (WTForms#715).
    const min = options.min !== undefined ? Number(options.min) : requiredMode ? 1 : undefined
    if (min !== undefined) builtIn.push(v.atLeast(min))
    if (options.max !== undefined) builtIn.push(v.atMost(Number(options.max)))
  } else {
    if (options.minLength !== undefined || options.maxLength !== undefined) builtIn.push(v.length({ min: options.minLength, max: options.maxLength }))
    if (options.pattern !== undefined) builtIn.push(v.regexp(options.pattern))
    if ((kind === 'number' || kind === 'date') && (options.min !== undefined || options.max !== undefined)) {
      builtIn.push(v.range({ min: options.min, max: options.max }))
    }
    if (kind === 'email') builtIn.push(v.email())
    if (kind === 'url') builtIn.push(v.url())
    if (kind === 'file' && options.maxSize !== undefined) builtIn.push(v.fileSize(options.maxSize))
    if (kind === 'file' && options.accept !== undefined) builtIn.push(v.fileType(options.accept))
  }
  const validators = [...builtIn, ...extra.filter((x) => x.kind !== 'required' && x.kind !== 'inputRequired' && x.kind !== 'optional')]
  return {
    kind,
    options,
    required: requiredMode,
    validators,
    choices: options.choices ? normaliseChoices(options.choices) : undefined,
  }
}

type Opt<T, O> = Field<T, IsRequired<O>>

/** Field builders. Each returns a `Field` whose value type and presence are inferred from the options. */
export const fields = {
  text: <const O extends TextOptions>(options?: O): Opt<string, O> => makeField('text', options ?? {}),
  email: <const O extends TextOptions>(options?: O): Opt<string, O> => makeField('email', options ?? {}),
  /** never re-rendered with the submitted value */
  password: <const O extends TextOptions>(options?: O): Opt<string, O> => makeField('password', options ?? {}),
  /** http(s) URLs only unless you add your own `validators.url({ schemes })` */
  url: <const O extends TextOptions>(options?: O): Opt<string, O> => makeField('url', options ?? {}),
  search: <const O extends TextOptions>(options?: O): Opt<string, O> => makeField('search', options ?? {}),
  tel: <const O extends TextOptions>(options?: O): Opt<string, O> => makeField('tel', options ?? {}),
  textarea: <const O extends TextareaOptions>(options?: O): Opt<string, O> => makeField('textarea', options ?? {}),
  hidden: <const O extends TextOptions>(options?: O): Opt<string, O> => makeField('hidden', options ?? {}),
  /** parsed strictly: `12abc`, `NaN`, `Infinity` are errors, never NaN */
  number: <const O extends NumberOptions>(options?: O): Opt<number, O> => makeField('number', options ?? {}),
  /** a calendar date as the `YYYY-MM-DD` string the browser sends */
  date: <const O extends DateOptions>(options?: O): Opt<string, O> => makeField('date', options ?? {}),
  /** a single checkbox: `true` when ticked, `false` when absent; `required` means it must be ticked */
  checkbox: <const O extends CheckboxOptions>(options?: O): Field<boolean, true> => makeField('checkbox', options ?? {}),
  radio: <const C extends readonly Choice[], const O extends Omit<ChoiceOptions<C>, 'choices'>>(options: O & { choices: C }): Opt<ChoiceValue<C>, O> =>
    makeField('radio', options),
  select: <const C extends readonly Choice[], const O extends Omit<SelectOptions<C>, 'choices'>>(options: O & { choices: C }): Opt<ChoiceValue<C>, O> =>
    makeField('select', options),
  /** always an array (empty when nothing is picked); `widget: 'checkboxes'` renders a checkbox group */
  selectMultiple: <const C extends readonly Choice[], const O extends Omit<SelectMultipleOptions<C>, 'choices'>>(options: O & { choices: C }): Field<ChoiceValue<C>[], true> =>
    makeField('selectMultiple', options),
  /** multipart only: a handle on the live file stream (see FileHandle); must be the form's last field */
  file: <const O extends FileOptions>(options?: O): Opt<FileHandle, O> => makeField('file', options ?? {}),
}
