import { readFileSync } from 'node:fs'
import { escapeHtml } from '@shipyard/form-widgets'
import type { SiteConfig } from './site.js'
import { fill, type Texts } from './texts.js'

// The one escaper of form-widgets (content and quoted attributes, with a fast path for clean values).
export { escapeHtml }

export type PageKind = 'landing' | 'thanks' | 'confirm' | 'confirmed' | 'unsubscribe' | 'unsubscribed' | 'error'

/** What a template gets to render one page. Strings ending in `Html` are safe markup; everything else is text. */
export interface PageContext {
  site: SiteConfig
  kind: PageKind
  /** the texts in the site's locale */
  texts: Texts
  /** `<link rel="stylesheet">` or a `<style nonce>` block for `<head>` */
  headHtml: string
  /** the main content: the sign-up form on the landing page, a message and maybe a button elsewhere */
  contentHtml: string
  escape: (text: string) => string
}

/** Renders a whole HTML document. Escape every site value you interpolate (`page.escape`). */
export type TemplateRenderer = (page: PageContext) => string

/**
 * The stylesheet of the default template. Only the validated accent colour is interpolated, and the text on
 * the accent-coloured button is black or white, whichever contrasts more.
 */
export function stylesheet (accentColor: string): string {
  const hex = accentColor.length === 4 ? accentColor.replace(/[0-9a-f]/g, (d) => d + d) : accentColor
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
  const luminance = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
  const onAccent = (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) ? '#000' : '#fff'
  return `:root{--accent:${hex};--on-accent:${onAccent};--bg:#f7f7f8;--card:#fff;--text:#1b1b1f;--muted:#4a4a55;--border:#8a8a96;--error:#a4161a;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root:not(.theme-light){--bg:#121216;--card:#1d1d23;--text:#f1f1f4;--muted:#c4c4cf;--border:#7b7b88;--error:#ff8f8f}}
:root.theme-dark{--bg:#121216;--card:#1d1d23;--text:#f1f1f4;--muted:#c4c4cf;--border:#7b7b88;--error:#ff8f8f}
:root.theme-light{color-scheme:light}
*,*::before,*::after{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;background:var(--bg);color:var(--text);font:1.0625rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{flex:1;width:100%;max-width:36rem;margin:0 auto;padding:12vh 1.25rem 2rem}
.landing-card{background:var(--card);border-top:.375rem solid var(--accent);border-radius:.75rem;padding:2rem 1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{margin:0 0 .5rem;font-size:clamp(1.75rem,5vw,2.5rem);line-height:1.15}
.landing-tagline{margin:0 0 1rem;font-size:1.2rem;color:var(--muted)}
.landing-description{margin:0 0 1.5rem}
form{display:grid;gap:1rem;margin-top:1.5rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
input[type=email],input[type=text]{width:100%;padding:.65rem .75rem;font:inherit;color:var(--text);background:var(--card);border:1px solid var(--border);border-radius:.375rem}
input[type=checkbox]{width:1.15rem;height:1.15rem;margin:0 .5rem 0 0;vertical-align:-.15rem;accent-color:var(--accent)}
.landing-consent label{display:inline;font-weight:400}
button{justify-self:start;padding:.7rem 1.4rem;font:inherit;font-weight:600;color:var(--on-accent);background:var(--accent);border:0;border-radius:.375rem;cursor:pointer}
button:hover{filter:brightness(1.08)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
a{color:inherit;text-decoration-color:var(--accent);text-decoration-thickness:2px;text-underline-offset:2px}
[aria-invalid=true]{border-color:var(--error)}
.sy-errors,.sy-form-errors,[role=alert]{color:var(--error)}
.landing-hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
footer{max-width:36rem;width:100%;margin:0 auto;padding:1rem 1.25rem 2rem;color:var(--muted);font-size:.95rem}
footer ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}
@media (max-width:30rem){main{padding-top:2rem}.landing-card{padding:1.5rem 1rem}button{width:100%}}
@media (prefers-reduced-motion:no-preference){button{transition:filter .15s}}
`
}

/** The built-in template: one card with title, tagline, description and the content; contact links below. */
export const defaultTemplate: TemplateRenderer = ({ site, texts, headHtml, contentHtml, kind }) => {
  const e = escapeHtml
  const links = [`<li>${e(texts.contact)}: <a href="mailto:${e(site.contactEmail)}">${e(site.contactEmail)}</a></li>`]
  if (site.privacyPolicyUrl) links.push(`<li><a href="${e(site.privacyPolicyUrl)}">${e(texts.privacyPolicy)}</a></li>`)
  const intro = kind === 'landing'
    ? (site.tagline ? `<p class="landing-tagline">${e(site.tagline)}</p>` : '') + (site.description ? `<p class="landing-description">${e(site.description)}</p>` : '')
    : ''
  return `<!doctype html>
<html lang="${e(site.locale)}" class="theme-${e(site.theme)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(site.title)}</title>
${site.tagline ? `<meta name="description" content="${e(site.tagline)}">\n` : ''}${headHtml}
</head>
<body>
<main>
<div class="landing-card">
<h1>${e(site.title)}</h1>
${intro}${contentHtml}
</div>
</main>
<footer><ul>${links.join('')}</ul></footer>
</body>
</html>
`
}

/**
 * A template from an HTML file: `{{title}}`, `{{tagline}}`, `{{description}}`, `{{contactEmail}}`, `{{locale}}`,
 * `{{theme}}`, `{{accentColor}}`, `{{privacyPolicyUrl}}`, `{{id}}` are replaced escaped; `{{{head}}}` and
 * `{{{content}}}` unescaped. The file is read once, at register time.
 */
export function fileTemplate (path: string): TemplateRenderer {
  const source = readFileSync(path, 'utf8')
  if (!source.includes('{{{content}}}')) throw new Error(`template file ${path} has no {{{content}}} placeholder`)
  return ({ site, headHtml, contentHtml }) => source.replace(/\{\{\{(head|content)\}\}\}|\{\{(\w+)\}\}/g, (whole, raw?: string, key?: string) => {
    if (raw === 'head') return headHtml
    if (raw === 'content') return contentHtml
    const value = (site as unknown as Record<string, unknown>)[key!]
    return value === undefined ? '' : escapeHtml(String(value))
  })
}

/** A paragraph with `{title}` filled in, escaped. */
export function message (template: string, site: SiteConfig): string {
  return `<p>${escapeHtml(fill(template, { title: site.title }))}</p>`
}
