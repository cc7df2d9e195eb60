import createError from '@fastify/error'

/** Every error the plugin raises; each code has a row in the README's Errors table. */
export const errors = {
  /** register time: an option is missing or wrong */
  InvalidOption: createError('SHIPYARD_LANDING_INVALID_OPTION', '%s', 500),
  /** register time (or reload, logged): the sites file cannot be read or fails validation */
  InvalidSitesFile: createError('SHIPYARD_LANDING_INVALID_SITES_FILE', 'sites file %s: %s', 500),
  /** no site for this Host and no default site */
  UnknownSite: createError('SHIPYARD_LANDING_UNKNOWN_SITE', 'no landing site for host %s', 404),
  /** the proxy headers and sites file leave a required setting missing or invalid: fail closed */
  SiteMisconfigured: createError('SHIPYARD_LANDING_SITE_MISCONFIGURED', 'site %s is misconfigured: %s', 500),
  /** per-IP, per-address or per-site sign-up limit reached */
  RateLimited: createError('SHIPYARD_LANDING_RATE_LIMITED', 'too many sign-ups (%s limit), retry in %s s', 429),
  /** unsubscribe or confirmation link that is malformed, forged or for another site */
  InvalidToken: createError('SHIPYARD_LANDING_INVALID_TOKEN', 'invalid or unknown link', 400),
  /** confirmation link older than the confirmation TTL (the pending sign-up is gone) */
  ExpiredToken: createError('SHIPYARD_LANDING_EXPIRED_TOKEN', 'this confirmation link has expired', 410),
  /** export/counts without the right bearer token */
  Unauthorized: createError('SHIPYARD_LANDING_UNAUTHORIZED', 'a valid export token is required', 401),
  /** export query without a valid `site` */
  InvalidExportQuery: createError('SHIPYARD_LANDING_INVALID_EXPORT_QUERY', '%s', 400),
  /** the store (SQLite/PostgreSQL) failed; nothing was acknowledged */
  StoreUnavailable: createError('SHIPYARD_LANDING_STORE_UNAVAILABLE', 'sign-ups are temporarily unavailable', 503),
}
