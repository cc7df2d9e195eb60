import pg from 'pg'
import { migrations as allMigrations, type Migration } from './migrations.js'
import type { Signup, SignupStore } from './types.js'

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  connectionString?: string
  /** an existing pool (not closed by the store) instead of `connectionString` */
  pool?: pg.Pool
  /** pool size when the store creates the pool (default 10) */
  max?: number
  migrations?: readonly Migration[]
}

interface Row {
  seq: string
  id: string
  site: string
  email: string
  name: string | null
  locale: string
  status: Signup['status']
  created_at: Date
  confirmed_at: Date | null
  unsubscribed_at: Date | null
  consent_given: boolean
  consent_text_hash: string
  user_agent: string | null
  ip: string | null
  ip_hashed: boolean
  confirmations_sent: number
}

function toSignup (row: Row): Signup {
  return {
    seq: Number(row.seq),
    id: row.id,
    site: row.site,
    email: row.email,
    name: row.name,
    locale: row.locale,
    status: row.status,
    createdAt: row.created_at,
    confirmedAt: row.confirmed_at,
    unsubscribedAt: row.unsubscribed_at,
    consentGiven: row.consent_given,
    consentTextHash: row.consent_text_hash,
    userAgent: row.user_agent,
    ip: row.ip,
    ipHashed: row.ip_hashed,
    confirmationsSent: row.confirmations_sent,
  }
}

// Any fixed number: serialises migrations of instances starting at the same time.
const migrationLock = 0x5a1d1a9

/** PostgreSQL through a `pg` pool, for several app instances sharing one database. */
export function createPostgresStore (options: PostgresStoreOptions): SignupStore {
  const ownPool = options.pool === undefined
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 })
  // An idle client losing its connection emits on the pool; without a listener that would crash the process.
  if (ownPool) pool.on('error', () => {})

  const one = async (text: string, values: unknown[]) => (await pool.query<Row>(text, values)).rows[0]

  return {
    kind: 'postgres',
    async migrate () {
      const client = await pool.connect()
      const applied: number[] = []
      try {
        await client.query('BEGIN')
        await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLock])
        await client.query('CREATE TABLE IF NOT EXISTS landing_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())')
        const done = new Set((await client.query<{ version: number }>('SELECT version FROM landing_schema_migrations')).rows.map((r) => r.version))
        for (const migration of options.migrations ?? allMigrations) {
          if (done.has(migration.version)) continue
          await client.query(migration.postgres)
          await client.query('INSERT INTO landing_schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name])
          applied.push(migration.version)
        }
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        client.release()
      }
      return applied
    },
    async insert (s) {
      const inserted = await one(`INSERT INTO landing_signups (id, site, email, name, locale, status, created_at, consent_given, consent_text_hash, user_agent, ip, ip_hashed)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (site, email) DO NOTHING RETURNING *`,
      [s.id, s.site, s.email, s.name, s.locale, s.status, s.createdAt, s.consentGiven, s.consentTextHash, s.userAgent, s.ip, s.ipHashed])
      if (inserted) return { inserted: true, signup: toSignup(inserted) }
      const existing = await one('SELECT * FROM landing_signups WHERE site = $1 AND email = $2', [s.site, s.email])
      return { inserted: false, signup: toSignup(existing!) }
    },
    async get (id) {
      const row = await one('SELECT * FROM landing_signups WHERE id = $1', [id])
      return row && toSignup(row)
    },
    async confirm (id, at) {
      return (await pool.query("UPDATE landing_signups SET status = 'active', confirmed_at = $1 WHERE id = $2 AND status = 'pending'", [at, id])).rowCount === 1
    },
    async unsubscribe (id, at) {
      return (await pool.query("UPDATE landing_signups SET status = 'unsubscribed', unsubscribed_at = $1 WHERE id = $2 AND status <> 'unsubscribed'", [at, id])).rowCount === 1
    },
    async claimConfirmationMail (id, max) {
      return (await pool.query("UPDATE landing_signups SET confirmations_sent = confirmations_sent + 1 WHERE id = $1 AND status = 'pending' AND confirmations_sent < $2", [id, max])).rowCount === 1
    },
    async deleteExpiredPending (before) {
      return (await pool.query("DELETE FROM landing_signups WHERE status = 'pending' AND created_at < $1", [before])).rowCount ?? 0
    },
    async activePage (site, afterSeq, limit) {
      const { rows } = await pool.query<Row>("SELECT * FROM landing_signups WHERE site = $1 AND status = 'active' AND seq > $2 ORDER BY seq LIMIT $3", [site, afterSeq, limit])
      return rows.map(toSignup)
    },
    async counts () {
      const { rows } = await pool.query<{ site: string, active: string, pending: string, unsubscribed: string }>(`SELECT site,
        COUNT(*) FILTER (WHERE status = 'active') AS active, COUNT(*) FILTER (WHERE status = 'pending') AS pending,
        COUNT(*) FILTER (WHERE status = 'unsubscribed') AS unsubscribed FROM landing_signups GROUP BY site ORDER BY site`)
      return rows.map((r) => ({ site: r.site, active: Number(r.active), pending: Number(r.pending), unsubscribed: Number(r.unsubscribed) }))
    },
    async close () {
      if (ownPool && !pool.ended) await pool.end()
    },
  }
}
