/**
 * A tiny browser-like HTTP session for end-to-end tests: keeps cookies, follows nothing automatically, and reads
 * the CSRF token out of a rendered form.
 */
export class HttpSession {
  private readonly cookies = new Map<string, string>()

  constructor (readonly base: string, private readonly defaultHeaders: Record<string, string> = {}) {}

  async request (path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers({ ...this.defaultHeaders, ...Object.fromEntries(new Headers(init.headers).entries()) })
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: 'manual' })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return res
  }

  cookie (name: string): string | undefined {
    return this.cookies.get(name)
  }

  /** Takes over another session's cookies, as one browser talking to another instance would. */
  adopt (other: HttpSession): void {
    for (const [name, value] of other.cookies) this.cookies.set(name, value)
  }
}

/** The value of the hidden CSRF field in a rendered form. */
export function csrfToken (html: string, fieldName = '_csrf'): string {
  const match = new RegExp(`name="${fieldName}"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="${fieldName}"`).exec(html)
  if (!match) throw new Error(`no ${fieldName} field in: ${html.slice(0, 500)}`)
  return (match[1] ?? match[2])!.replaceAll('&amp;', '&')
}
