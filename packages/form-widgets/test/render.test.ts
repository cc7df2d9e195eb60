import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { defineForm, escapeHtml, fields, validators as v, type WidgetContext } from '../src/index.js'
import { bindPairs, buildApp } from './helpers.js'

const XSS_CORPUS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)' x='",
  '" autofocus onfocus="alert(1)',
  'javascript:alert(1)',
  '</textarea><script>alert(1)</script>',
  '</option></select><svg onload=alert(1)>',
  '</legend></fieldset><iframe srcdoc="<script>alert(1)</script>">',
  '`onerror=alert(1)`',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '<!--<script>-->',
  '\u202e<script>\u202d',
  '＜script＞alert(1)＜/script＞',
  '<scr\u0000ipt>alert(1)</script>',
  '{{constructor.constructor("alert(1)")()}}',
  '\u2028\u2029<a href="javascript:alert(1)">x</a>',
]

/** The markup skeleton: tag names and attribute names in order. Escaped input cannot change it. */
function skeleton (html: string): string[] {
  const tags = html.replace(/="[^"]*"/g, '=""').match(/<[^>]*>/g) ?? []
  return tags.flatMap((tag) => [...tag.matchAll(/^<\/?[a-zA-Z]+|\s[^\s=>]+/g)].map((m) => m[0].trim()))
}

function xssForm (payload: string) {
  return defineForm({
    title: fields.text({ label: payload, help: payload, placeholder: payload, default: payload, attrs: { 'data-x': payload, title: payload }, class: payload, wrapperClass: payload }),
    bio: fields.textarea({ label: payload, default: payload }),
    ref: fields.hidden({ default: payload }),
    pick: fields.select({ label: payload, choices: [{ value: payload, label: payload }, { value: 'b', label: 'b' }], emptyLabel: payload }),
    many: fields.selectMultiple({ label: payload, choices: [{ value: payload, label: payload }, { value: 'b', label: 'b' }], widget: 'checkboxes', help: payload }),
    yes: fields.checkbox({ label: payload, value: payload }),
    site: fields.url({ label: payload, validators: [v.custom(() => payload, { runWhenEmpty: true })] }),
  }, { submitLabel: payload, id: 'xss' })
}

let app: FastifyInstance | undefined
afterEach(async () => { await app?.close(); app = undefined })

describe('rendering: escaping', () => {
  it('escapes every value, label, attribute, choice, message and error (XSS corpus)', async () => {
    const benign = skeleton((await bindPairs(xssForm('benign'), [['title', 'benign'], ['bio', 'benign'], ['ref', 'benign'], ['pick', 'benign'], ['many', 'benign'], ['yes', 'benign'], ['site', 'benign']])).html)
    for (const payload of XSS_CORPUS) {
      const res = await bindPairs(xssForm(payload), [['title', payload], ['bio', payload], ['ref', payload], ['pick', payload], ['many', payload], ['yes', payload], ['site', payload]])
      const html = res.html
      expect(skeleton(html), payload).toEqual(benign)
      expect(html, payload).not.toMatch(/<(script|img|svg|iframe|a)\b/i)
      // inside tags, outside quoted values: no event handler attribute
      const tags = html.replace(/="[^"]*"/g, '=""').match(/<[^>]*>/g)!.join('')
      expect(tags, payload).not.toMatch(/\son[a-z]+=/i)
      expect(html, payload).toContain(escapeHtml(payload))
    }
  })

  it('drops event-handler, style and srcdoc attributes passed through attrs, and invalid attribute names', async () => {
    const form = defineForm({ a: fields.text({ attrs: { onclick: 'alert(1)', OnMouseOver: 'x', style: 'color:red', srcdoc: 'x', formaction: 'javascript:x', 'x"y': '1', 'data-ok': 'yes' } }) })
    const { html } = await bindPairs(form, [])
    expect(html).toContain('data-ok="yes"')
    expect(html).not.toMatch(/onclick|onmouseover|style=|srcdoc|formaction|x"y/i)
  })

  it('never renders a javascript: (or data:) action; keeps relative and http(s) ones', async () => {
    app = await buildApp({ csrf: false }, (instance) => {
      instance.get('/', async (request) => {
        const query = request.query as { action: string }
        return request.form(defineForm({ a: fields.text() })).render({ action: query.action })
      })
    })
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'java\nscript:alert(1)', 'data:text/html,x', 'vbscript:x']) {
      const res = await app.inject({ url: '/', query: { action: bad } })
      expect(res.body, bad).not.toContain('action=')
    }
    for (const good of ['/signup', 'signup?x=1', 'https://example.org/a', '/a:b', '?next=javascript:x']) {
      const res = await app.inject({ url: '/', query: { action: good } })
      expect(res.body, good).toContain(`action="${escapeHtml(good)}"`)
    }
  })
})

describe('rendering: accessibility', () => {
  const form = defineForm({
    name: fields.text({ required: true, help: 'As on your passport' }),
    email: fields.email({ required: true }),
    password: fields.password({ required: true }),
    bio: fields.textarea({ rows: 3 }),
    size: fields.radio({ choices: ['s', 'm'], required: true, help: 'Pick one' }),
    colour: fields.select({ choices: ['red', 'blue'] }),
    things: fields.selectMultiple({ choices: ['a', 'b'], widget: 'checkboxes', required: true }),
    tags: fields.selectMultiple({ choices: ['x', 'y'] }),
    agree: fields.checkbox({ required: true }),
    ref: fields.hidden({ required: true }),
  }, { id: 'acc' })

  it('gives every visible control a <label for>, groups radios and checkbox groups in fieldset/legend', async () => {
    const { html } = await bindPairs(form, [])
    const controls = [...html.matchAll(/<(input|select|textarea)([^>]*)>/g)].filter((m) => !/type="hidden"/.test(m[2]!))
    expect(controls.length).toBe(11)
    for (const control of controls) {
      const id = /\sid="([^"]+)"/.exec(control[2]!)![1]
      expect(html, id).toContain(`for="${id}"`)
    }
    expect(html).toMatch(/<fieldset class="sy-field sy-field--invalid sy-fieldset" id="acc-size-group" aria-describedby="acc-size-help acc-size-error"><legend class="sy-legend">Size<\/legend>/)
    expect(html).toMatch(/<fieldset class="sy-field sy-field--invalid sy-fieldset" id="acc-things-group" aria-describedby="acc-things-error"><legend class="sy-legend">Things<\/legend>/)
    expect((html.match(/<fieldset/g) ?? []).length).toBe(2)
  })

  it('marks invalid controls with aria-invalid and links help and error text with aria-describedby, errors beside the field', async () => {
    const { html } = await bindPairs(form, [['name', ''], ['email', 'bad']])
    expect(html).toContain('<div class="sy-field sy-field--invalid"><label class="sy-label" for="acc-name">Name</label><input type="text" id="acc-name" name="name" class="sy-control" required aria-invalid="true" aria-describedby="acc-name-help acc-name-error"><p class="sy-help" id="acc-name-help">As on your passport</p><p class="sy-error" id="acc-name-error"><span>Name is required.</span></p></div>')
    for (const [, ids] of html.matchAll(/aria-describedby="([^"]+)"/g)) {
      for (const id of ids!.split(' ')) expect(html, id).toContain(`id="${id}"`)
    }
    const { html: valid } = await bindPairs(form, [['name', 'Ada'], ['email', 'a@b.c'], ['password', 'x'], ['size', 's'], ['things', 'a'], ['agree', 'y'], ['ref', 'r']])
    expect(valid).not.toContain('aria-invalid')
    expect(valid).toContain('aria-describedby="acc-name-help"')
  })

  it('shows errors of hidden fields in the form-level alert region', async () => {
    const { html } = await bindPairs(form, [['name', 'Ada']])
    expect(html).toContain('<div class="sy-form-errors" role="alert"><p>Ref is required.</p></div>')
  })
})

describe('rendering: every field kind', () => {
  it('renders the matching control for each builder', async () => {
    const all = defineForm({
      a: fields.text(),
      b: fields.email(),
      c: fields.password(),
      d: fields.url(),
      e: fields.search(),
      f: fields.tel(),
      g: fields.number(),
      h: fields.date(),
      i: fields.hidden(),
      j: fields.textarea(),
      k: fields.checkbox(),
      l: fields.radio({ choices: ['x'] }),
      m: fields.select({ choices: ['x'] }),
      n: fields.selectMultiple({ choices: ['x'] }),
      o: fields.selectMultiple({ choices: ['x'], widget: 'checkboxes' }),
      p: fields.file(),
    })
    app = await buildApp({ csrf: false }, (instance) => { instance.get('/', async (request) => request.form(all).render()) })
    const html = (await app.inject('/')).body
    const expected: Record<string, string> = {
      a: '<input type="text" id="form-a"',
      b: '<input type="email" id="form-b"',
      c: '<input type="password" id="form-c"',
      d: '<input type="url" id="form-d"',
      e: '<input type="search" id="form-e"',
      f: '<input type="tel" id="form-f"',
      g: '<input type="number" id="form-g"',
      h: '<input type="date" id="form-h"',
      i: '<input type="hidden" id="form-i"',
      j: '<textarea id="form-j"',
      k: '<input type="checkbox" id="form-k"',
      l: '<input type="radio" name="l"',
      m: '<select id="form-m" name="m"',
      n: '<select id="form-n" name="n" class="sy-control" multiple>',
      o: '<input type="checkbox" name="o"',
      p: '<input type="file" id="form-p"',
    }
    for (const [name, start] of Object.entries(expected)) expect(html, name).toContain(start)
    expect(html).toContain('enctype="multipart/form-data"')
  })
})

describe('rendering: values, widgets and class hooks', () => {
  const form = defineForm({
    name: fields.text(),
    secret: fields.password(),
    bio: fields.textarea(),
    size: fields.radio({ choices: ['s', 'm'] }),
    colour: fields.select({ choices: ['red', 'blue'], emptyLabel: 'Choose…' }),
    things: fields.selectMultiple({ choices: ['a', 'b', 'c'], widget: 'checkboxes' }),
    tags: fields.selectMultiple({ choices: ['x', 'y'] }),
    agree: fields.checkbox(),
    age: fields.number({ integer: true, min: 0 }),
  })

  it('re-renders submitted values (also invalid ones) but never passwords', async () => {
    const { html } = await bindPairs(form, [['name', 'Ada'], ['secret', 'hunter2'], ['bio', 'line1\nline2'], ['size', 'm'], ['colour', 'blue'], ['things', 'a'], ['things', 'c'], ['tags', 'y'], ['agree', 'y'], ['age', '-3x']])
    expect(html).toContain('name="name" class="sy-control" value="Ada"')
    expect(html).not.toContain('hunter2')
    expect(html).toContain('>line1\nline2</textarea>')
    expect(html).toContain('<input type="radio" name="size" class="sy-control" id="form-size-1" value="m" checked>')
    expect(html).toContain('<option value="blue" selected>blue</option>')
    expect(html).toContain('<option value="">Choose…</option>')
    expect(html).toContain('id="form-things-0" value="a" checked>')
    expect(html).toContain('id="form-things-1" value="b">')
    expect(html).toContain('id="form-things-2" value="c" checked>')
    expect(html).toContain('<select id="form-tags" name="tags" class="sy-control" multiple><option value="x">x</option><option value="y" selected>y</option></select>')
    expect(html).toContain('name="agree" class="sy-control" value="y" checked>')
    expect(html).toContain('value="-3x"')
  })

  it('shows initial values in an unbound form', async () => {
    app = await buildApp({ csrf: false }, (instance) => {
      instance.get('/', async (request) => request.form(form, { initial: { name: 'Grace', things: ['b'], agree: true, age: 7, colour: 'red' } }).render())
    })
    const html = (await app.inject('/')).body
    expect(html).toContain('value="Grace"')
    expect(html).toContain('id="form-things-1" value="b" checked>')
    expect(html).toContain('value="y" checked>')
    expect(html).toContain('value="7"')
    expect(html).toContain('<option value="red" selected>red</option>')
    expect(html).not.toContain('aria-invalid')
  })

  it('custom widgets are plain functions; class names are replaceable per plugin and per form', async () => {
    const stars = (ctx: WidgetContext) => `<span class="stars"><input type="range" id="${escapeHtml(ctx.id)}" name="${escapeHtml(ctx.name)}" min="1" max="5" value="${escapeHtml(ctx.value || '3')}"${ctx.invalid ? ' aria-invalid="true"' : ''}></span>`
    const custom = defineForm({ rating: fields.number({ widget: stars, required: true }), note: fields.text() }, { classes: { field: 'mb-3', error: 'invalid-feedback' } })
    const { html } = await bindPairs(custom, [['rating', '9x']], { plugin: { classes: { control: 'form-control', label: 'form-label', submit: 'btn btn-primary' } } })
    expect(html).toContain('<div class="mb-3 sy-field--invalid"><label class="form-label" for="form-rating">Rating</label><span class="stars"><input type="range" id="form-rating" name="rating" min="1" max="5" value="9x" aria-invalid="true"></span><p class="invalid-feedback" id="form-rating-error">')
    expect(html).toContain('<input type="text" id="form-note" name="note" class="form-control">')
    expect(html).toContain('<button type="submit" class="btn btn-primary">Submit</button>')
  })

  it('renders single fields and the form with novalidate, a method and extra attributes', async () => {
    app = await buildApp({ csrf: false }, (instance) => {
      instance.get('/', async (request) => {
        const view = request.form(form)
        return view.render({ noValidate: true, method: 'get', attrs: { 'aria-label': 'Search' } }) + '\n' + view.renderField('agree')
      })
    })
    const [whole, single] = (await app.inject('/')).body.split('\n')
    expect(whole).toMatch(/^<form id="form" class="sy-form" method="get" novalidate aria-label="Search">/)
    expect(single).toBe('<div class="sy-field"><input type="checkbox" id="form-agree" name="agree" class="sy-control" value="y"><label class="sy-label" for="form-agree">Agree</label></div>')
  })
})
