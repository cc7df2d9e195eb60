const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
}
const HTML_SPECIALS = /[&<>"'`]/g
const HAS_HTML_SPECIALS = /[&<>"'`]/

/** Escapes text for HTML content and for double-quoted attribute values alike. */
export function escapeHtml (value: unknown): string {
  const text = value == null ? '' : String(value)
  // Most values have nothing to escape: testing first avoids allocating a new string.
  return HAS_HTML_SPECIALS.test(text) ? text.replace(HTML_SPECIALS, (ch) => HTML_ESCAPES[ch]!) : text
}

export type AttributeValue = string | number | boolean | null | undefined
export type Attributes = Record<string, AttributeValue>

const ATTRIBUTE_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:.-]*$/
/** Attributes that could run script or break the CSP if a caller passed them through `attrs`. */
const FORBIDDEN_ATTRIBUTE = /^(on|style$|srcdoc$|formaction$)/i

/** Serialises attributes: `true` → bare attribute, `false`/null/undefined → omitted, names checked, values escaped. */
export function renderAttributes (attrs: Attributes): string {
  let out = ''
  for (const name of Object.keys(attrs)) {
    const value = attrs[name]
    if (value === false || value == null) continue
    if (!ATTRIBUTE_NAME.test(name) || FORBIDDEN_ATTRIBUTE.test(name)) continue
    out += value === true ? ` ${name}` : ` ${name}="${escapeHtml(value)}"`
  }
  return out
}

/** Joins class names, skipping empty ones. */
export function classNames (...names: Array<string | undefined | false>): string {
  let out = ''
  for (const name of names) if (name) out = out ? `${out} ${name}` : name
  return out
}
