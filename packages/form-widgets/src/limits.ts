/** Size and count limits for form bodies. */
export interface FormLimits {
  /** bytes of an urlencoded body (default 1 MiB; applied when the plugin registers @fastify/formbody) */
  bodySize?: number
  /** values of non-file fields in one body (default 1000) */
  fields?: number
  /** bytes of one multipart field value (default 100 KiB) */
  fieldSize?: number
  /** bytes of one file unless its field sets `maxSize` (default 10 MiB) */
  fileSize?: number
  /** parts of a multipart body, fields and files together (default 1000) */
  parts?: number
  /** file parts of a multipart body (default 1) */
  files?: number
}

export const defaultLimits: Required<FormLimits> = {
  bodySize: 1024 * 1024,
  fields: 1000,
  fieldSize: 100 * 1024,
  fileSize: 10 * 1024 * 1024,
  parts: 1000,
  files: 1,
}

export function checkLimits (limits: FormLimits, where: string): string | undefined {
  for (const key of Object.keys(limits) as (keyof FormLimits)[]) {
    if (!(key in defaultLimits)) return `${where}.${key} is not a known limit (${Object.keys(defaultLimits).join(', ')})`
    const value = limits[key]
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) return `${where}.${key} must be a positive integer, got ${JSON.stringify(value)}`
  }
}
