import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { migrations as allMigrations, type Migration } from './migrations.js'
import type { InsertResult, NewSignup, Signup, SignupStore } from './types.js'

export interface SqliteStoreOptions {
  /** database file; created with its directory when missing */
  path: string
  /**
   * `FULL` (default) fsyncs the WAL on every commit, so an acknowledged sign-up survives a power cut; `NORMAL`
   * survives a process crash only.
   */
  synchronous?: 'FULL' | 'NORMAL'
  /** milliseconds to wait for a lock held by another connection to the same file (default 5000) */
  busyTimeout?: number
  migrations?: readonly Migration[]
}

interface Row {
  seq: number
  id: string
  site: string
  email: string
  name: string | null
  locale: string
  status: Signup['status']
  created_at: number
  confirmed_at: number | null
  unsubscribed_at: number | null
  consent_given: number
  consent_text_hash: string
  user_agent: string | null
  ip: string | null
  ip_hashed: number
  confirmations_sent: number
}

function toSignup (row: Row): Signup {
  return {
    seq: row.seq,
    id: row.id,
    site: row.site,
    email: row.email,
    name: row.name,
    locale: row.locale,
    status: row.status,
    createdAt: new Date(row.created_at),
    confirmedAt: row.confirmed_at === null ? null : new Date(row.confirmed_at),
    unsubscribedAt: row.unsubscribed_at === null ? null : new Date(row.unsubscribed_at),
    consentGiven: row.consent_given === 1,
    consentTextHash: row.consent_text_hash,
    userAgent: row.user_agent,
    ip: row.ip,
    ipHashed: row.ip_hashed === 1,
    confirmationsSent: row.confirmations_sent,
  }
}

interface Pending {
  signup: NewSignup
  resolve: (result: InsertResult) => void
  reject: (err: unknown) => void
}

/**
 * SQLite through better-sqlite3 in WAL mode. Inserts arriving in the same event-loop turn are committed in one
 * transaction (group commit): one fsync acknowledges them all, which is what lets `synchronous=FULL` keep up
 * with many concurrent sign-ups.
 */
export function createSqliteStore (options: SqliteStoreOptions): SignupStore {
  mkdirSync(dirname(options.path), { recursive: true })
  const db = new Database(options.path)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
  db.pragma(`busy_timeout = ${options.busyTimeout ?? 5000}`)
  db.pragma('foreign_keys = ON')

  let statements: ReturnType<typeof prepare> | undefined
  const prepare = () => ({
    insert: db.prepare(`INSERT INTO landing_signups (id, site, email, name, locale, status, created_at, consent_given, consent_text_hash, user_agent, ip, ip_hashed)
      VALUES (@id, @site, @email, @name, @locale, @status, @createdAt, @consentGiven, @consentTextHash, @userAgent, @ip, @ipHashed)
      ON CONFLICT (site, email) DO NOTHING`),
    byAddress: db.prepare<[string, string], Row>('SELECT * FROM landing_signups WHERE site = ? AND email = ?'),
    byId: db.prepare<[string], Row>('SELECT * FROM landing_signups WHERE id = ?'),
    confirm: db.prepare("UPDATE landing_signups SET status = 'active', confirmed_at = ? WHERE id = ? AND status = 'pending'"),
    unsubscribe: db.prepare("UPDATE landing_signups SET status = 'unsubscribed', unsubscribed_at = ? WHERE id = ? AND status <> 'unsubscribed'"),
    claimMail: db.prepare("UPDATE landing_signups SET confirmations_sent = confirmations_sent + 1 WHERE id = ? AND status = 'pending' AND confirmations_sent < ?"),
    deleteExpired: db.prepare("DELETE FROM landing_signups WHERE status = 'pending' AND created_at < ?"),
    activePage: db.prepare<[string, number, number], Row>("SELECT * FROM landing_signups WHERE site = ? AND status = 'active' AND seq > ? ORDER BY seq LIMIT ?"),
    counts: db.prepare<[], { site: string, active: number, pending: number, unsubscribed: number }>(`SELECT site,
      SUM(status = 'active') AS active, SUM(status = 'pending') AS pending, SUM(status = 'unsubscribed') AS unsubscribed
      FROM landing_signups GROUP BY site ORDER BY site`),
  })
  const ready = () => (statements ??= prepare())

  let queue: Pending[] = []
  let scheduled = false
  const commitQueued = db.transaction((batch: Pending[]) => {
    const { insert, byAddress } = ready()
    return batch.map(({ signup }) => {
      const changes = insert.run({
        ...signup,
        createdAt: signup.createdAt.getTime(),
        consentGiven: signup.consentGiven ? 1 : 0,
        ipHashed: signup.ipHashed ? 1 : 0,
      }).changes
      return { inserted: changes === 1, signup: toSignup(byAddress.get(signup.site, signup.email)!) }
    })
  })
  const flush = () => {
    scheduled = false
    const batch = queue
    queue = []
    let results: InsertResult[]
    try {
      results = commitQueued.immediate(batch)
    } catch (err) {
      for (const pending of batch) pending.reject(err)
      return
    }
    batch.forEach((pending, i) => pending.resolve(results[i]!))
  }

  return {
    kind: 'sqlite',
    async migrate () {
      return applyMigrations(db, options.migrations ?? allMigrations)
    },
    insert (signup) {
      return new Promise<InsertResult>((resolve, reject) => {
        queue.push({ signup, resolve, reject })
        if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
      })
    },
    async get (id) {
      const row = ready().byId.get(id)
      return row && toSignup(row)
    },
    async confirm (id, at) {
      return ready().confirm.run(at.getTime(), id).changes === 1
    },
    async unsubscribe (id, at) {
      return ready().unsubscribe.run(at.getTime(), id).changes === 1
    },
    async claimConfirmationMail (id, max) {
      return ready().claimMail.run(id, max).changes === 1
    },
    async deleteExpiredPending (before) {
      return ready().deleteExpired.run(before.getTime()).changes
    },
    async activePage (site, afterSeq, limit) {
      return ready().activePage.all(site, afterSeq, limit).map(toSignup)
    },
    async counts () {
      return ready().counts.all().map((c) => ({ site: c.site, active: c.active, pending: c.pending, unsubscribed: c.unsubscribed }))
    },
    async close () {
      if (queue.length > 0) flush()
      if (db.open) db.close()
    },
  }
}

function applyMigrations (db: Database.Database, migrations: readonly Migration[]): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS landing_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
  const applied: number[] = []
  // IMMEDIATE takes the write lock first, so two processes starting together do not both migrate.
  db.transaction(() => {
    const done = new Set(db.prepare<[], { version: number }>('SELECT version FROM landing_schema_migrations').all().map((r) => r.version))
    for (const migration of migrations) {
      if (done.has(migration.version)) continue
      db.exec(migration.sqlite)
      db.prepare('INSERT INTO landing_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, Date.now())
      applied.push(migration.version)
    }
  }).immediate()
  return applied
}
