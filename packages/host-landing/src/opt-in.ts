import nodemailer from 'nodemailer'
import type { SiteConfig } from './site.js'
import { fill, textsFor } from './texts.js'

export interface DoubleOptInOptions {
  /** SMTP URL (`smtp://user:pass@host:587`, `smtps://…`) or nodemailer SMTP transport options */
  smtp: string | Record<string, unknown>
  /** `From` of the confirmation mail, e.g. `"Launch list" <noreply@example.com>` */
  from: string
  /** milliseconds an unconfirmed sign-up (and its link) lives (default 48 h) */
  confirmationTtl?: number
  /** confirmation mails sent to one address at most, counting re-sends on repeated sign-ups (default 3) */
  maxConfirmationMails?: number
  /** milliseconds between sweeps deleting expired unconfirmed sign-ups (default 10 min) */
  sweepInterval?: number
}

export interface ConfirmationMail {
  site: SiteConfig
  to: string
  link: string
}

export interface Mailer {
  sendConfirmation: (mail: ConfirmationMail) => Promise<void>
  close: () => void
}

export function createMailer (options: DoubleOptInOptions): Mailer {
  const transport = nodemailer.createTransport(options.smtp as Parameters<typeof nodemailer.createTransport>[0])
  return {
    async sendConfirmation ({ site, to, link }) {
      const texts = textsFor(site.locale)
      await transport.sendMail({
        from: options.from,
        to,
        replyTo: site.contactEmail,
        subject: fill(texts.mailSubject, { title: site.title }),
        text: fill(texts.mailBody, { title: site.title, link }),
        headers: { 'Auto-Submitted': 'auto-generated' },
      })
    },
    close () {
      transport.close()
    },
  }
}
