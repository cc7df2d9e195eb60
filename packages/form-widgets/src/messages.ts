/** Message keys used by the built-in coercions and validators. Placeholders: `{label}` plus the ones noted. */
export interface Messages {
  required: string
  checkboxRequired: string
  notANumber: string
  notAnInteger: string
  invalidDate: string
  invalidChoice: string
  invalidEmail: string
  invalidUrl: string
  /** `{min}` */
  minLength: string
  /** `{max}` */
  maxLength: string
  /** `{min}` */
  min: string
  /** `{max}` */
  max: string
  pattern: string
  anyOf: string
  noneOf: string
  /** `{other}`: the other field's label */
  equalTo: string
  /** `{min}` */
  atLeast: string
  /** `{max}` */
  atMost: string
  /** `{types}` */
  fileType: string
  csrfExpired: string
}

export type Catalogue = Record<string, Messages>

export const en: Messages = {
  required: '{label} is required.',
  checkboxRequired: 'Please tick “{label}”.',
  notANumber: '{label} must be a number.',
  notAnInteger: '{label} must be a whole number.',
  invalidDate: '{label} must be a valid date (YYYY-MM-DD).',
  invalidChoice: '{label}: please pick one of the offered options.',
  invalidEmail: '{label} must be a valid email address.',
  invalidUrl: '{label} must be a valid http(s) URL.',
  minLength: '{label} must be at least {min} characters long.',
  maxLength: '{label} must be at most {max} characters long.',
  min: '{label} must be at least {min}.',
  max: '{label} must be at most {max}.',
  pattern: '{label} is not in the expected format.',
  anyOf: '{label} has a value that is not allowed.',
  noneOf: '{label} has a value that is not allowed.',
  equalTo: '{label} must match {other}.',
  atLeast: '{label}: pick at least {min}.',
  atMost: '{label}: pick at most {max}.',
  fileType: '{label} must be one of: {types}.',
  csrfExpired: 'This form expired. Please check your entries and submit it again.',
}

export const de: Messages = {
  required: '{label} ist ein Pflichtfeld.',
  checkboxRequired: 'Bitte „{label}“ ankreuzen.',
  notANumber: '{label} muss eine Zahl sein.',
  notAnInteger: '{label} muss eine ganze Zahl sein.',
  invalidDate: '{label} muss ein gültiges Datum sein (JJJJ-MM-TT).',
  invalidChoice: '{label}: Bitte eine der angebotenen Optionen wählen.',
  invalidEmail: '{label} muss eine gültige E-Mail-Adresse sein.',
  invalidUrl: '{label} muss eine gültige http(s)-URL sein.',
  minLength: '{label} muss mindestens {min} Zeichen lang sein.',
  maxLength: '{label} darf höchstens {max} Zeichen lang sein.',
  min: '{label} muss mindestens {min} sein.',
  max: '{label} darf höchstens {max} sein.',
  pattern: '{label} hat nicht das erwartete Format.',
  anyOf: '{label} enthält einen nicht erlaubten Wert.',
  noneOf: '{label} enthält einen nicht erlaubten Wert.',
  equalTo: '{label} muss mit {other} übereinstimmen.',
  atLeast: '{label}: Bitte mindestens {min} auswählen.',
  atMost: '{label}: Bitte höchstens {max} auswählen.',
  fileType: '{label} muss einer dieser Typen sein: {types}.',
  csrfExpired: 'Dieses Formular ist abgelaufen. Bitte Eingaben prüfen und erneut absenden.',
}

export const defaultCatalogue: Catalogue = { en, de }

/** Replaces `{name}` placeholders (`{label}` from `label`, the rest from `params`); unknown ones are left as they are. */
export function interpolate (template: string, params: Record<string, string | number>, label?: string): string {
  // A scan rather than replace() with a callback: messages are built on every invalid bind.
  let out = ''
  let from = 0
  for (;;) {
    const open = template.indexOf('{', from)
    if (open === -1) break
    const close = template.indexOf('}', open)
    if (close === -1) break
    const key = template.slice(open + 1, close)
    const value = key === 'label' && label !== undefined ? label : Object.hasOwn(params, key) ? params[key] : undefined
    if (value === undefined) {
      out += template.slice(from, open + 1)
      from = open + 1
    } else {
      out += template.slice(from, open) + String(value)
      from = close + 1
    }
  }
  return from === 0 ? template : out + template.slice(from)
}
