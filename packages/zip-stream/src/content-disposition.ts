/** Characters RFC 5987 `attr-char` allows unescaped. */
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/

function encodeExtValue (value: string): string {
  let out = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte)
    out += byte < 0x80 && ATTR_CHAR.test(char) ? char : '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/**
 * `attachment` with a quoted ASCII fallback, plus `filename*=UTF-8''…` (RFC 6266 / 5987) when the name is not
 * plain ASCII, so old clients get a readable name and modern ones the exact one.
 */
export function contentDisposition (filename: string): string {
  // Path separators and control characters never belong in a download name.
  const clean = filename.replace(/[/\\]/g, '_').replace(/[\u0000-\u001f\u007f]/g, '') || 'download.zip' // eslint-disable-line no-control-regex
  const fallback = clean.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]/g, '_').replace(/["%]/g, '_')
  if (fallback === clean) return `attachment; filename="${clean}"`
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(clean)}`
}
