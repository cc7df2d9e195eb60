// form-widgets benchmark (issue 3, item 11): bind + validate + render of a 10-field form (with a checkbox
// group) against a hand-written equivalent — manual reads of the parsed body, the same checks, an escaped
// template of the same markup — measured in the same run.
//   (a) in process: the plugin's bind path (what `request.bindForm` runs) vs the hand-written function, on a
//       valid and an invalid body, alternating rounds, best round counts;
//   (b) over loopback HTTP with autocannon in its own process: two routes of one Fastify app (formbody parsing
//       in both), CSRF on in the plugin route and an equivalent HMAC check in the hand-written one.
//   Speed is work per CPU second of this process (process.cpuUsage), not per wall second: CI machines run
//   several suites at once, and CPU time is what contention distorts least. Requests/s are shown too.
//   Target: ≥ 50 % of the hand-written speed.
import { execFile } from 'node:child_process'
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'node:querystring'
import Fastify, { type FastifyRequest } from 'fastify'
import formWidgets, { defineForm, fields } from '../../packages/form-widgets/src/index.js'
import { bindForm } from '../../packages/form-widgets/src/bind.js'
import { defaultLimits } from '../../packages/form-widgets/src/limits.js'
import { defaultCatalogue } from '../../packages/form-widgets/src/messages.js'
import type { Runtime } from '../../packages/form-widgets/src/runtime.js'
import { defaultClassNames } from '../../packages/form-widgets/src/widgets.js'

const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const HTTP_DURATION = Number(process.env.BENCH_DURATION ?? 3)
const HTTP_ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3)
const autocannonBin = join(import.meta.dirname, '../../node_modules/.bin/autocannon')
const run = promisify(execFile)

const COUNTRIES = ['de', 'fr', 'it', 'nl', 'uk'] as const
const THINGS = ['apples', 'pears', 'plums', 'figs', 'dates'] as const
const PLANS = ['free', 'pro', 'team'] as const

const profile = defineForm({
  name: fields.text({ label: 'Name', required: true, maxLength: 100 }),
  email: fields.email({ label: 'Email', required: true }),
  age: fields.number({ label: 'Age', integer: true, min: 18, max: 120 }),
  website: fields.url({ label: 'Website' }),
  phone: fields.tel({ label: 'Phone', pattern: '[0-9 +()-]{6,20}' }),
  bio: fields.textarea({ label: 'Bio', maxLength: 500 }),
  country: fields.select({ label: 'Country', choices: COUNTRIES }),
  things: fields.selectMultiple({ label: 'Things', choices: THINGS, widget: 'checkboxes', required: true }),
  newsletter: fields.checkbox({ label: 'Newsletter' }),
  plan: fields.radio({ label: 'Plan', choices: PLANS, required: true }),
}, { id: 'p' })

const VALID = 'name=Ada+Lovelace&email=ada%40example.org&age=36&website=https%3A%2F%2Fexample.org&phone=%2B44+20+7946+0000&bio=Analyst+%3C%26%3E+poet&country=uk&things=apples&things=figs&newsletter=y&plan=pro'
const INVALID = 'name=&email=nope&age=12x&website=javascript%3Aalert(1)&phone=abc&bio=ok&country=xx&plan=gold'

// ---------------------------------------------------------------- hand-written equivalent
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' }
const esc = (s: string) => s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!)
const EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/
const PHONE = /^(?:[0-9 +()-]{6,20})$/
const first = (v: unknown) => (Array.isArray(v) ? String(v[0] ?? '') : v === undefined ? '' : String(v))

function handWritten (body: Record<string, unknown>, token?: string): { valid: boolean, html: string } {
  const own = (k: string) => (Object.hasOwn(body, k) ? body[k] : undefined)
  const errors: Record<string, string> = {}
  const name = first(own('name'))
  if (name.trim() === '') errors.name = 'Name is required.'
  else if (name.length > 100) errors.name = 'Name must be at most 100 characters long.'
  const email = first(own('email')).trim()
  if (email === '') errors.email = 'Email is required.'
  else if (!EMAIL.test(email)) errors.email = 'Email must be a valid email address.'
  const ageText = first(own('age')).trim()
  if (ageText !== '') {
    if (!/^[+-]?\d+$/.test(ageText)) errors.age = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(ageText) ? 'Age must be a whole number.' : 'Age must be a number.'
    else if (Number(ageText) < 18) errors.age = 'Age must be at least 18.'
    else if (Number(ageText) > 120) errors.age = 'Age must be at most 120.'
  }
  const website = first(own('website'))
  if (website.trim() !== '') {
    try {
      const url = new URL(website)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') errors.website = 'Website must be a valid http(s) URL.'
    } catch { errors.website = 'Website must be a valid http(s) URL.' }
  }
  const phone = first(own('phone'))
  if (phone.trim() !== '' && !PHONE.test(phone)) errors.phone = 'Phone is not in the expected format.'
  const bio = first(own('bio'))
  if (bio.length > 500) errors.bio = 'Bio must be at most 500 characters long.'
  const country = first(own('country'))
  if (country !== '' && !(COUNTRIES as readonly string[]).includes(country)) errors.country = 'Country: please pick one of the offered options.'
  const rawThings = own('things')
  const things = [...new Set(Array.isArray(rawThings) ? rawThings.map(String) : rawThings === undefined ? [] : [String(rawThings)])]
  if (things.some((t) => !(THINGS as readonly string[]).includes(t))) errors.things = 'Things: please pick one of the offered options.'
  else if (things.length < 1) errors.things = 'Things is required.'
  const newsletter = own('newsletter') !== undefined && !['', '0', 'false', 'off', 'no'].includes(first(own('newsletter')).toLowerCase())
  const plan = first(own('plan'))
  if (plan === '') errors.plan = 'Plan is required.'
  else if (!(PLANS as readonly string[]).includes(plan)) errors.plan = 'Plan: please pick one of the offered options.'

  const field = (id: string, label: string, control: string) => {
    const error = errors[id]
    return `<div class="sy-field${error ? ' sy-field--invalid' : ''}"><label class="sy-label" for="p-${id}">${label}</label>${control}${error ? `<p class="sy-error" id="p-${id}-error"><span>${esc(error)}</span></p>` : ''}</div>`
  }
  const aria = (id: string) => (errors[id] ? ` aria-invalid="true" aria-describedby="p-${id}-error"` : '')
  const value = (v: string) => (v === '' ? '' : ` value="${esc(v)}"`)
  let html = '<form id="p" class="sy-form" method="post">'
  if (token) html += `<input type="hidden" name="_csrf" value="${esc(token)}">`
  html += field('name', 'Name', `<input type="text" id="p-name" name="name" class="sy-control" maxlength="100" required${aria('name')}${value(name)}>`)
  html += field('email', 'Email', `<input type="email" id="p-email" name="email" class="sy-control" required${aria('email')}${value(first(own('email')))}>`)
  html += field('age', 'Age', `<input type="number" id="p-age" name="age" class="sy-control" step="1" min="18" max="120"${aria('age')}${value(first(own('age')))}>`)
  html += field('website', 'Website', `<input type="url" id="p-website" name="website" class="sy-control"${aria('website')}${value(website)}>`)
  html += field('phone', 'Phone', `<input type="tel" id="p-phone" name="phone" class="sy-control" pattern="[0-9 +()-]{6,20}"${aria('phone')}${value(phone)}>`)
  html += field('bio', 'Bio', `<textarea id="p-bio" name="bio" class="sy-control" maxlength="500"${aria('bio')}>${esc(bio)}</textarea>`)
  html += field('country', 'Country', `<select id="p-country" name="country" class="sy-control"${aria('country')}><option value=""></option>${COUNTRIES.map((c) => `<option value="${c}"${c === country ? ' selected' : ''}>${c}</option>`).join('')}</select>`)
  html += `<fieldset class="sy-field${errors.things ? ' sy-field--invalid' : ''} sy-fieldset" id="p-things-group"${errors.things ? ' aria-describedby="p-things-error"' : ''}><legend class="sy-legend">Things</legend>${THINGS.map((t, i) => `<div class="sy-choice"><input type="checkbox" name="things" class="sy-control"${errors.things ? ' aria-invalid="true"' : ''} id="p-things-${i}" value="${t}"${things.includes(t) ? ' checked' : ''}><label for="p-things-${i}">${t}</label></div>`).join('')}${errors.things ? `<p class="sy-error" id="p-things-error"><span>${esc(errors.things)}</span></p>` : ''}</fieldset>`
  html += `<div class="sy-field"><input type="checkbox" id="p-newsletter" name="newsletter" class="sy-control" value="y"${newsletter ? ' checked' : ''}><label class="sy-label" for="p-newsletter">Newsletter</label></div>`
  html += `<fieldset class="sy-field${errors.plan ? ' sy-field--invalid' : ''} sy-fieldset" id="p-plan-group"${errors.plan ? ' aria-describedby="p-plan-error"' : ''}><legend class="sy-legend">Plan</legend>${PLANS.map((p, i) => `<div class="sy-choice"><input type="radio" name="plan" class="sy-control"${errors.plan ? ' aria-invalid="true"' : ''} id="p-plan-${i}" value="${p}"${p === plan ? ' checked' : ''} required><label for="p-plan-${i}">${p}</label></div>`).join('')}${errors.plan ? `<p class="sy-error" id="p-plan-error"><span>${esc(errors.plan)}</span></p>` : ''}</fieldset>`
  html += '<button type="submit" class="sy-submit">Submit</button></form>'
  return { valid: Object.keys(errors).length === 0, html }
}

// ---------------------------------------------------------------- (a) in process
const runtime: Runtime = { csrf: false, catalogue: defaultCatalogue, locale: 'en', classes: defaultClassNames, limits: defaultLimits, discardTimeout: 5000, csrfCookieHeader: undefined }
function fakeRequest (body: Record<string, unknown>): FastifyRequest {
  return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, isMultipart: () => false } as unknown as FastifyRequest
}

async function viaPlugin (body: Record<string, unknown>) {
  const form = await bindForm(runtime, fakeRequest(body), profile)
  return { valid: form.valid, html: form.render() }
}

// Both sides must agree before their speed is compared.
for (const [name, raw, expected] of [['valid', VALID, true], ['invalid', INVALID, false]] as const) {
  const ours = await viaPlugin(parse(raw))
  const hand = handWritten(parse(raw))
  if (ours.valid !== expected || hand.valid !== expected) throw new Error(`${name}: plugin valid=${ours.valid}, hand-written valid=${hand.valid}`)
  if (ours.html !== hand.html) throw new Error(`${name}: the two renderings differ\n${ours.html}\n${hand.html}`)
}

function cpuSeconds (since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

/** Operations per CPU second of this process. */
async function opsPerSecond (fn: () => unknown): Promise<number> {
  let ops = 0
  const start = process.cpuUsage()
  const end = performance.now() + ROUND_MS
  while (performance.now() < end) {
    for (let i = 0; i < 200; i++) await fn()
    ops += 200
  }
  return ops / cpuSeconds(start)
}

const rows: string[] = []
let worst = Infinity
for (const [label, raw] of [['valid body', VALID], ['invalid body', INVALID]] as const) {
  const body = parse(raw)
  let bestOurs = 0
  let bestHand = 0
  await opsPerSecond(() => viaPlugin(body)) // warm-up
  await opsPerSecond(() => handWritten(body))
  for (let round = 0; round < ROUNDS; round++) {
    globalThis.gc?.()
    bestOurs = Math.max(bestOurs, await opsPerSecond(() => viaPlugin(body)))
    globalThis.gc?.()
    bestHand = Math.max(bestHand, await opsPerSecond(() => handWritten(body)))
  }
  const ratio = bestOurs / bestHand
  worst = Math.min(worst, ratio)
  rows.push(`| in process, ${label} | ${Math.round(bestOurs).toLocaleString('en')} | ${Math.round(bestHand).toLocaleString('en')} | ${(ratio * 100).toFixed(0)} % |`)
}

// ---------------------------------------------------------------- (b) over HTTP
const SECRET = randomBytes(32).toString('hex')
const app = Fastify({ logger: false })
await app.register(formWidgets, { csrf: { secret: SECRET, cookie: false } })
app.get('/token', async (request) => request.form(profile).csrfToken)
app.post('/plugin', async (request, reply) => {
  const form = await request.bindForm(profile)
  return reply.code(form.valid ? 200 : 422).type('text/html').send(form.render())
})
// The hand-written route checks an equivalent HMAC token and mints a fresh one for the re-render.
const handKey = Buffer.from(SECRET)
function handToken () {
  const payload = `${Date.now().toString(36)}.${randomBytes(12).toString('base64url')}`
  return `${payload}.${createHmac('sha256', handKey).update(payload).digest('base64url')}`
}
function handVerify (token: string) {
  const at = token.lastIndexOf('.')
  const given = Buffer.from(token.slice(at + 1), 'base64url')
  const expected = createHmac('sha256', handKey).update(token.slice(0, at)).digest()
  return given.length === expected.length && timingSafeEqual(given, expected)
}
app.post('/hand', async (request, reply) => {
  const body = request.body as Record<string, unknown>
  if (!handVerify(first(body._csrf))) return reply.code(403).send()
  const result = handWritten(body, handToken())
  return reply.code(result.valid ? 200 : 422).type('text/html').send(result.html)
})
const base = await app.listen({ port: 0, host: '127.0.0.1' })
const token = (await app.inject('/token')).body
const handTokenValue = handToken()

/** Requests per CPU second of the server (this process; autocannon runs in its own) and per wall second. */
async function measureHttp (path: string, body: string): Promise<{ perCpuSecond: number, perSecond: number }> {
  const start = process.cpuUsage()
  const { stdout } = await run(autocannonBin, ['-c', '10', '-d', String(HTTP_DURATION), '-m', 'POST', '-H', 'content-type=application/x-www-form-urlencoded', '-b', body, '--json', `${base}${path}`], { maxBuffer: 64 * 1024 * 1024 })
  const result = JSON.parse(stdout)
  if (result.errors || (result.non2xx > 0 && !body.includes('name=&'))) throw new Error(`${path}: ${result.errors} errors, ${result.non2xx} non-2xx`)
  return { perCpuSecond: result.requests.total / cpuSeconds(start), perSecond: result.requests.average }
}
for (const [label, raw] of [['valid body', VALID], ['invalid body', INVALID]] as const) {
  const best = { ours: { perCpuSecond: 0, perSecond: 0 }, hand: { perCpuSecond: 0, perSecond: 0 } }
  const oursBody = `_csrf=${encodeURIComponent(token)}&${raw}`
  const handBody = `_csrf=${encodeURIComponent(handTokenValue)}&${raw}`
  for (let round = 0; round < HTTP_ROUNDS; round++) {
    const ours = await measureHttp('/plugin', oursBody)
    const hand = await measureHttp('/hand', handBody)
    if (ours.perCpuSecond > best.ours.perCpuSecond) best.ours = ours
    if (hand.perCpuSecond > best.hand.perCpuSecond) best.hand = hand
  }
  const ratio = best.ours.perCpuSecond / best.hand.perCpuSecond
  worst = Math.min(worst, ratio)
  rows.push(`| HTTP (autocannon, 10 connections), ${label} | ${Math.round(best.ours.perCpuSecond).toLocaleString('en')} (${Math.round(best.ours.perSecond).toLocaleString('en')} req/s) | ${Math.round(best.hand.perCpuSecond).toLocaleString('en')} (${Math.round(best.hand.perSecond).toLocaleString('en')} req/s) | ${(ratio * 100).toFixed(0)} % |`)
}
await app.close()

console.log('| bind + validate + render, 10 fields | plugin, ops per CPU second | hand-written, ops per CPU second | plugin / hand-written |')
console.log('|---|---|---|---|')
for (const row of rows) console.log(row)
console.log(`\nworst ratio ${(worst * 100).toFixed(0)} % (target ≥ 50 %), best of ${ROUNDS} × ${ROUND_MS} ms in process and ${HTTP_ROUNDS} × ${HTTP_DURATION} s over HTTP, node ${process.version}`)
if (worst < 0.5) process.exitCode = 1
