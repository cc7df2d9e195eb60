import { domainToASCII } from 'node:url'

/**
 * Normalises an email address for storage and duplicate detection: trims it, lower-cases the domain and turns an
 * IDN domain into punycode (`bücher.de` → `xn--bcher-kva.de`). The local part keeps its case (RFC 5321 leaves
 * it to the receiving server). Returns undefined when the result is not a usable address.
 */
export function normaliseEmail (input: string): string | undefined {
  const trimmed = input.trim()
  const at = trimmed.lastIndexOf('@')
  if (at <= 0 || at === trimmed.length - 1) return undefined
  const local = trimmed.slice(0, at)
  if (local.length > 64 || /[\s<>()[\]\\,;:@"]/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return undefined
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(local)) return undefined
  const domain = domainToASCII(trimmed.slice(at + 1).toLowerCase())
  if (domain === '' || !domain.includes('.') || !/^[a-z0-9.-]+$/.test(domain) || domain.length > 253) return undefined
  if (domain.split('.').some((label) => label === '' || label.length > 63 || label.startsWith('-') || label.endsWith('-'))) return undefined
  const address = `${local}@${domain}`
  return address.length > 254 ? undefined : address
}
