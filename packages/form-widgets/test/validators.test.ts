import { describe, expect, it } from 'vitest'
import { defineForm, fields, validators as v } from '../src/index.js'
import { bindPairs, buildApp } from './helpers.js'

function controlOf (html: string, name: string): string {
  const match = new RegExp(`<(input|select|textarea)[^>]* name="${name}"[^>]*>`).exec(html)
  if (!match) throw new Error(`no control ${name} in ${html}`)
  return match[0]
}

describe('validators', () => {
  it('required (DataRequired) treats white space as empty; required: "input" (InputRequired) accepts it', async () => {
    const form = defineForm({ data: fields.text({ required: true }), input: fields.text({ required: 'input' }) })
    const blank = await bindPairs(form, [['data', '   '], ['input', '   ']])
    expect(blank.errors).toEqual({ data: ['Data is required.'] })
    expect(blank.data.input).toBe('   ')
    const missing = await bindPairs(form, [['data', 'x']])
    expect(missing.errors).toEqual({ input: ['Input is required.'] })
    const empty = await bindPairs(form, [['data', 'x'], ['input', '']])
    expect(empty.errors).toEqual({ input: ['Input is required.'] })
    expect(controlOf(blank.html, 'data')).toContain(' required')
    expect(controlOf(blank.html, 'input')).toContain(' required')
  })

  it('validators.required()/inputRequired()/optional() in the list behave like the options', async () => {
    const form = defineForm({
      a: fields.text({ validators: [v.required()] }),
      b: fields.text({ validators: [v.inputRequired()] }),
      c: fields.text({ validators: [v.optional(), v.length({ min: 3 })] }),
    })
    const res = await bindPairs(form, [['a', ' '], ['c', '']])
    expect(res.errors).toEqual({ a: ['A is required.'], b: ['B is required.'] })
    expect(controlOf(res.html, 'c')).not.toContain('required')
  })

  it('optional fields skip validators when empty', async () => {
    const form = defineForm({ code: fields.text({ minLength: 3, pattern: /[A-Z]+/ }) })
    expect((await bindPairs(form, [['code', '']])).valid).toBe(true)
    expect((await bindPairs(form, [])).valid).toBe(true)
  })

  it('length emits minlength/maxlength and checks UTF-16 length like the browser', async () => {
    const form = defineForm({ nick: fields.text({ minLength: 2, maxLength: 4 }) })
    const short = await bindPairs(form, [['nick', 'a']])
    expect(short.errors.nick).toEqual(['Nick must be at least 2 characters long.'])
    expect((await bindPairs(form, [['nick', 'abcde']])).errors.nick).toEqual(['Nick must be at most 4 characters long.'])
    expect((await bindPairs(form, [['nick', 'abcd']])).valid).toBe(true)
    expect(controlOf(short.html, 'nick')).toContain('minlength="2" maxlength="4"')
  })

  it('number range emits min/max/step; date range compares ISO dates', async () => {
    const form = defineForm({ qty: fields.number({ integer: true, min: 1, max: 10 }), price: fields.number({ min: 0.5 }), day: fields.date({ min: '2024-01-01', max: '2024-12-31' }) })
    const res = await bindPairs(form, [['qty', '11'], ['price', '0.4'], ['day', '2025-01-01']])
    expect(res.errors).toEqual({ qty: ['Qty must be at most 10.'], price: ['Price must be at least 0.5.'], day: ['Day must be at most 2024-12-31.'] })
    expect(controlOf(res.html, 'qty')).toContain('type="number" id="form-qty" name="qty" class="sy-control" step="1" min="1" max="10"')
    expect(controlOf(res.html, 'price')).toContain('step="any" min="0.5"')
    expect(controlOf(res.html, 'day')).toContain('min="2024-01-01" max="2024-12-31"')
    expect((await bindPairs(form, [['qty', '0']])).errors.qty).toEqual(['Qty must be at least 1.'])
    expect((await bindPairs(form, [['qty', '10'], ['price', '0.5'], ['day', '2024-06-01']])).valid).toBe(true)
  })

  it('regexp must match the whole value, like the pattern attribute it emits', async () => {
    const form = defineForm({ zip: fields.text({ pattern: '[0-9]{5}' }), code: fields.text({ validators: [v.regexp(/[a-z]+/i, 'Letters only.')] }) })
    const res = await bindPairs(form, [['zip', '123456'], ['code', 'abc1']])
    expect(res.errors).toEqual({ zip: ['Zip is not in the expected format.'], code: ['Letters only.'] })
    expect(controlOf(res.html, 'zip')).toContain('pattern="[0-9]{5}"')
    // the `i` flag cannot be expressed in a pattern attribute, so none is emitted
    expect(controlOf(res.html, 'code')).not.toContain('pattern=')
    expect((await bindPairs(form, [['zip', '12345'], ['code', 'ABc']])).valid).toBe(true)
  })

  it('email and url (http/https only: never javascript:)', async () => {
    const form = defineForm({ email: fields.email(), site: fields.url(), ftp: fields.text({ validators: [v.url({ schemes: ['ftp'] })] }) })
    for (const bad of ['plain', 'a@', '@b.c', 'a b@c.d', 'a@b..c', 'a@-b.c']) {
      expect((await bindPairs(form, [['email', bad]])).errors.email, bad).toEqual(['Email must be a valid email address.'])
    }
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,x', 'example.com', '//evil.com', 'http//x']) {
      expect((await bindPairs(form, [['site', bad]])).errors.site, bad).toEqual(['Site must be a valid http(s) URL.'])
    }
    const ok = await bindPairs(form, [['email', 'ada.lovelace+x@example.co.uk'], ['site', 'https://example.org/a?b=c'], ['ftp', 'ftp://files.example.org/x']])
    expect(ok.valid).toBe(true)
    expect((await bindPairs(form, [['ftp', 'https://example.org']])).valid).toBe(false)
  })

  it('anyOf / noneOf', async () => {
    const form = defineForm({ a: fields.text({ validators: [v.anyOf(['x', 'y'])] }), b: fields.text({ validators: [v.noneOf(['admin', 'root'], 'Reserved name.')] }) })
    expect((await bindPairs(form, [['a', 'z'], ['b', 'root']])).errors).toEqual({ a: ['A has a value that is not allowed.'], b: ['Reserved name.'] })
    expect((await bindPairs(form, [['a', 'x'], ['b', 'ada']])).valid).toBe(true)
  })

  it('equalTo compares with another field and names it', async () => {
    const form = defineForm({ password: fields.password({ required: true, minLength: 8 }), confirm: fields.password({ label: 'Confirm password', required: true, validators: [v.equalTo('password')] }) })
    const res = await bindPairs(form, [['password', 'correct horse'], ['confirm', 'correct h0rse']])
    expect(res.errors).toEqual({ confirm: ['Confirm password must match Password.'] })
    expect(res.html).not.toContain('correct')
    expect((await bindPairs(form, [['password', 'correct horse'], ['confirm', 'correct horse']])).valid).toBe(true)
  })

  it('a required checkbox group means at least one, with no required attribute on the boxes (WTForms#715); atLeast/atMost', async () => {
    const form = defineForm({
      things: fields.selectMultiple({ choices: ['a', 'b', 'c', 'd'], widget: 'checkboxes', required: true }),
      pair: fields.selectMultiple({ choices: ['a', 'b', 'c'], widget: 'checkboxes', min: 2, max: 2 }),
      list: fields.selectMultiple({ choices: ['a', 'b'], validators: [v.atMost(1)] }),
    })
    const none = await bindPairs(form, [])
    expect(none.errors).toEqual({ things: ['Things is required.'], pair: ['Pair: pick at least 2.'] })
    expect(none.html).not.toMatch(/<input type="checkbox"[^>]*required/)
    const many = await bindPairs(form, [['things', 'a'], ['pair', 'a'], ['pair', 'b'], ['pair', 'c'], ['list', 'a'], ['list', 'b']])
    expect(many.errors).toEqual({ pair: ['Pair: pick at most 2.'], list: ['List: pick at most 1.'] })
    expect((await bindPairs(form, [['things', 'd'], ['pair', 'a'], ['pair', 'c']])).valid).toBe(true)
  })

  it('custom validators, sync and async, see the other fields', async () => {
    const taken = new Set(['ada'])
    const form = defineForm({
      user: fields.text({ required: true, validators: [v.custom<string>(async (value) => { await new Promise((resolve) => setTimeout(resolve, 5)); return taken.has(value) ? 'That name is taken.' : undefined })] }),
      even: fields.number({ validators: [v.custom<number>((value, ctx) => (value % 2 === 0 ? undefined : ctx.message('pattern')))] }),
      note: fields.text({ validators: [v.custom((_value, ctx) => (ctx.data.user === 'bob' ? undefined : `${ctx.label} is only for bob (${ctx.labelOf('user')}).`), { runWhenEmpty: true })] }),
    })
    const res = await bindPairs(form, [['user', 'ada'], ['even', '3']])
    expect(res.errors).toEqual({ user: ['That name is taken.'], even: ['Even is not in the expected format.'], note: ['Note is only for bob (User).'] })
    expect((await bindPairs(form, [['user', 'bob'], ['even', '4']])).valid).toBe(true)
  })

  it('fileType and fileSize emit accept and data-max-size', async () => {
    const form = defineForm({ doc: fields.file({ validators: [v.fileType(['application/pdf', 'image/*']), v.fileSize(2048)] }) })
    const app = await buildApp({ csrf: false }, (instance) => { instance.get('/', async (request) => request.form(form).render()) })
    const html = (await app.inject('/')).body
    await app.close()
    expect(controlOf(html, 'doc')).toBe('<input type="file" id="form-doc" name="doc" class="sy-control" accept="application/pdf,image/*" data-max-size="2048">')
  })
})
