import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import formWidgets, { defineForm, fields, validators, type BoundForm, type FileHandle, type FormData, type FormDefinition, type FormView } from '../src/index.js'

const everything = defineForm({
  text: fields.text({ required: true }),
  optionalText: fields.text(),
  email: fields.email({ required: 'input' }),
  password: fields.password({ validators: [validators.required()] }),
  url: fields.url(),
  search: fields.search(),
  tel: fields.tel(),
  age: fields.number({ integer: true, required: true }),
  price: fields.number(),
  birthday: fields.date(),
  bio: fields.textarea(),
  ref: fields.hidden(),
  consent: fields.checkbox(),
  size: fields.radio({ choices: ['s', 'm', 'l'], required: true }),
  colour: fields.select({ choices: [{ value: 'red', label: 'Red' }, ['blue', 'Blue']] }),
  things: fields.selectMultiple({ choices: ['a', 'b', 'c'], widget: 'checkboxes' }),
  attachment: fields.file(),
})

describe('inferred data', () => {
  it('is exact: required → present, multiple → array, number → number, checkbox → boolean, file → FileHandle', () => {
    expectTypeOf<FormData<typeof everything.fields>>().toEqualTypeOf<{
      text: string
      optionalText?: string
      email: string
      password: string
      url?: string
      search?: string
      tel?: string
      age: number
      price?: number
      birthday?: string
      bio?: string
      ref?: string
      consent: boolean
      size: 's' | 'm' | 'l'
      colour?: 'red' | 'blue'
      things: ('a' | 'b' | 'c')[]
      attachment?: FileHandle
    }>()
    expectTypeOf(everything.multipart).toEqualTypeOf<boolean>()
  })

  it('a required file is a FileHandle, never undefined', () => {
    const upload = defineForm({ title: fields.text({ required: true }), file: fields.file({ required: true, maxSize: 10 }) })
    expectTypeOf<FormData<typeof upload.fields>['file']>().toEqualTypeOf<FileHandle>()
    // any specific form is a FormDefinition, for helpers that take any form
    expectTypeOf(upload).toExtend<FormDefinition>()
  })

  it('narrows on valid: typed data only for a valid form', async () => {
    const app = Fastify()
    await app.register(formWidgets, { csrf: { secret: 'x'.repeat(32) } })
    const signup = defineForm({ email: fields.email({ required: true }), name: fields.text(), consent: fields.checkbox({ required: true }) })
    app.post('/', async (request) => {
      const form = await request.bindForm(signup)
      expectTypeOf(form).toEqualTypeOf<BoundForm<typeof signup.fields>>()
      if (form.valid) {
        expectTypeOf(form.data).toEqualTypeOf<{ email: string, consent: boolean, name?: string }>()
        expectTypeOf(form.data.email).toEqualTypeOf<string>()
      } else {
        expectTypeOf(form.data).toEqualTypeOf<Partial<{ email: string, consent: boolean, name?: string }>>()
        // @ts-expect-error an invalid form's data may lack required fields
        expectTypeOf(form.data.email).toEqualTypeOf<string>()
      }
      // @ts-expect-error `valid` must be checked before data is trusted
      const email: string = form.data.email
      // @ts-expect-error unknown fields are not in errors
      form.errors.nope?.join('')
      expectTypeOf(form.errors.email).toEqualTypeOf<string[] | undefined>()
      // @ts-expect-error renderField only takes the form's field names
      form.renderField('nope')
      return email
    })
    app.get('/', async (request) => {
      const form = request.form(signup, { initial: { email: 'a@b.c', consent: true } })
      expectTypeOf(form).toEqualTypeOf<FormView<typeof signup.fields>>()
      // @ts-expect-error initial values are typed
      request.form(signup, { initial: { consent: 'yes' } })
      // @ts-expect-error unknown initial values are refused
      request.form(signup, { initial: { nope: 'x' } })
      return form.render()
    })
  })

  it('rejects wrong builder options', () => {
    // @ts-expect-error choices are required for a select
    fields.select({})
    // @ts-expect-error min of a number field is a number
    fields.number({ min: '3' })
    // @ts-expect-error the multiple-select widget is select, checkboxes or a function
    fields.selectMultiple({ choices: ['a'], widget: 'radios' })
    // @ts-expect-error default of a select must be one of its choices
    fields.select({ choices: ['a', 'b'], default: 'c' })
    // @ts-expect-error a checkbox default is boolean
    fields.checkbox({ default: 'y' })
  })

  it('checks plugin options', () => {
    const app = Fastify()
    // @ts-expect-error csrf is required (a secret or false)
    app.register(formWidgets, {})
    // @ts-expect-error maxAge is a number of milliseconds
    app.register(formWidgets, { csrf: { secret: 'x'.repeat(32), maxAge: '1d' } })
    app.register(formWidgets, { csrf: false, limits: { fileSize: 1024 } })
  })
})
