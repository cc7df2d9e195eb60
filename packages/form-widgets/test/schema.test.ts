import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineForm, fields, formSchema, validators as v } from '../src/index.js'
import { buildApp, urlencoded } from './helpers.js'

const form = defineForm({
  name: fields.text({ required: true, minLength: 2, maxLength: 20 }),
  email: fields.email({ required: true }),
  code: fields.text({ required: 'input', pattern: '[A-Z]{3}' }),
  age: fields.number({ integer: true }),
  price: fields.number(),
  day: fields.date(),
  colour: fields.select({ choices: ['red', 'blue'] }),
  size: fields.radio({ choices: ['s', 'm'], required: true }),
  things: fields.selectMultiple({ choices: ['a', 'b', 'c'], widget: 'checkboxes', min: 1, max: 2 }),
  agree: fields.checkbox({ required: true }),
  note: fields.textarea({ validators: [v.length({ max: 5 }), v.noneOf(['spam'])] }),
})

const valid: Array<[string, string]> = [['name', 'Ada'], ['email', 'ada@example.org'], ['code', 'ABC'], ['size', 's'], ['things', 'a'], ['agree', 'y']]
function withField (name: string, ...values: string[]): Array<[string, string]> {
  return [...valid.filter(([k]) => k !== name), ...values.map((value): [string, string] => [name, value])]
}
function without (name: string): Array<[string, string]> {
  return valid.filter(([k]) => k !== name)
}

const corpus: Array<Array<[string, string]>> = [
  valid,
  [...valid, ['unknown', 'x']],
  without('name'), withField('name', ''), withField('name', '   '), withField('name', 'A'), withField('name', 'x'.repeat(21)), withField('name', '  Ada  '),
  without('email'), withField('email', 'nope'), withField('email', ' ada@example.org '), withField('email', 'a@b'),
  without('code'), withField('code', ''), withField('code', 'ABCD'), withField('code', 'abc'),
  withField('age', ''), withField('age', '42'), withField('age', ' 42 '), withField('age', '4.2'), withField('age', '4x'), withField('age', '-7'),
  withField('price', '1.5'), withField('price', '1e3'), withField('price', 'NaN'), withField('price', '0x10'), withField('price', '.5'),
  withField('day', '2024-02-29'), withField('day', '2023-02-29'), withField('day', '2024-1-1'), withField('day', ''),
  withField('colour', 'red'), withField('colour', 'green'), withField('colour', ''),
  without('size'), withField('size', 'l'),
  without('things'), withField('things', 'a', 'b'), withField('things', 'a', 'b', 'c'), withField('things', 'z'),
  without('agree'), withField('agree', 'on'), withField('agree', 'false'), withField('agree', 'off'), withField('agree', ''),
  withField('note', 'hi'), withField('note', 'toolong'), withField('note', 'spam'), withField('note', ''),
]

let app: FastifyInstance
beforeAll(async () => {
  app = await buildApp({ csrf: false }, (instance) => {
    instance.post('/schema', { schema: { body: formSchema(form, { csrfFieldName: false }) } }, async () => ({ ok: true }))
    instance.post('/bind', async (request, reply) => {
      const bound = await request.bindForm(form)
      return reply.code(bound.valid ? 200 : 422).send({ errors: bound.errors })
    })
  })
})
afterAll(async () => { await app.close() })

function send (url: string, pairs: Array<[string, string]>) {
  return app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: urlencoded(pairs) })
}

describe('JSON Schema export', () => {
  it('accepts and rejects the same inputs through schema.body as bind does', async () => {
    let accepted = 0
    for (const pairs of corpus) {
      const [bySchema, byBind] = await Promise.all([send('/schema', pairs), send('/bind', pairs)])
      expect(bySchema.statusCode === 200, `${urlencoded(pairs)} schema=${bySchema.body} bind=${byBind.body}`).toBe(byBind.statusCode === 200)
      if (byBind.statusCode === 200) accepted++
    }
    // The corpus exercises both outcomes.
    expect(accepted).toBeGreaterThan(10)
    expect(corpus.length - accepted).toBeGreaterThan(20)
  })

  it('requires the CSRF field by default and leaves out numeric ranges, which stay bind-only', () => {
    const small = defineForm({ qty: fields.number({ min: 1, max: 3, required: true }) })
    const schema = formSchema(small) as { required: string[], properties: Record<string, unknown> }
    expect(schema.required).toEqual(['_csrf', 'qty'])
    expect(JSON.stringify(schema.properties.qty)).not.toMatch(/minimum|maximum/)
    expect(formSchema(defineForm({ q: fields.search() }, { csrf: false }))).toMatchObject({ required: [] })
  })

  it('refuses multipart forms', () => {
    expect(() => formSchema(defineForm({ file: fields.file() }))).toThrow(expect.objectContaining({ code: 'SHIPYARD_FORM_INVALID_DEFINITION' }))
  })
})
