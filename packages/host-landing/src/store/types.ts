export type SignupStatus = 'pending' | 'active' | 'unsubscribed'

/** The consent proof stored with every sign-up. */
export interface ConsentProof {
  /** whether the visitor ticked the consent box (false when the site does not ask) */
  consentGiven: boolean
  /** SHA-256 (hex) of the consent text shown: its version */
  consentTextHash: string
  userAgent: string | null
  /** the IP address, or its keyed hash when `hashIp` is on */
  ip: string | null
  ipHashed: boolean
}

export interface SignupFields extends ConsentProof {
  /** random public id (used in signed links) */
  id: string
  site: string
  /** normalised address */
  email: string
  name: string | null
  locale: string
  createdAt: Date
}

export interface NewSignup extends SignupFields {
  /** `pending` until confirmed when double opt-in is on */
  status: 'pending' | 'active'
}

export interface Signup extends SignupFields {
  /** insertion order, used for stable paging */
  seq: number
  status: SignupStatus
  confirmedAt: Date | null
  unsubscribedAt: Date | null
  confirmationsSent: number
}

export interface SiteCounts {
  site: string
  active: number
  pending: number
  unsubscribed: number
}

export interface InsertResult {
  /** false when the site already had this address; nothing was written */
  inserted: boolean
  /** the row now stored for the address */
  signup: Signup
}

/**
 * Where sign-ups live. Every method resolves only once the change is durable. Implementations: SQLite (default,
 * one instance) and PostgreSQL (several instances).
 */
export interface SignupStore {
  readonly kind: 'sqlite' | 'postgres'
  /** applies pending migrations; returns the versions applied now */
  migrate: () => Promise<number[]>
  /** inserts unless (site, email) exists */
  insert: (signup: NewSignup) => Promise<InsertResult>
  get: (id: string) => Promise<Signup | undefined>
  /** pending → active; false when not pending */
  confirm: (id: string, at: Date) => Promise<boolean>
  /** pending/active → unsubscribed; false when already unsubscribed or unknown */
  unsubscribe: (id: string, at: Date) => Promise<boolean>
  /** counts one more confirmation mail unless `max` were sent; false when capped or not pending */
  claimConfirmationMail: (id: string, max: number) => Promise<boolean>
  /** deletes pending sign-ups created before `before`; returns how many */
  deleteExpiredPending: (before: Date) => Promise<number>
  /** active sign-ups of a site after `afterSeq`, in insertion order */
  activePage: (site: string, afterSeq: number, limit: number) => Promise<Signup[]>
  counts: () => Promise<SiteCounts[]>
  close: () => Promise<void>
}

/** Active sign-ups of a site, read page by page so memory stays flat whatever the list size. */
export async function * activeSignups (store: SignupStore, site: string, pageSize = 500): AsyncGenerator<Signup> {
  let after = 0
  for (;;) {
    const page = await store.activePage(site, after, pageSize)
    yield * page
    if (page.length < pageSize) return
    after = page[page.length - 1]!.seq
  }
}
