import { defineForm, fields, type FormView } from '@shipyard/form-widgets'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errors } from './errors.js'
import { setFlash, takeFlash } from './flash.js'
import type { S3UploadApi } from './index.js'
import type { ResolvedOptions } from './options.js'
import { clientScript, renderErrorPage, renderPage, stylesheet } from './page.js'
import { parseDirectUploadInput } from './presign.js'
import type { StoredUpload } from './store.js'

export interface RouteSettings {
  options: ResolvedOptions
  api: S3UploadApi
}

function wantsJson (request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? ''
  return /\bapplication\/json\b/.test(accept) && !/\btext\/html\b/.test(accept)
}

function answer (stored: StoredUpload): { key: string, size: number, contentType: string, etag: string, location: string | null } {
  return { key: stored.key, size: stored.size, contentType: stored.contentType, etag: stored.etag, location: stored.location }
}

/** The form page, the streaming POST, the enhancement script and stylesheet, and the direct-upload endpoints. */
export async function uploadRoutes (fastify: FastifyInstance, { options, api }: RouteSettings): Promise<void> {
  const { prefix, secret } = options
  const uploadForm = defineForm({
    file: fields.file({ label: 'File', required: true, maxSize: options.maxFileSize, attrs: { accept: options.allowedTypes.join(',') } }),
  }, { id: 'upload', submitLabel: 'Upload' })
  const presignForm = defineForm({
    filename: fields.text({ required: true, maxLength: 1024 }),
    contentType: fields.text({ required: true, maxLength: 255 }),
    size: fields.number({ required: true, integer: true, min: 1 }),
  }, { id: 'presign' })
  const completeForm = defineForm({ ticket: fields.text({ required: true, maxLength: 4096 }) }, { id: 'complete' })
  const pageSettings = { title: options.title, prefix, directUpload: options.directUpload !== false, accept: options.allowedTypes }

  const showPage = (request: FastifyRequest, reply: FastifyReply, form: Pick<FormView, 'render'>, status = 200) => {
    const flash = takeFlash(request, reply, secret, prefix)
    return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderPage(pageSettings, form, flash))
  }

  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
    // The store's failures carry only the S3 error's name and status (never the request, so never credentials).
    if (status === 502) request.log.warn({ code: error.code, status, reason: error.message }, 'upload failed: store error')
    else if (status >= 500) request.log.error({ err: error }, 'upload failed')
    else request.log.info({ code: error.code, status }, 'upload refused')
    const message = status === 500 ? 'Internal Server Error' : error.message
    // The rest of an unread upload is not worth reading: let the connection go once the answer is out.
    if (!request.raw.readableEnded) reply.header('connection', 'close')
    if (wantsJson(request)) return reply.code(status).send({ statusCode: status, code: error.code, error: message, message })
    return reply.code(status).type('text/html; charset=utf-8').send(renderErrorPage(pageSettings, status, message))
  })

  fastify.get(prefix, async (request, reply) => showPage(request, reply, request.form(uploadForm)))

  fastify.post(prefix, async (request, reply) => {
    if (typeof request.isMultipart !== 'function' || !request.isMultipart()) throw new errors.NotMultipart()
    const form = await request.bindForm(uploadForm)
    if (!form.valid) {
      if (wantsJson(request)) return reply.code(400).send({ statusCode: 400, code: 'SHIPYARD_S3_NO_FILE', error: 'Bad Request', message: Object.values(form.errors).flat().join(' ') || 'No file was uploaded', errors: form.errors })
      return showPage(request, reply, form, 400)
    }
    const stored = await request.uploadFile(form.data.file)
    if (wantsJson(request)) return answer(stored)
    setFlash(reply, secret, prefix, { kind: 'success', text: `${stored.originalName} uploaded as ${stored.key}` })
    return reply.redirect(prefix, 303)
  })

  fastify.get(`${prefix}/upload.js`, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(clientScript))
  fastify.get(`${prefix}/upload.css`, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(stylesheet))

  if (options.directUpload === false) return

  fastify.post(`${prefix}/presign`, async (request, reply) => {
    const form = await request.bindForm(presignForm)
    if (!form.valid) throw new errors.InvalidDirectUpload(Object.entries(form.errors).map(([name, messages]) => `${name}: ${messages?.join(' ')}`).join('; '))
    reply.header('cache-control', 'no-store')
    return api.presign(parseDirectUploadInput(form.data))
  })

  fastify.post(`${prefix}/complete`, async (request, reply) => {
    const form = await request.bindForm(completeForm)
    if (!form.valid) throw new errors.InvalidDirectUpload('"ticket" is required')
    const stored = await api.complete(form.data.ticket)
    setFlash(reply, secret, prefix, { kind: 'success', text: `${stored.originalName} uploaded as ${stored.key}` })
    return answer(stored)
  })
}
