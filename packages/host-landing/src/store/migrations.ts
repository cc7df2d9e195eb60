/**
 * Versioned schema changes, applied in order at start and recorded in `landing_schema_migrations`. Never edit
 * a released migration: add the next version. Tables are prefixed `landing_` because other features share
 * the SQLite file.
 */
export interface Migration {
  version: number
  name: string
  sqlite: string
  postgres: string
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'signups',
    sqlite: `
      CREATE TABLE landing_signups (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL,
        email TEXT NOT NULL,
        name TEXT,
        locale TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
        created_at INTEGER NOT NULL,
        confirmed_at INTEGER,
        unsubscribed_at INTEGER,
        consent_given INTEGER NOT NULL,
        consent_text_hash TEXT NOT NULL,
        user_agent TEXT,
        ip TEXT,
        ip_hashed INTEGER NOT NULL,
        confirmations_sent INTEGER NOT NULL DEFAULT 0,
        UNIQUE (site, email)
      );
      CREATE INDEX landing_signups_site_status ON landing_signups (site, status, seq);
      CREATE INDEX landing_signups_pending ON landing_signups (status, created_at);`,
    postgres: `
      CREATE TABLE landing_signups (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL,
        email TEXT NOT NULL,
        name TEXT,
        locale TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
        created_at TIMESTAMPTZ NOT NULL,
        confirmed_at TIMESTAMPTZ,
        unsubscribed_at TIMESTAMPTZ,
        consent_given BOOLEAN NOT NULL,
        consent_text_hash TEXT NOT NULL,
        user_agent TEXT,
        ip TEXT,
        ip_hashed BOOLEAN NOT NULL,
        confirmations_sent INTEGER NOT NULL DEFAULT 0,
        UNIQUE (site, email)
      );
      CREATE INDEX landing_signups_site_status ON landing_signups (site, status, seq);
      CREATE INDEX landing_signups_pending ON landing_signups (status, created_at);`,
  },
]
