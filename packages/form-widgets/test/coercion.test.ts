import { describe, expect, it } from 'vitest'
import { defineForm, fields } from '../src/index.js'
import { bindPairs, buildApp, multipartBody } from './helpers.js'

const form = defineForm({
  name: fields.text(),
  age: fields.number({ integer: true }),
  price: fields.number(),
  when: fields.date(),
  consent: fields.checkbox(),
  size: fields.radio({ choices: ['s', 'm', 'l'] }),
  colour: fields.select({ choices: [{ value: 'red', label: 'Red' }, ['blue', 'Blue']] }),
  things: fields.selectMultiple({ choices: ['a', 'b', 'c'], widget: 'checkboxes' }),
  tags: fields.selectMultiple({ choices: ['x', 'y'] }),
})

describe('coercion fixed by field type', () => {
  it('repeated keys become an array for multiple fields; a single value a one-element array; nothing an empty array', async () => {
    const res = await bindPairs(form, [['things', 'a'], ['things', 'c'], ['tags', 'y']])
    expect(res.data.things).toEqual(['a', 'c'])
    expect(res.data.tags).toEqual(['y'])
    const none = await bindPairs(form, [])
    expect(none.data.things).toEqual([])
    expect(none.data.tags).toEqual([])
  })

  it('a single field keeps the first of repeated values', async () => {
    const res = await bindPairs(form, [['name', 'first'], ['name', 'second']])
    expect(res.data.name).toBe('first')
  })

  it('an unchecked (absent) checkbox is false; a ticked one true; explicit false values stay false', async () => {
    expect((await bindPairs(form, [])).data.consent).toBe(false)
    expect((await bindPairs(form, [['consent', 'y']])).data.consent).toBe(true)
    expect((await bindPairs(form, [['consent', 'on']])).data.consent).toBe(true)
    for (const off of ['false', 'off', '0', '']) expect((await bindPairs(form, [['consent', off]])).data.consent).toBe(false)
  })

  it('parses numbers strictly: an error, never NaN', async () => {
    const ok = await bindPairs(form, [['age', ' 42 '], ['price', '-1.5e2']])
    expect(ok.valid).toBe(true)
    expect(ok.data).toMatchObject({ age: 42, price: -150 })
    for (const bad of ['12abc', 'NaN', 'Infinity', '0x10', '1e400', '--1', '1,5', '.']) {
      const res = await bindPairs(form, [['price', bad]])
      expect(res.valid, bad).toBe(false)
      expect(res.errors.price, bad).toEqual(['Price must be a number.'])
      expect(res.data.price, bad).toBeUndefined()
    }
    const fraction = await bindPairs(form, [['age', '1.5']])
    expect(fraction.errors.age).toEqual(['Age must be a whole number.'])
    const huge = await bindPairs(form, [['age', '99999999999999999999']])
    expect(huge.errors.age).toEqual(['Age must be a number.'])
  })

  it('accepts real calendar dates only', async () => {
    expect((await bindPairs(form, [['when', '2024-02-29']])).data.when).toBe('2024-02-29')
    for (const bad of ['2023-02-29', '2024-13-01', '24-01-01', '2024-1-1', 'tomorrow']) {
      expect((await bindPairs(form, [['when', bad]])).errors.when, bad).toEqual(['When must be a valid date (YYYY-MM-DD).'])
    }
  })

  it('rejects choices outside the allowed set', async () => {
    const res = await bindPairs(form, [['size', 'xl'], ['colour', 'green'], ['things', 'a'], ['things', 'z']])
    expect(res.valid).toBe(false)
    expect(Object.keys(res.errors).sort()).toEqual(['colour', 'size', 'things'])
    expect(res.errors.size).toEqual(['Size: please pick one of the offered options.'])
    const ok = await bindPairs(form, [['size', 'm'], ['colour', 'blue']])
    expect(ok.data).toMatchObject({ size: 'm', colour: 'blue' })
  })

  it('empty optional values are absent from data', async () => {
    const res = await bindPairs(form, [['name', ''], ['age', '  '], ['size', ''], ['colour', '']])
    expect(res.valid).toBe(true)
    expect(res.data).toEqual({ consent: false, things: [], tags: [] })
  })

  it('ignores unknown fields, and __proto__ / constructor keys never reach an object', async () => {
    const payload = '__proto__[polluted]=yes&constructor[prototype][polluted]=yes&__proto__=x&constructor=y&toString=z&unknown=1&name=Ada'
    const res = await bindPairs(form, payload)
    expect(res.valid).toBe(true)
    expect(res.data).toEqual({ name: 'Ada', consent: false, things: [], tags: [] })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
  })

  it('ignores __proto__ and unknown parts in multipart bodies too', async () => {
    const app = await buildApp({ csrf: false }, (instance) => {
      instance.post('/', async (request) => {
        const bound = await request.bindForm(form)
        return { valid: bound.valid, data: bound.data, protoType: Object.getPrototypeOf(bound.data) === Object.prototype }
      })
    })
    const body = multipartBody('b0undary', [{ name: '__proto__', value: 'x' }, { name: 'constructor', value: 'y' }, { name: 'name', value: 'Ada' }, { name: 'things', value: 'b' }, { name: 'stray', filename: 'x.bin', content: 'zzz' }])
    const res = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'multipart/form-data; boundary=b0undary' }, payload: body })
    await app.close()
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ valid: true, data: { name: 'Ada', consent: false, things: ['b'], tags: [] }, protoType: true })
    expect(Object.prototype).not.toHaveProperty('x')
  })

  it('refuses field names that could reach Object.prototype or break HTML', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a b', '"x', '1abc', '']) {
      expect(() => defineForm({ [name]: fields.text() }), name).toThrow(expect.objectContaining({ code: 'SHIPYARD_FORM_INVALID_DEFINITION' }))
    }
  })

  it('refuses a file field that is not last, two file fields, and empty or duplicate choices', () => {
    expect(() => defineForm({ file: fields.file(), title: fields.text() })).toThrow(/must be the last field/)
    expect(() => defineForm({ a: fields.file(), b: fields.file() })).toThrow(/must be the last field/)
    expect(() => defineForm({ s: fields.select({ choices: [] }) })).toThrow(/at least one choice/)
    expect(() => defineForm({ s: fields.select({ choices: ['a', 'a'] }) })).toThrow(/duplicate choice/)
    expect(() => defineForm({})).toThrow(/at least one field/)
    expect(() => defineForm({ a: fields.text() }, { id: '1 bad' })).toThrow(/"id" must match/)
  })
})
