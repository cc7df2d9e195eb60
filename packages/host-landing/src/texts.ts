/** Built-in wording of the pages and the confirmation mail; `{title}` is replaced by the site title. */
export interface Texts {
  emailLabel: string
  nameLabel: string
  honeypotLabel: string
  submit: string
  consent: string
  privacyPolicy: string
  contact: string
  thanksHeading: string
  thanks: string
  checkInbox: string
  confirmHeading: string
  confirmButton: string
  confirmed: string
  unsubscribeHeading: string
  unsubscribeButton: string
  unsubscribed: string
  mailSubject: string
  mailBody: string
  errorHeading: string
  backHome: string
}

const en: Texts = {
  emailLabel: 'Email address',
  nameLabel: 'Name (optional)',
  honeypotLabel: 'Leave this field empty',
  submit: 'Notify me',
  consent: 'I agree that {title} may email me about its launch. I can unsubscribe at any time.',
  privacyPolicy: 'Privacy policy',
  contact: 'Contact',
  thanksHeading: 'Thank you!',
  thanks: 'You are on the list. We will write when {title} goes live.',
  checkInbox: 'Almost done: we sent you an email. Open the link in it to confirm your address.',
  confirmHeading: 'Confirm your sign-up',
  confirmButton: 'Yes, keep me posted',
  confirmed: 'Your address is confirmed. We will write when {title} goes live.',
  unsubscribeHeading: 'Unsubscribe',
  unsubscribeButton: 'Unsubscribe me',
  unsubscribed: 'You are unsubscribed and will get no more mail from {title}.',
  mailSubject: 'Please confirm your sign-up to {title}',
  mailBody: 'Hello,\n\nsomeone (hopefully you) asked to be told when {title} goes live.\nTo confirm, open this link and press the button:\n\n{link}\n\nIf it was not you, ignore this mail: without confirmation the address is deleted.\n',
  errorHeading: 'Sorry',
  backHome: 'Back to the start page',
}

const de: Texts = {
  emailLabel: 'E-Mail-Adresse',
  nameLabel: 'Name (optional)',
  honeypotLabel: 'Dieses Feld leer lassen',
  submit: 'Benachrichtigen',
  consent: 'Ich bin einverstanden, dass {title} mir zum Start eine E-Mail schickt. Ich kann mich jederzeit abmelden.',
  privacyPolicy: 'Datenschutz',
  contact: 'Kontakt',
  thanksHeading: 'Danke!',
  thanks: 'Sie stehen auf der Liste. Wir schreiben Ihnen, sobald {title} startet.',
  checkInbox: 'Fast geschafft: Wir haben Ihnen eine E-Mail geschickt. Öffnen Sie den Link darin, um Ihre Adresse zu bestätigen.',
  confirmHeading: 'Anmeldung bestätigen',
  confirmButton: 'Ja, bitte benachrichtigen',
  confirmed: 'Ihre Adresse ist bestätigt. Wir schreiben Ihnen, sobald {title} startet.',
  unsubscribeHeading: 'Abmelden',
  unsubscribeButton: 'Abmelden',
  unsubscribed: 'Sie sind abgemeldet und bekommen keine E-Mails mehr von {title}.',
  mailSubject: 'Bitte bestätigen Sie Ihre Anmeldung bei {title}',
  mailBody: 'Hallo,\n\njemand (hoffentlich Sie) möchte benachrichtigt werden, sobald {title} startet.\nZum Bestätigen öffnen Sie diesen Link und drücken den Knopf:\n\n{link}\n\nWaren Sie es nicht, ignorieren Sie diese E-Mail: ohne Bestätigung wird die Adresse gelöscht.\n',
  errorHeading: 'Entschuldigung',
  backHome: 'Zur Startseite',
}

const fr: Texts = {
  emailLabel: 'Adresse e-mail',
  nameLabel: 'Nom (facultatif)',
  honeypotLabel: 'Laissez ce champ vide',
  submit: 'Me prévenir',
  consent: 'J’accepte que {title} m’écrive lors de son lancement. Je peux me désinscrire à tout moment.',
  privacyPolicy: 'Confidentialité',
  contact: 'Contact',
  thanksHeading: 'Merci !',
  thanks: 'Vous êtes inscrit. Nous vous écrirons quand {title} ouvrira.',
  checkInbox: 'Presque fini : nous vous avons envoyé un e-mail. Ouvrez le lien qu’il contient pour confirmer votre adresse.',
  confirmHeading: 'Confirmez votre inscription',
  confirmButton: 'Oui, prévenez-moi',
  confirmed: 'Votre adresse est confirmée. Nous vous écrirons quand {title} ouvrira.',
  unsubscribeHeading: 'Désinscription',
  unsubscribeButton: 'Me désinscrire',
  unsubscribed: 'Vous êtes désinscrit et ne recevrez plus d’e-mails de {title}.',
  mailSubject: 'Confirmez votre inscription à {title}',
  mailBody: 'Bonjour,\n\nquelqu’un (vous, espérons-le) souhaite être prévenu de l’ouverture de {title}.\nPour confirmer, ouvrez ce lien et appuyez sur le bouton :\n\n{link}\n\nSi ce n’était pas vous, ignorez cet e-mail : sans confirmation, l’adresse est supprimée.\n',
  errorHeading: 'Désolé',
  backHome: 'Retour à l’accueil',
}

const catalogue: Record<string, Texts> = { en, de, fr }

/** Texts for a locale: exact tag, then its language (`de-AT` → `de`), then English. */
export function textsFor (locale: string): Texts {
  return catalogue[locale.toLowerCase()] ?? catalogue[locale.split('-')[0]!.toLowerCase()] ?? en
}

export function fill (template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole)
}
