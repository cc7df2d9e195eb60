import { describe, expect, it } from 'vitest'
import { de, defineForm, en, fields } from '../src/index.js'
import { bindPairs, buildApp } from './helpers.js'

const form = defineForm({
  email: fields.email({ label: 'E-Mail', required: true }),
  age: fields.number({ label: 'Alter', integer: true, min: 18 }),
  agree: fields.checkbox({ label: 'AGB', required: true }),
})

describe('message catalogue', () => {
  it('English by default, interpolating the field label', async () => {
    const res = await bindPairs(form, [['age', '12']])
    expect(res.errors).toEqual({ email: ['E-Mail is required.'], age: ['Alter must be at least 18.'], agree: ['Please tick “AGB”.'] })
  })

  it('German per request (bindForm locale) or as the plugin default', async () => {
    const perRequest = await bindPairs(form, [['email', 'x'], ['age', 'zwölf']], { locale: 'de' })
    expect(perRequest.errors).toEqual({ email: ['E-Mail muss eine gültige E-Mail-Adresse sein.'], age: ['Alter muss eine Zahl sein.'], agree: ['Bitte „AGB“ ankreuzen.'] })
    const pluginDefault = await bindPairs(form, [], { plugin: { locale: 'de' } })
    expect(pluginDefault.errors.email).toEqual(['E-Mail ist ein Pflichtfeld.'])
  })

  it('both catalogues define every message', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort())
    for (const [key, text] of Object.entries(de)) expect(text, key).not.toBe('')
  })

  it('messages are replaceable, and whole new locales can be added', async () => {
    const replaced = await bindPairs(form, [], { plugin: { messages: { en: { required: '{label}: {label} {nope} {} { please!' } } } })
    expect(replaced.errors.email).toEqual(['E-Mail: E-Mail {nope} {} { please!'])
    const french = await bindPairs(form, [['age', '3']], { locale: 'fr', plugin: { messages: { fr: { required: '{label} est obligatoire.', min: '{label} doit être au moins {min}.' } } } })
    // missing keys fall back to English
    expect(french.errors).toEqual({ email: ['E-Mail est obligatoire.'], age: ['Alter doit être au moins 18.'], agree: ['Please tick “AGB”.'] })
  })

  it('an unknown locale at bind time falls back to the plugin default; at register time it is an error', async () => {
    expect((await bindPairs(form, [], { locale: 'xx' })).errors.email).toEqual(['E-Mail is required.'])
    await expect(buildApp({ locale: 'xx' })).rejects.toMatchObject({ code: 'SHIPYARD_FORM_INVALID_OPTION', message: expect.stringContaining('"locale"') })
  })
})
