import { errors } from './errors.js'
import { signersFor, type CsrfCookieOptions, type CsrfSettings } from './csrf.js'
import { checkLimits, defaultLimits, type FormLimits } from './limits.js'
import { defaultCatalogue, type Catalogue, type Messages } from './messages.js'
import type { Runtime } from './runtime.js'
import { defaultClassNames, type ClassNames } from './widgets.js'

export interface CsrfOptions {
  /** signing secret(s), at least 32 characters; with several, the first signs and all verify (rotation) */
  secret: string | readonly string[]
  /** milliseconds a token stays valid (default 24 h); an older genuine token re-renders the form */
  maxAge?: number
  /** name of the hidden field (default `_csrf`) */
  fieldName?: string
  /** bind tokens to a per-visitor cookie (default on); `false` for purely stateless tokens */
  cookie?: false | CsrfCookieOptions
}

export interface FormWidgetsOptions {
  /** CSRF settings; `false` turns CSRF off for every form (not recommended) */
  csrf: CsrfOptions | false
  /** body limits (see FormLimits) */
  limits?: FormLimits
  /** catalogue locale used when `bindForm` gets none (default `en`) */
  locale?: string
  /** extra or replacement catalogues, merged over the built-in `en` and `de` per key */
  messages?: Record<string, Partial<Messages>>
  /** class hooks for CSS frameworks, merged over the defaults (`sy-*`) */
  classes?: Partial<ClassNames>
  /** register @fastify/formbody, @fastify/multipart and @fastify/cookie when absent (default true) */
  registerParsers?: boolean
  /** milliseconds an unread multipart body may keep draining after the response before the socket is destroyed (default 5000) */
  discardTimeout?: number
}

function fail (message: string): never {
  throw new errors.InvalidOption(message)
}

function csrfSettings (csrf: CsrfOptions | false | undefined): CsrfSettings | false {
  if (csrf === false) return false
  if (csrf === undefined || csrf === null || typeof csrf !== 'object') fail('"csrf" must be { secret } or false')
  const secrets = typeof csrf.secret === 'string' ? [csrf.secret] : csrf.secret
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length < 32)) {
    fail('"csrf.secret" must be a string (or an array of strings) of at least 32 characters')
  }
  const maxAge = csrf.maxAge ?? 24 * 60 * 60 * 1000
  if (!Number.isSafeInteger(maxAge) || maxAge < 1000) fail(`"csrf.maxAge" must be an integer of at least 1000 ms, got ${JSON.stringify(csrf.maxAge)}`)
  const fieldName = csrf.fieldName ?? '_csrf'
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(fieldName)) fail(`"csrf.fieldName" must be a plain name, got ${JSON.stringify(fieldName)}`)
  let cookie: CsrfSettings['cookie'] = false
  if (csrf.cookie !== false) {
    const options = csrf.cookie ?? {}
    const name = options.name ?? 'shipyard_csrf'
    if (!/^[A-Za-z0-9_-]+$/.test(name)) fail(`"csrf.cookie.name" must be a cookie token, got ${JSON.stringify(name)}`)
    const sameSite = options.sameSite ?? 'lax'
    if (!['lax', 'strict', 'none'].includes(sameSite)) fail('"csrf.cookie.sameSite" must be lax, strict or none')
    const secure = options.secure ?? 'auto'
    if (secure !== 'auto' && typeof secure !== 'boolean') fail('"csrf.cookie.secure" must be true, false or "auto"')
    cookie = { name, path: options.path ?? '/', domain: options.domain, sameSite, secure }
  }
  return { signers: signersFor(secrets), maxAge, fieldName, cookie }
}

function catalogueFrom (overrides: Record<string, Partial<Messages>> | undefined): Catalogue {
  const catalogue: Catalogue = { ...defaultCatalogue }
  for (const [locale, messages] of Object.entries(overrides ?? {})) {
    catalogue[locale] = { ...(catalogue[locale] ?? defaultCatalogue.en!), ...messages }
  }
  return catalogue
}

/** Applies defaults and validates every option, throwing SHIPYARD_FORM_INVALID_OPTION naming the option. */
export function runtimeFrom (opts: FormWidgetsOptions): Runtime {
  const problem = checkLimits(opts.limits ?? {}, '"limits"')
  if (problem) fail(problem)
  const catalogue = catalogueFrom(opts.messages)
  const locale = opts.locale ?? 'en'
  if (!catalogue[locale]) fail(`"locale" ${JSON.stringify(locale)} has no catalogue (have ${Object.keys(catalogue).join(', ')})`)
  const discardTimeout = opts.discardTimeout ?? 5000
  if (!Number.isSafeInteger(discardTimeout) || discardTimeout < 0) fail('"discardTimeout" must be a non-negative integer of milliseconds')
  return {
    csrf: csrfSettings(opts.csrf),
    catalogue,
    locale,
    classes: { ...defaultClassNames, ...opts.classes },
    limits: { ...defaultLimits, ...opts.limits },
    discardTimeout,
    csrfCookieHeader: undefined,
  }
}
