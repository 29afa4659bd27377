// Shared browser plumbing for the e2e tests: Debian's Chromium through playwright-core, a fresh
// profile per run, and screenshots into e2e/screenshots/.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const HERE = dirname(fileURLToPath(import.meta.url))
export const SCREENSHOTS = join(HERE, '..', 'screenshots')

export const BASE_URL = process.env.AGENTED_URL ?? ''
if (!BASE_URL) throw new Error('AGENTED_URL is not set: run the tests through e2e/run.sh')

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
]

/** Launches Chromium with a throw-away profile. Returns the context, its first page and a closer. */
export async function launch({ viewport = { width: 1280, height: 860 } } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'agented-e2e-profile-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport,
    baseURL: BASE_URL,
    acceptDownloads: true,
    colorScheme: 'light',
    locale: 'en-US',
    timezoneId: 'UTC',
  })
  context.setDefaultTimeout(15_000)
  const page = context.pages()[0] ?? (await context.newPage())
  // Anything the page logs as an error is worth seeing in the test output.
  const problems = []
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`)
  })
  return {
    context,
    page,
    problems,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

let shotCount = 0

/** Saves a full-page screenshot as screenshots/NN-name.png and returns its path. */
export async function screenshot(page, name, { fullPage = true, timeout } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  shotCount += 1
  const path = join(SCREENSHOTS, `${String(shotCount).padStart(2, '0')}-${name}.png`)
  await page.screenshot({ path, fullPage, ...(timeout ? { timeout } : {}) })
  return path
}

/**
 * Wraps a test body: on failure a screenshot named FAILED-<name> is saved before the error is
 * passed on, so a red test always comes with a picture of what the page showed.
 */
export function withScreenshotOnFailure(getPage, name, body) {
  return async (t) => {
    try {
      await body(t)
    } catch (err) {
      const page = getPage()
      if (page && !page.isClosed()) {
        await screenshot(page, `FAILED-${name}`).catch(() => {})
      }
      throw err
    }
  }
}
