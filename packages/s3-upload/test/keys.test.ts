import { describe, expect, it } from 'vitest'
import { contentDisposition, defaultKey, extensionOf, isSafeKey, sanitizeFilename } from '../src/keys.js'

describe('sanitizeFilename', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['C:\\Users\\me\\photo.JPG', 'photo.JPG'],
    ['../../etc/passwd', 'passwd'],
    ['evil\u202Egnp.exe', 'evilgnp.exe'],
    ['tab\tand\nnewline\u0000.txt', 'tabandnewline.txt'],
    ['  ..hidden.png.. ', 'hidden.png'],
    ['Cafe\u0301.png', 'Caf\u00e9.png'],
    ['', 'file'],
    ['///', 'file'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeFilename(input)).toBe(expected)
  })

  it('caps the length in characters and keeps the extension', () => {
    const long = `${'é'.repeat(300)}.png`
    const safe = sanitizeFilename(long, 50)
    expect([...safe]).toHaveLength(50)
    expect(safe.endsWith('.png')).toBe(true)
  })
})

describe('keys', () => {
  it('takes a short alphanumeric extension in lower case, or none', () => {
    expect(extensionOf('a.PNG')).toBe('.png')
    expect(extensionOf('archive.tar.gz')).toBe('.gz')
    expect(extensionOf('.bashrc')).toBe('')
    expect(extensionOf('noext')).toBe('')
    expect(extensionOf('weird.ext with space')).toBe('')
  })

  it('builds <prefix>/<uuid4 hex><ext>', () => {
    const key = defaultKey({ prefix: 'uploads', extension: '.png', originalName: 'a.png', contentType: 'image/png' })
    expect(key).toMatch(/^uploads\/[0-9a-f]{12}4[0-9a-f]{19}\.png$/)
    expect(defaultKey({ prefix: '', extension: '', originalName: 'a', contentType: 'text/plain' })).toMatch(/^[0-9a-f]{32}$/)
  })

  it('refuses keys that would escape a directory or confuse a store', () => {
    for (const bad of ['', '/abs', 'a/../b', 'a//b', './a', 'a\\b', 'a\u0000b', 'x'.repeat(1025)]) expect(isSafeKey(bad)).toBe(false)
    expect(isSafeKey('uploads/2024/a.png')).toBe(true)
  })

  it('writes Content-Disposition with an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('attachment', 'naïve "quote".txt')).toBe('attachment; filename="na_ve _quote_.txt"; filename*=UTF-8\'\'na%C3%AFve%20%22quote%22.txt')
    expect(contentDisposition('inline', "it's (1).png")).toBe('inline; filename="it\'s (1).png"; filename*=UTF-8\'\'it%27s%20%281%29.png')
  })
})
