import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import pg from 'pg'

/** `{ filename: content }`, as the seed stores it; binary content round-trips as `{ base64 }`. */
export type BundleFiles = Record<string, string | Uint8Array>
export interface Bundle { id: string, files: BundleFiles, createdAt?: Date }

export const bundleIdPattern = /^[A-Za-z0-9_-]{1,64}$/

type StoredValue = string | { base64: string }

/**
 * Where bundles live: the `bundles` table of the server's SQLite file, or of PostgreSQL when `DATABASE_URL` is
 * set, so every instance behind a balancer serves the same bundles. Other features keep their own tables.
 */
export interface BundleStore {
  readonly kind: 'sqlite' | 'postgres'
  isEmpty (): Promise<boolean>
  get (id: string): Promise<(Bundle & { createdAt: Date }) | undefined>
  /** Stores (or replaces) a bundle; returns its id. */
  put (bundle: Bundle): Promise<string>
  close (): Promise<void>
}

function encodeFiles (bundle: Bundle): string {
  if (!bundleIdPattern.test(bundle.id)) throw new Error(`bundle id must match ${bundleIdPattern} (got ${JSON.stringify(bundle.id)})`)
  const stored: Record<string, StoredValue> = {}
  for (const [name, value] of Object.entries(bundle.files)) {
    if (typeof value === 'string') stored[name] = value
    else if (value instanceof Uint8Array) stored[name] = { base64: Buffer.from(value).toString('base64') }
    else throw new Error(`bundle file ${JSON.stringify(name)} must be a string`)
  }
  return JSON.stringify(stored)
}

function decodeFiles (json: string): BundleFiles {
  const stored = JSON.parse(json) as Record<string, StoredValue>
  const files: BundleFiles = {}
  for (const [name, value] of Object.entries(stored)) files[name] = typeof value === 'string' ? value : Buffer.from(value.base64, 'base64')
  return files
}

class SqliteBundleStore implements BundleStore {
  readonly kind = 'sqlite'
  readonly #db: Database.Database
  // Prepared once: besides saving work, a Statement per call would leave garbage Statement wrappers, whose
  // collection aborts better-sqlite3 12 built against Node ≥ 24.19 headers (nodejs/node#65446).
  readonly #statements: { any: Database.Statement, get: Database.Statement, put: Database.Statement }

  constructor (file: string) {
    this.#db = new Database(file)
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('busy_timeout = 5000')
    this.#db.exec(`CREATE TABLE IF NOT EXISTS bundles (
      id TEXT PRIMARY KEY,
      files TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`)
    this.#statements = {
      any: this.#db.prepare('SELECT 1 FROM bundles LIMIT 1'),
      get: this.#db.prepare('SELECT files, created_at FROM bundles WHERE id = ?'),
      put: this.#db.prepare('INSERT OR REPLACE INTO bundles (id, files, created_at) VALUES (?, ?, ?)'),
    }
  }

  async isEmpty (): Promise<boolean> {
    return this.#statements.any.get() === undefined
  }

  async get (id: string): Promise<(Bundle & { createdAt: Date }) | undefined> {
    const row = this.#statements.get.get(id) as { files: string, created_at: number } | undefined
    return row && { id, files: decodeFiles(row.files), createdAt: new Date(row.created_at) }
  }

  async put (bundle: Bundle): Promise<string> {
    this.#statements.put.run(bundle.id, encodeFiles(bundle), (bundle.createdAt ?? new Date()).getTime())
    return bundle.id
  }

  async close (): Promise<void> {
    this.#db.close()
  }
}

class PostgresBundleStore implements BundleStore {
  readonly kind = 'postgres'
  readonly #pool: pg.Pool
  readonly #ready: Promise<unknown>

  constructor (connectionString: string) {
    this.#pool = new pg.Pool({ connectionString, max: 4 })
    // An idle client's connection can drop (database restart, failover): the pool discards it and the next query
    // reconnects. Unhandled, pg re-emits it as an 'error' that would crash the process.
    this.#pool.on('error', () => {})
    // Several instances may start at once: CREATE TABLE IF NOT EXISTS can race on the type, so serialise it.
    this.#ready = this.#pool.query(`DO $$ BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('shipyard_bundles_schema'));
      CREATE TABLE IF NOT EXISTS bundles (id TEXT PRIMARY KEY, files TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL);
    END $$`)
  }

  async #query<R extends pg.QueryResultRow> (text: string, values: unknown[] = []): Promise<R[]> {
    await this.#ready
    return (await this.#pool.query<R>(text, values)).rows
  }

  async isEmpty (): Promise<boolean> {
    return (await this.#query('SELECT 1 FROM bundles LIMIT 1')).length === 0
  }

  async get (id: string): Promise<(Bundle & { createdAt: Date }) | undefined> {
    const [row] = await this.#query<{ files: string, created_at: Date }>('SELECT files, created_at FROM bundles WHERE id = $1', [id])
    return row && { id, files: decodeFiles(row.files), createdAt: row.created_at }
  }

  async put (bundle: Bundle): Promise<string> {
    await this.#query(`INSERT INTO bundles (id, files, created_at) VALUES ($1, $2, $3)
      ON CONFLICT (id) DO UPDATE SET files = EXCLUDED.files, created_at = EXCLUDED.created_at`,
    [bundle.id, encodeFiles(bundle), bundle.createdAt ?? new Date()])
    return bundle.id
  }

  async close (): Promise<void> {
    await this.#ready.catch(() => {})
    await this.#pool.end()
  }
}

export interface BundleStoreConfig { dataDir: string, databaseUrl?: string }

export function openBundleStore (config: BundleStoreConfig): BundleStore {
  if (config.databaseUrl) return new PostgresBundleStore(config.databaseUrl)
  const dir = resolve(config.dataDir)
  mkdirSync(dir, { recursive: true })
  return new SqliteBundleStore(join(dir, 'shipyard.sqlite'))
}

async function withStore<T> (config: BundleStoreConfig, action: (store: BundleStore) => Promise<T>): Promise<T> {
  const store = openBundleStore(config)
  try {
    return await action(store)
  } finally {
    await store.close()
  }
}

/** Adds a `{ filename: content }` bundle to the server's database (for `shipyard bundles add`); returns its id. */
export function addBundle (config: BundleStoreConfig, files: BundleFiles, options: { id?: string } = {}): Promise<string> {
  return withStore(config, (store) => store.put({ id: options.id ?? randomUUID(), files }))
}

/** Adds every file under `dir` (names relative to it); text stays text, other bytes are kept exactly. */
export async function addBundleFromDir (config: BundleStoreConfig, dir: string, options: { id?: string } = {}): Promise<string> {
  const files: BundleFiles = {}
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  for (const entry of entries.sort((a, b) => join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)))) {
    if (!entry.isFile()) continue
    const full = join(entry.parentPath, entry.name)
    const bytes = await readFile(full)
    const text = bytes.toString('utf8')
    files[relative(dir, full).split(sep).join('/')] = Buffer.from(text, 'utf8').equals(bytes) ? text : bytes
  }
  return addBundle(config, files, options)
}

/** `shipyard bundles add <dir|json>`: a directory, or a JSON file holding `{ filename: content }`. */
export async function addBundleFromPath (config: BundleStoreConfig, path: string, options: { id?: string } = {}): Promise<string> {
  if (statSync(path).isDirectory()) return addBundleFromDir(config, path, options)
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'))
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new Error(`${path}: expected a JSON object of { "filename": "content" }`)
  }
  return addBundle(config, parsed as Record<string, string>, options)
}
