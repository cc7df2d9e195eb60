import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { alpha, buildApp, removeTempDirs, signUp } from './helpers.js'
import { startSmtp, type SmtpServer } from './smtp.js'

let smtp: SmtpServer
let app: FastifyInstance | undefined
beforeAll(async () => { smtp = await startSmtp() })
afterAll(async () => { await smtp.stop() })
afterEach(async () => {
  await app?.close()
  app = undefined
  removeTempDirs()
})

async function start (optIn: Record<string, unknown> = {}) {
  app = (await buildApp({ rateLimit: { perIp: false }, doubleOptIn: { smtp: smtp.url, from: 'Launch list <noreply@shipyard.test>', ...optIn } })).app
  return app
}

/** Decodes a raw message's body (quoted-printable soft breaks and escapes). */
function bodyOf (raw: string): string {
  const body = raw.slice(raw.indexOf('\n\n') + 2)
  return /content-transfer-encoding: quoted-printable/i.test(raw)
    ? Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))), 'latin1').toString('utf8')
    : body
}

async function mailsTo (address: string, count: number): Promise<string[]> {
  await expect.poll(() => smtp.messages().filter((m) => m.includes(`To: ${address}`)).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(count)
  return smtp.messages().filter((m) => m.includes(`To: ${address}`))
}

const form = { 'content-type': 'application/x-www-form-urlencoded' }
const headers = { host: 'alpha.test', ...alpha }

describe('double opt-in over real SMTP', () => {
  it('mails a link whose GET only shows a button; the POST confirms', async () => {
    await start()
    const res = await signUp(app!, { email: 'Confirm.Me@Example.com' })
    expect(res.statusCode).toBe(303)
    const thanks = await app!.inject({ url: '/thanks', headers })
    expect(thanks.body).toContain('Open the link in it to confirm your address')
    expect((await app!.landing.store.counts())[0]).toMatchObject({ active: 0, pending: 1 })

    const [mail] = await mailsTo('Confirm.Me@example.com', 1)
    expect(mail).toContain('Subject: Please confirm your sign-up to Alpha')
    expect(mail).toContain('From: Launch list <noreply@shipyard.test>')
    expect(mail).toContain('Reply-To: hello@alpha.test')
    const link = /http:\/\/alpha\.test\/confirm\?token=[A-Za-z0-9_.-]+/.exec(bodyOf(mail!))![0]
    const url = new URL(link)

    // A mail scanner following the link confirms nothing.
    const page = await app!.inject({ url: url.pathname + url.search, headers })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<form method="post" action="/confirm">')
    expect(page.body).toContain('Yes, keep me posted')
    expect((await app!.landing.store.counts())[0]).toMatchObject({ active: 0, pending: 1 })

    const token = url.searchParams.get('token')!
    const confirmed = await app!.inject({ method: 'POST', url: '/confirm', headers: { ...headers, ...form }, payload: `token=${token}` })
    expect(confirmed.statusCode).toBe(200)
    expect(confirmed.body).toContain('Your address is confirmed')
    const [signup] = await app!.landing.store.activePage('alpha.test', 0, 10)
    expect(signup).toMatchObject({ email: 'Confirm.Me@example.com', status: 'active' })
    expect(signup!.confirmedAt).toBeInstanceOf(Date)
    // confirming twice is harmless
    expect((await app!.inject({ method: 'POST', url: '/confirm', headers: { ...headers, ...form }, payload: `token=${token}` })).statusCode).toBe(200)
  })

  it('caps re-sends to one address; every repeat still answers the same', async () => {
    await start({ maxConfirmationMails: 2 })
    for (let i = 0; i < 4; i++) {
      const res = await signUp(app!, { email: 'again@example.com' })
      expect(res.statusCode).toBe(303)
      expect(res.headers.location).toBe('/thanks')
    }
    await mailsTo('again@example.com', 2)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(smtp.messages().filter((m) => m.includes('To: again@example.com'))).toHaveLength(2)
    expect((await app!.landing.store.counts())[0]).toMatchObject({ pending: 1 })
  })

  it('unconfirmed sign-ups expire: swept from the store, and the link answers 410', async () => {
    await start({ confirmationTtl: 1000, sweepInterval: 100 })
    await signUp(app!, { email: 'late@example.com' })
    const [mail] = await mailsTo('late@example.com', 1)
    const token = new URL(/http:\/\/alpha\.test\/confirm\?token=[A-Za-z0-9_.-]+/.exec(bodyOf(mail!))![0]).searchParams.get('token')!
    await expect.poll(async () => (await app!.landing.store.counts()).length, { timeout: 5000 }).toBe(0)
    const res = await app!.inject({ method: 'POST', url: '/confirm', headers: { ...headers, ...form }, payload: `token=${token}` })
    expect(res.statusCode).toBe(410)
    expect(res.body).toContain('this confirmation link has expired')
    expect((await app!.inject({ url: `/confirm?token=${token}`, headers })).statusCode).toBe(410)
  })

  it('an SMTP failure is logged; the visitor still gets the same answer', async () => {
    const built = await buildApp({ doubleOptIn: { smtp: 'smtp://127.0.0.1:1', from: 'x@shipyard.test' } })
    app = built.app
    const res = await signUp(app, { email: 'nomail@example.com' })
    expect(res.statusCode).toBe(303)
    await expect.poll(() => built.logs.some((l) => l.msg === 'landing confirmation mail failed'), { timeout: 10_000 }).toBe(true)
  })
})
