import { chromium, type Browser } from 'playwright-core'

/**
 * Debian's Chromium driven by playwright-core (no browser download). The flags keep it from reaching for the
 * network, which this machine's closed network refuses.
 */
export function launchChromium (): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}
