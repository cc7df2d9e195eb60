import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPostgresStore, createSqliteStore, type NewSignup, type SignupStore } from '../src/index.js'
import { activeSignups } from '../src/store/types.js'
import { freshPostgresDatabase, removeTempDirs, tempDir } from './helpers.js'

afterAll(removeTempDirs)

function signup (overrides: Partial<NewSignup> = {}): NewSignup {
  return {
    id: randomBytes(12).toString('base64url'),
    site: 'alpha.test',
    email: `${randomBytes(4).toString('hex')}@example.com`,
    name: null,
    locale: 'en',
    status: 'active',
    createdAt: new Date(),
    consentGiven: true,
    consentTextHash: 'a'.repeat(64),
    userAgent: 'UA',
    ip: '192.0.2.1',
    ipHashed: false,
    ...overrides,
  }
}

interface Backend {
  name: 'sqlite' | 'postgres'
  open: () => Promise<{ store: SignupStore, reopen: () => SignupStore }>
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    async open () {
      const path = join(tempDir(), 'nested', 'shipyard.sqlite')
      return { store: createSqliteStore({ path }), reopen: () => createSqliteStore({ path }) }
    },
  },
  {
    name: 'postgres',
    async open () {
      const url = await freshPostgresDatabase()
      return { store: createPostgresStore({ connectionString: url }), reopen: () => createPostgresStore({ connectionString: url }) }
    },
  },
]

describe.each(backends)('$name store', ({ name, open }) => {
  let store: SignupStore
  let reopen: () => SignupStore
  const extra: SignupStore[] = []
  beforeEach(async () => {
    ({ store, reopen } = await open())
    expect(await store.migrate()).toEqual([1])
  })
  afterEach(async () => {
    await Promise.all([store, ...extra.splice(0)].map((s) => s.close()))
  })

  it('applies migrations once, recorded by version', async () => {
    expect(store.kind).toBe(name)
    expect(await store.migrate()).toEqual([])
    const again = reopen()
    extra.push(again)
    expect(await again.migrate()).toEqual([])
  })

  it('two instances migrating at the same time apply each version once', async () => {
    const { store: fresh, reopen: another } = await open()
    const second = another()
    extra.push(fresh, second)
    const results = await Promise.all([fresh.migrate(), second.migrate()])
    expect(results.flat()).toEqual([1])
  })

  it('inserts once per (site, address) and returns the stored row on a duplicate', async () => {
    const first = signup({ email: 'a@example.com' })
    const inserted = await store.insert(first)
    expect(inserted.inserted).toBe(true)
    expect(inserted.signup).toMatchObject({ id: first.id, email: 'a@example.com', status: 'active', confirmedAt: null, unsubscribedAt: null, confirmationsSent: 0 })
    expect(inserted.signup.createdAt.getTime()).toBe(first.createdAt.getTime())
    const duplicate = await store.insert(signup({ email: 'a@example.com' }))
    expect(duplicate).toMatchObject({ inserted: false, signup: { id: first.id } })
    expect((await store.insert(signup({ email: 'a@example.com', site: 'beta.test' }))).inserted).toBe(true)
    expect(await store.counts()).toEqual([
      { site: 'alpha.test', active: 1, pending: 0, unsubscribed: 0 },
      { site: 'beta.test', active: 1, pending: 0, unsubscribed: 0 },
    ])
  })

  it('concurrent inserts of the same address store one row', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => store.insert(signup({ email: 'race@example.com' }))))
    expect(results.filter((r) => r.inserted)).toHaveLength(1)
    expect(new Set(results.map((r) => r.signup.id)).size).toBe(1)
  })

  it('keeps the consent proof', async () => {
    const s = signup({ consentGiven: false, consentTextHash: 'b'.repeat(64), userAgent: null, ip: 'hash', ipHashed: true, name: 'Zoë', locale: 'de' })
    await store.insert(s)
    expect(await store.get(s.id)).toMatchObject({ consentGiven: false, consentTextHash: 'b'.repeat(64), userAgent: null, ip: 'hash', ipHashed: true, name: 'Zoë', locale: 'de' })
    expect(await store.get('nope')).toBeUndefined()
  })

  it('confirms pending sign-ups once', async () => {
    const s = signup({ status: 'pending' })
    await store.insert(s)
    expect((await store.activePage('alpha.test', 0, 10))).toHaveLength(0)
    const at = new Date()
    expect(await store.confirm(s.id, at)).toBe(true)
    expect(await store.confirm(s.id, at)).toBe(false)
    expect(await store.get(s.id)).toMatchObject({ status: 'active', confirmedAt: at })
  })

  it('unsubscribes, once, and excludes from the active list', async () => {
    const s = signup()
    await store.insert(s)
    expect(await store.unsubscribe(s.id, new Date())).toBe(true)
    expect(await store.unsubscribe(s.id, new Date())).toBe(false)
    expect(await store.unsubscribe('unknown', new Date())).toBe(false)
    expect((await store.get(s.id))?.status).toBe('unsubscribed')
    expect(await store.activePage('alpha.test', 0, 10)).toEqual([])
    expect(await store.counts()).toEqual([{ site: 'alpha.test', active: 0, pending: 0, unsubscribed: 1 }])
  })

  it('caps confirmation mails per sign-up', async () => {
    const s = signup({ status: 'pending' })
    await store.insert(s)
    const claims = []
    for (let i = 0; i < 5; i++) claims.push(await store.claimConfirmationMail(s.id, 3))
    expect(claims).toEqual([true, true, true, false, false])
    expect((await store.get(s.id))?.confirmationsSent).toBe(3)
    const active = signup()
    await store.insert(active)
    expect(await store.claimConfirmationMail(active.id, 3)).toBe(false)
  })

  it('deletes expired pending sign-ups only', async () => {
    const old = signup({ status: 'pending', createdAt: new Date(Date.now() - 3_600_000) })
    const recent = signup({ status: 'pending' })
    const confirmedOld = signup({ status: 'active', createdAt: new Date(Date.now() - 3_600_000) })
    for (const s of [old, recent, confirmedOld]) await store.insert(s)
    expect(await store.deleteExpiredPending(new Date(Date.now() - 60_000))).toBe(1)
    expect(await store.get(old.id)).toBeUndefined()
    expect(await store.get(recent.id)).toBeDefined()
    expect(await store.get(confirmedOld.id)).toBeDefined()
  })

  it('pages through the active sign-ups of a site in insertion order', async () => {
    const emails: string[] = []
    for (let i = 0; i < 23; i++) {
      const s = signup({ email: `p${String(i).padStart(2, '0')}@example.com` })
      emails.push(s.email)
      await store.insert(s)
    }
    await store.insert(signup({ site: 'beta.test' }))
    const seen: string[] = []
    for await (const s of activeSignups(store, 'alpha.test', 5)) seen.push(s.email)
    expect(seen).toEqual(emails)
  })

  it('a row survives closing and reopening the store', async () => {
    const s = signup()
    await store.insert(s)
    await store.close()
    store = reopen()
    expect((await store.get(s.id))?.email).toBe(s.email)
  })
})

describe('sqlite specifics', () => {
  it('uses WAL with synchronous=FULL, prefixed tables beside other features', async () => {
    const path = join(tempDir(), 'shared.sqlite')
    const other = new Database(path)
    other.exec('CREATE TABLE forms_submissions (id INTEGER PRIMARY KEY)')
    const store = createSqliteStore({ path })
    await store.migrate()
    await store.insert(signup())
    const check = new Database(path, { readonly: true })
    expect(check.pragma('journal_mode', { simple: true })).toBe('wal')
    const tables = check.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all().map((t) => t.name)
    expect(tables).toEqual(['forms_submissions', 'landing_schema_migrations', 'landing_signups'])
    check.close()
    other.close()
    await store.close()
  })

  it('groups concurrent inserts into few transactions and acknowledges each', async () => {
    const store = createSqliteStore({ path: join(tempDir(), 'batch.sqlite') })
    await store.migrate()
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => store.insert(signup({ email: `b${i}@example.com` }))))
    expect(results.every((r) => r.inserted)).toBe(true)
    expect((await store.counts())[0]?.active).toBe(500)
    await store.close()
  })
})

describe('postgres specifics', () => {
  it('a store given a pool leaves it open', async () => {
    const pool = new pg.Pool({ connectionString: await freshPostgresDatabase() })
    const store = createPostgresStore({ pool })
    await store.migrate()
    await store.close()
    expect((await pool.query('SELECT COUNT(*)::int AS n FROM landing_signups')).rows[0].n).toBe(0)
    await pool.end()
  })
})
