import { activeSignups, type Signup, type SignupStore } from './store/types.js'
import { signToken } from './tokens.js'

export const csvColumns = ['email', 'name', 'signed_up_at', 'confirmed_at', 'locale', 'consent_given', 'consent_text_sha256', 'user_agent', 'ip', 'ip_hashed', 'unsubscribe_token'] as const

/**
 * One RFC 4180 field. Cells a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, or a tab or
 * carriage return that some programs skip) get a leading `'`; then fields with `"`, `,`, CR or LF are quoted.
 */
export function csvCell (value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

function csvRow (cells: readonly string[]): string {
  return cells.map(csvCell).join(',') + '\r\n'
}

function cells (s: Signup, secret: string): string[] {
  return [s.email, s.name ?? '', s.createdAt.toISOString(), s.confirmedAt?.toISOString() ?? '', s.locale, s.consentGiven ? 'yes' : 'no', s.consentTextHash, s.userAgent ?? '', s.ip ?? '', s.ipHashed ? 'yes' : 'no', signToken(secret, 'unsubscribe', s.site, s.id)]
}

/**
 * The active (confirmed, not unsubscribed) sign-ups of a site as CSV text chunks, header first, CRLF line ends,
 * read from the store page by page. The last column is the token (signed with the plugin's `secret`) of the unsubscribe link
 * (`https://<host><prefix>/unsubscribe?token=…`). Feed it to `Readable.from` or write it to stdout.
 */
export async function * signupsCsv (store: SignupStore, site: string, secret: string): AsyncGenerator<string> {
  yield csvRow(csvColumns)
  let chunk = ''
  for await (const signup of activeSignups(store, site)) {
    chunk += csvRow(cells(signup, secret))
    if (chunk.length >= 16_384) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk) yield chunk
}
