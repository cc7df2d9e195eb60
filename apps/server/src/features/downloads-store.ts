import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'

/** `{ filename: content }`, as the seed stores it; binary content round-trips as `{ base64 }`. */
export type BundleFiles = Record<string, string | Uint8Array>
export interface Bundle { id: string, files: BundleFiles, createdAt?: Date }

export const bundleIdPattern = /^[A-Za-z0-9_-]{1,64}$/

type StoredValue = string | { base64: string }

/** The `bundles` table in the server's SQLite file; other features keep their own tables in the same file. */
export class BundleStore {
  readonly #db: Database.Database

  constructor (file: string) {
    this.#db = new Database(file)
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('busy_timeout = 5000')
    this.#db.exec(`CREATE TABLE IF NOT EXISTS bundles (
      id TEXT PRIMARY KEY,
      files TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`)
  }

  isEmpty (): boolean {
    return this.#db.prepare('SELECT 1 FROM bundles LIMIT 1').get() === undefined
  }

  get (id: string): (Bundle & { createdAt: Date }) | undefined {
    const row = this.#db.prepare('SELECT files, created_at FROM bundles WHERE id = ?').get(id) as { files: string, created_at: number } | undefined
    if (!row) return undefined
    const stored = JSON.parse(row.files) as Record<string, StoredValue>
    const files: BundleFiles = {}
    for (const [name, value] of Object.entries(stored)) files[name] = typeof value === 'string' ? value : Buffer.from(value.base64, 'base64')
    return { id, files, createdAt: new Date(row.created_at) }
  }

  /** Stores (or replaces) a bundle; returns its id. */
  put (bundle: Bundle): string {
    if (!bundleIdPattern.test(bundle.id)) throw new Error(`bundle id must match ${bundleIdPattern} (got ${JSON.stringify(bundle.id)})`)
    const stored: Record<string, StoredValue> = {}
    for (const [name, value] of Object.entries(bundle.files)) {
      if (typeof value === 'string') stored[name] = value
      else if (value instanceof Uint8Array) stored[name] = { base64: Buffer.from(value).toString('base64') }
      else throw new Error(`bundle file ${JSON.stringify(name)} must be a string`)
    }
    this.#db.prepare('INSERT OR REPLACE INTO bundles (id, files, created_at) VALUES (?, ?, ?)')
      .run(bundle.id, JSON.stringify(stored), (bundle.createdAt ?? new Date()).getTime())
    return bundle.id
  }

  close (): void {
    this.#db.close()
  }
}

export function openBundleStore (config: { dataDir: string }): BundleStore {
  const dir = resolve(config.dataDir)
  mkdirSync(dir, { recursive: true })
  return new BundleStore(join(dir, 'shipyard.sqlite'))
}

function withStore<T> (config: { dataDir: string }, action: (store: BundleStore) => T): T {
  const store = openBundleStore(config)
  try {
    return action(store)
  } finally {
    store.close()
  }
}

/** Adds a `{ filename: content }` bundle to the server's database (for `shipyard bundles add`); returns its id. */
export function addBundle (config: { dataDir: string }, files: BundleFiles, options: { id?: string } = {}): string {
  return withStore(config, (store) => store.put({ id: options.id ?? randomUUID(), files }))
}

/** Adds every file under `dir` (names relative to it); text stays text, other bytes are kept exactly. */
export async function addBundleFromDir (config: { dataDir: string }, dir: string, options: { id?: string } = {}): Promise<string> {
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
export async function addBundleFromPath (config: { dataDir: string }, path: string, options: { id?: string } = {}): Promise<string> {
  if (statSync(path).isDirectory()) return addBundleFromDir(config, path, options)
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'))
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new Error(`${path}: expected a JSON object of { "filename": "content" }`)
  }
  return addBundle(config, parsed as Record<string, string>, options)
}
