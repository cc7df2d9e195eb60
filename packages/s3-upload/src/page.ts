import { escapeHtml, type FormView } from '@shipyard/form-widgets'
import type { FlashMessage } from './flash.js'

export interface PageSettings {
  title: string
  prefix: string
  directUpload: boolean
  accept: readonly string[]
}

/**
 * The upload page. No inline script or style and no `on*=`/`style=` attributes, so it passes a strict CSP
 * (`default-src 'self'`): the enhancement script and the CSS are files served under the prefix.
 */
export function renderPage (settings: PageSettings, form: Pick<FormView, 'render'>, flash: FlashMessage | undefined): string {
  const { prefix } = settings
  const attrs: Record<string, string> = { 'data-upload-form': '' }
  if (settings.directUpload) {
    attrs['data-presign'] = `${prefix}/presign`
    attrs['data-complete'] = `${prefix}/complete`
  }
  const message = flash
    ? `<p class="sy-upload-flash sy-upload-flash-${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${escapeHtml(flash.text)}</p>`
    : ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(settings.title)}</title>
<link rel="stylesheet" href="${escapeHtml(prefix)}/upload.css">
<script src="${escapeHtml(prefix)}/upload.js" defer></script>
</head>
<body>
<main class="sy-upload">
<h1>${escapeHtml(settings.title)}</h1>
${message}
${form.render({ action: prefix, submitLabel: 'Upload', attrs })}
<div class="sy-upload-progress" hidden><progress max="100" value="0"></progress> <span class="sy-upload-percent">0 %</span></div>
<p class="sy-upload-status" role="status" aria-live="polite"></p>
</main>
</body>
</html>
`
}

/** An error page for browsers without JavaScript (JSON clients get `{ statusCode, code, error, message }`). */
export function renderErrorPage (settings: Pick<PageSettings, 'title' | 'prefix'>, status: number, message: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(settings.title)}: error ${status}</title>
<link rel="stylesheet" href="${escapeHtml(settings.prefix)}/upload.css">
</head>
<body>
<main class="sy-upload">
<h1>${escapeHtml(settings.title)}</h1>
<p class="sy-upload-flash sy-upload-flash-error" role="alert">${escapeHtml(message)}</p>
<p><a href="${escapeHtml(settings.prefix)}">Back to the upload form</a></p>
</main>
</body>
</html>
`
}

export const stylesheet = `.sy-upload { max-width: 40rem; margin: 2rem auto; font-family: system-ui, sans-serif; line-height: 1.5; padding: 0 1rem; }
.sy-upload-flash { padding: .75rem 1rem; border-radius: .25rem; }
.sy-upload-flash-success { background: #e7f6e7; border: 1px solid #2e7d32; }
.sy-upload-flash-error { background: #fdecea; border: 1px solid #c62828; }
.sy-upload-progress progress { width: 80%; vertical-align: middle; }
.sy-upload form > * { display: block; margin: .5rem 0; }
`

/**
 * Progressive enhancement: with JavaScript the file goes straight to the bucket (presigned POST or PUT, with a
 * progress bar), then the completion endpoint checks it; on a network failure it falls back to posting the form
 * through the server. Without JavaScript the form posts through the server.
 */
export const clientScript = `(function () {
  'use strict'
  var form = document.querySelector('form[data-upload-form][data-presign]')
  if (!form || !window.fetch || !window.FormData || !window.XMLHttpRequest) return
  var input = form.querySelector('input[type=file]')
  var box = document.querySelector('.sy-upload-progress')
  var bar = box && box.querySelector('progress')
  var percent = box && box.querySelector('.sy-upload-percent')
  var status = document.querySelector('.sy-upload-status')
  var button = form.querySelector('button[type=submit]')
  var busy = false

  function say (text) { if (status) status.textContent = text }
  // form-widgets renders the CSRF token as the form's first hidden input.
  var csrf = form.querySelector('input[type=hidden]')
  function post (url, values) {
    var body = new URLSearchParams()
    if (csrf) body.set(csrf.name, csrf.value)
    Object.keys(values).forEach(function (name) { body.set(name, values[name]) })
    return fetch(url, { method: 'POST', body: body, credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) {
        return response.json().catch(function () { return {} }).then(function (data) { return { ok: response.ok, status: response.status, data: data } })
      })
  }
  function throughServer () {
    busy = false
    HTMLFormElement.prototype.submit.call(form)
  }
  function send (grant, file) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest()
      xhr.open(grant.method, grant.url)
      var body
      if (grant.method === 'POST') {
        body = new FormData()
        Object.keys(grant.fields).forEach(function (name) { body.append(name, grant.fields[name]) })
        body.append('file', file)
      } else {
        Object.keys(grant.headers).forEach(function (name) { if (name !== 'content-length') xhr.setRequestHeader(name, grant.headers[name]) })
        body = file
      }
      xhr.upload.addEventListener('progress', function (event) {
        if (!event.lengthComputable || !bar) return
        var value = Math.floor(event.loaded / event.total * 100)
        bar.value = value
        if (percent) percent.textContent = value + ' %'
      })
      xhr.addEventListener('load', function () { xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error('the bucket answered ' + xhr.status)) })
      xhr.addEventListener('error', function () { reject(new Error('network')) })
      xhr.send(body)
    })
  }

  form.addEventListener('submit', function (event) {
    var file = input && input.files && input.files[0]
    if (!file || busy) return
    event.preventDefault()
    busy = true
    if (button) button.disabled = true
    say('Preparing the upload…')
    post(form.getAttribute('data-presign'), { filename: file.name, contentType: file.type || 'application/octet-stream', size: String(file.size) })
      .then(function (answer) {
        if (!answer.ok) {
          if (answer.status >= 500) return throughServer()
          busy = false
          if (button) button.disabled = false
          say(answer.data.message || 'The upload was refused.')
          return
        }
        var grant = answer.data
        if (box) box.hidden = false
        say('Uploading ' + file.name + '…')
        return send(grant, file).then(function () {
          say('Checking the upload…')
          return post(form.getAttribute('data-complete'), { ticket: grant.ticket })
        }).then(function (done) {
          if (done.ok) {
            window.location.assign(form.getAttribute('action'))
            return
          }
          busy = false
          if (button) button.disabled = false
          say(done.data.message || 'The upload could not be completed.')
        })
      })
      .catch(throughServer)
  })
})()
`
