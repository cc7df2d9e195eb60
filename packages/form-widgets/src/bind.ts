import type { FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import { isWellFormedToken, verifyToken } from './csrf.js'
import { errors } from './errors.js'
import { MultipartFileHandle, type FileHandle } from './file-handle.js'
import { FormState } from './form-state.js'
import type { FormDefinition } from './form.js'
import { rawValues } from './coerce.js'
import type { FormLimits } from './limits.js'
import { interpolate } from './messages.js'
import { classesFor, kMultipartState, messagesFor, tokenBinding, tokenIssuer, type MultipartState, type RequestSlots, type Runtime } from './runtime.js'
import { validateForm } from './validate.js'
import { matchesAccept } from './validators.js'

export interface BindOptions {
  /** catalogue locale for this request's messages (default: the plugin's `locale`) */
  locale?: string
  /** limits for this bind, over the plugin's */
  limits?: FormLimits
}

interface ReadBody {
  raw: Record<string, string[]>
  token: string | undefined
  file: MultipartFileHandle | undefined
  nextFile?: () => Promise<FileHandle | undefined>
}

const URLENCODED = /^application\/x-www-form-urlencoded\s*(;|$)/i

/** Reads the request body for `definition`, checks CSRF, validates, and returns the bound form. */
export async function bindForm (runtime: Runtime, request: FastifyRequest, definition: FormDefinition, options: BindOptions = {}): Promise<FormState> {
  const limits = options.limits ? { ...runtime.limits, ...options.limits } : runtime.limits
  const csrf = definition.options.csrf === false ? false : runtime.csrf
  const multipart = typeof request.isMultipart === 'function' && request.isMultipart()
  if (multipart && (request as unknown as RequestSlots)[kMultipartState]) throw new errors.AlreadyBound()
  let body: ReadBody
  if (multipart) {
    body = await readMultipart(request, definition, limits, csrf ? csrf.fieldName : undefined)
  } else if (URLENCODED.test(request.headers['content-type'] ?? '')) {
    body = readUrlencoded(request.body, definition, limits, csrf ? csrf.fieldName : undefined)
  } else {
    throw new errors.UnsupportedMediaType(request.headers['content-type'] ?? '(none)')
  }

  const messages = messagesFor(runtime, options.locale)
  let csrfExpired = false
  if (csrf) {
    const binding = tokenBinding(runtime, request, false)
    if (body.token === undefined || body.token === '') throw new errors.CsrfMissing(`no "${csrf.fieldName}" field${multipart ? ' before the first file' : ''}`)
    // No CSRF cookie at all (cleared, or a session cookie lost with a browser restart) but a well-formed token:
    // nothing can be verified, so nothing is accepted, but the form re-renders like an expired one (which sets
    // a new cookie) instead of ending in a 403. A cross-site attacker gains only that re-render.
    const check = binding === undefined
      ? (isWellFormedToken(body.token) ? 'expired' : 'invalid')
      : verifyToken(csrf, body.token, binding)
    if (check === 'invalid') throw new errors.CsrfInvalid('bad signature, wrong cookie or malformed token')
    csrfExpired = check === 'expired'
  }

  const extra = definition.fileField ? { [definition.fileField]: body.file } : {}
  const outcome = await validateForm(definition, body.raw, messages, extra)
  return new FormState({
    definition,
    classes: classesFor(runtime, definition),
    csrfFieldName: csrf ? csrf.fieldName : '',
    issueToken: tokenIssuer(runtime, request, definition),
    nextFile: body.nextFile,
    submitted: true,
    valid: outcome.valid && !csrfExpired,
    data: outcome.data,
    errors: outcome.errors,
    formErrors: csrfExpired ? [interpolate(messages.csrfExpired, {})] : [],
    shown: outcome.shown,
    csrfExpired,
  })
}

/** Only the form's own names are read (with hasOwn): unknown keys, `__proto__` and `constructor` never get in. */
function readUrlencoded (body: unknown, definition: FormDefinition, limits: Required<FormLimits>, tokenField: string | undefined): ReadBody {
  const raw: Record<string, string[]> = Object.create(null)
  let token: string | undefined
  if (body === null || typeof body !== 'object') return { raw, token, file: undefined }
  const source = body as Record<string, unknown>
  let count = 0
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue
    const value = source[key]
    count += Array.isArray(value) ? value.length : 1
  }
  if (count > limits.fields) throw new errors.TooManyFields(limits.fields)
  for (const name of definition.names) {
    if (Object.hasOwn(source, name)) raw[name] = rawValues(source[name])
  }
  if (tokenField !== undefined && Object.hasOwn(source, tokenField)) token = rawValues(source[tokenField])[0]
  return { raw, token, file: undefined }
}

interface Part {
  type: 'field' | 'file'
  fieldname: string
  value?: unknown
  valueTruncated?: boolean
  filename: string
  mimetype: string
  encoding: string
  file: Readable
}

/** The multipart body being read: parts are pulled one at a time, so reading can stop at a file and resume. */
interface MultipartReader {
  readonly parts: AsyncIterator<Part>
  readonly state: MultipartState
  readonly fileField: string | undefined
  readonly maxFileSize: number
  readonly limits: Required<FormLimits>
  readonly request: FastifyRequest
  ended: boolean
}

/**
 * Pulls parts until the next file of the form's file field (or the end of the body), handing fields to
 * `onField`. The file is wrapped in a handle without reading a byte of it.
 */
async function nextFilePart (reader: MultipartReader, onField?: (name: string, value: string) => void): Promise<MultipartFileHandle | undefined> {
  if (reader.ended) return undefined
  try {
    for (;;) {
      const { value: part, done } = await reader.parts.next()
      if (done) break
      if (part.type === 'field') {
        if (part.valueTruncated) throw new errors.FieldTooLarge(part.fieldname, reader.limits.fieldSize)
        onField?.(part.fieldname, typeof part.value === 'string' ? part.value : String(part.value))
        continue
      }
      // A file input left empty still sends a part with an empty file name.
      if (part.fieldname !== reader.fileField || part.filename === '') {
        part.file.resume()
        continue
      }
      const file = new MultipartFileHandle(part, reader.maxFileSize, reader.request.raw)
      reader.state.file = file
      return file
    }
  } catch (err) {
    // @fastify/multipart reports a `__proto__`-like field name after the last part: such fields are ignored,
    // like any unknown field, and everything else has been read by then.
    if ((err as { code?: string }).code !== 'FST_PROTO_VIOLATION') {
      reader.ended = true
      throw multipartError(err, reader.limits)
    }
  }
  reader.ended = true
  return undefined
}

/**
 * Reads parts until the form's file arrives (or the body ends). Fields are collected; the file is wrapped in a
 * handle without reading a byte, so CSRF and the fields before it are checked before any upload is consumed.
 */
async function readMultipart (request: FastifyRequest, definition: FormDefinition, limits: Required<FormLimits>, tokenField: string | undefined): Promise<ReadBody> {
  const fileField = definition.fileField
  const fileFieldDef = fileField ? definition.fields[fileField] : undefined
  const maxFileSize = fileFieldDef?.validators.find((v) => v.maxFileSize !== undefined)?.maxFileSize ?? limits.fileSize
  const maxFiles = fileFieldDef?.options.maxFiles ?? limits.files
  const state: MultipartState = { file: undefined }
  ;(request as unknown as RequestSlots)[kMultipartState] = state
  // Registered before @fastify/multipart's own listener so the file stream fails with our coded error first.
  const raw = request.raw
  const aborted = () => {
    const stream = state.file?.stream
    if (!raw.readableEnded && stream && !stream.destroyed && !stream.readableEnded) stream.destroy(new errors.ClientAborted())
  }
  raw.once('error', aborted)
  raw.once('close', aborted)

  const values: Record<string, string[]> = Object.create(null)
  const known = new Set<string>(definition.names)
  let token: string | undefined
  const parts = request.parts({
    limits: { fieldSize: limits.fieldSize, fields: limits.fields, fileSize: Math.max(maxFileSize, 1), files: maxFiles, parts: limits.parts },
    throwFileSizeLimit: false,
  } as Parameters<FastifyRequest['parts']>[0]) as unknown as AsyncIterator<Part>
  const reader: MultipartReader = { parts, state, fileField, maxFileSize, limits, request, ended: false }
  const file = await nextFilePart(reader, (name, value) => {
    if (name === tokenField) token ??= value
    else if (known.has(name)) (values[name] ??= []).push(value)
  })
  const accept = fileFieldDef?.options.accept
  const nextFile = async (): Promise<FileHandle | undefined> => {
    const current = state.file
    if (current && !current.stream.destroyed && !current.stream.readableEnded) await current.discard()
    const next = await nextFilePart(reader)
    if (next && accept && !matchesAccept(accept, next.filename, next.mimetype)) {
      next.stream.destroy()
      throw new errors.FileTypeRejected(next.filename, accept.join(', '))
    }
    return next
  }
  return { raw: values, token, file, nextFile }
}

function multipartError (err: unknown, limits: Required<FormLimits>): Error {
  const error = err as Error & { code?: string, statusCode?: number }
  switch (error.code) {
    case 'FST_PARTS_LIMIT': return new errors.TooManyParts(limits.parts)
    case 'FST_FILES_LIMIT': return new errors.TooManyFiles(limits.files)
    case 'FST_FIELDS_LIMIT': return new errors.TooManyFields(limits.fields)
    case 'FST_MP_PREMATURE_CLOSE': return new errors.ClientAborted()
    default:
      if (typeof error.code === 'string' && error.code.startsWith('SHIPYARD_FORM_')) return error
      return new errors.MalformedBody(error.message)
  }
}
