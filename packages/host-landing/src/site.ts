/** The typed settings of one landing site, from the sites file, the proxy headers or the default site. */
export interface SiteConfig {
  /** key the sign-ups are stored under (default: the host name) */
  id: string
  /** page title and brand name (required) */
  title: string
  /** contact address shown on the page and used as the confirmation mail's Reply-To (required) */
  contactEmail: string
  /** one line under the title */
  tagline?: string
  /** a paragraph under the tagline */
  description?: string
  /** name of a template from the `templates` option (default `default`) */
  template: string
  /** colour scheme of the default template */
  theme: 'auto' | 'light' | 'dark'
  /** BCP 47 language tag: `lang` attribute and the built-in texts (`en`, `de`, `fr`, others fall back to `en`) */
  locale: string
  /** `#rgb` or `#rrggbb`, used for the button and links */
  accentColor: string
  /** http(s) URL linked next to the consent checkbox */
  privacyPolicyUrl?: string
  /** show a consent checkbox that must be ticked */
  consentRequired: boolean
  /** consent wording; its SHA-256 is stored with each sign-up as the consent version */
  consentText?: string
  /** show the optional name field */
  collectName: boolean
}

export type SiteSettings = Partial<SiteConfig>

type Key = keyof SiteConfig

interface FieldSpec {
  /** header suffix after the prefix, e.g. `title` for `x-landing-title` */
  header: string
  parse: (value: string) => SiteConfig[Key]
}

const emailPattern = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/

function text (max: number) {
  return (value: string) => {
    const trimmed = value.trim()
    if (trimmed === '') throw new Error('must not be empty')
    if (trimmed.length > max) throw new Error(`must be at most ${max} characters`)
    return trimmed
  }
}

function boolean (value: string): boolean {
  const lowered = value.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(lowered)) return true
  if (['0', 'false', 'no', 'off'].includes(lowered)) return false
  throw new Error('must be true or false')
}

/** Field table: header suffix and parser of each setting (strings from headers, or stringified file values). */
export const siteFields: Record<Key, FieldSpec> = {
  id: {
    header: 'site',
    parse: (value) => {
      const id = value.trim().toLowerCase()
      if (!/^[a-z0-9][a-z0-9._-]{0,252}$/.test(id)) throw new Error('must be letters, digits, ".", "_" or "-" (at most 253)')
      return id
    },
  },
  title: { header: 'title', parse: text(200) },
  contactEmail: {
    header: 'email',
    parse: (value) => {
      const email = value.trim()
      if (email.length > 254 || !emailPattern.test(email)) throw new Error('must be an email address')
      return email
    },
  },
  tagline: { header: 'tagline', parse: text(300) },
  description: { header: 'description', parse: text(2000) },
  template: {
    header: 'template',
    parse: (value) => {
      const name = value.trim()
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new Error('must be a template name')
      return name
    },
  },
  theme: {
    header: 'theme',
    parse: (value) => {
      const theme = value.trim().toLowerCase()
      if (theme !== 'auto' && theme !== 'light' && theme !== 'dark') throw new Error('must be auto, light or dark')
      return theme
    },
  },
  locale: {
    header: 'locale',
    parse: (value) => {
      const locale = value.trim()
      if (!/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(locale)) throw new Error('must be a language tag such as en or pt-BR')
      return locale
    },
  },
  // The colour is written into CSS, so only plain hex colours pass.
  accentColor: {
    header: 'accent-color',
    parse: (value) => {
      const colour = value.trim().toLowerCase()
      if (!/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/.test(colour)) throw new Error('must be a hex colour such as #2563eb')
      return colour
    },
  },
  privacyPolicyUrl: {
    header: 'privacy-url',
    parse: (value) => {
      let url: URL
      try { url = new URL(value.trim()) } catch { throw new Error('must be an absolute http(s) URL') }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('must be an absolute http(s) URL')
      return url.href
    },
  },
  consentRequired: { header: 'consent-required', parse: boolean },
  consentText: { header: 'consent-text', parse: text(1000) },
  collectName: { header: 'collect-name', parse: boolean },
}

export const siteKeys = Object.keys(siteFields) as Key[]

export const requiredKeys = ['title', 'contactEmail'] as const satisfies readonly Key[]

export const siteDefaults = {
  template: 'default',
  theme: 'auto',
  locale: 'en',
  accentColor: '#2563eb',
  consentRequired: false,
  collectName: false,
} as const satisfies SiteSettings

/** Where a value came from, for error messages: a header name or a file path and key. */
export type Origin = (key: Key) => string

/**
 * Validates loose settings (file values may be numbers or booleans) into SiteSettings, throwing an Error whose
 * message names the origin of the first bad value.
 */
export function parseSettings (raw: Record<string, unknown>, origin: Origin): SiteSettings {
  const settings: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(siteFields, key)) throw new Error(`${origin(key as Key)}: unknown setting (known: ${siteKeys.join(', ')})`)
    if (value === undefined || value === null) continue
    if (typeof value !== 'string' && typeof value !== 'boolean' && typeof value !== 'number') {
      throw new Error(`${origin(key as Key)}: must be a string`)
    }
    try {
      settings[key] = siteFields[key as Key].parse(String(value))
    } catch (err) {
      throw new Error(`${origin(key as Key)}: ${(err as Error).message}`)
    }
  }
  return settings as SiteSettings
}

/** Applies defaults and checks the required settings; a missing one is named by its origin (fail closed). */
export function completeSite (settings: SiteSettings, host: string, origin: Origin): SiteConfig {
  for (const key of requiredKeys) {
    if (settings[key] === undefined) throw new Error(`missing ${origin(key)}`)
  }
  return { ...siteDefaults, id: host, ...settings } as SiteConfig
}
