/**
 * @module test/browser/helpers: the example app started in-process for browser tests, a
 * "hostile" site on another origin, and small Playwright helpers (form submits, screenshots,
 * a browser restart that keeps only persistent cookies).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page, Response } from 'playwright-core'
import { createApp, type ExampleApp } from '../../examples/app/app.tsx'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Where screenshots go (gitignored). */
export const SCREENSHOTS = path.join(ROOT, 'test-output', 'screenshots')

/** The example app on a free port of 127.0.0.1, on a temporary SQLite file. */
export interface RunningApp {
  origin: string
  site: ExampleApp
  close(): Promise<void>
}

/** Start the example app in-process. */
export async function startApp(): Promise<RunningApp> {
  const dir = mkdtempSync(path.join(tmpdir(), 'doorman-example-'))
  const site = await createApp({ dbPath: path.join(dir, 'app.sqlite'), secret: randomBytes(32).toString('base64url') })
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: site.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    site,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      site.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Another site: pages with forms that post to the app. It listens on 127.0.0.1 and is visited
 * as `http://localhost:PORT`, a different site from `http://127.0.0.1:…` as far as a browser
 * is concerned (the registrable domain differs), so its posts are cross-site.
 */
export async function startHostileSite(appOrigin: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '/logout'
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(`<!doctype html><title>Win a prize</title>
<form method="post" action="${appOrigin}${target}">
  <input type="hidden" name="csrf_token" value="guessed-token">
  <input type="hidden" name="current_password" value="x">
  <input type="hidden" name="new_password" value="attacker-password-123">
  <button type="submit">Claim your prize</button>
</form>`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** Click a submit button and wait for the page it leads to; returns the first response (the POST's). */
export async function submit(page: Page, button: Locator): Promise<{ first: Response; last: Response }> {
  const [last] = await Promise.all([page.waitForNavigation(), button.click()])
  if (!last) throw new Error('the form submission did not navigate')
  let req = last.request()
  while (req.redirectedFrom()) req = req.redirectedFrom()!
  const first = await req.response()
  if (!first) throw new Error('no response to the form submission')
  return { first, last }
}

/** Fill and submit the sign-in form on the current page. */
export async function signIn(page: Page, username: string, password: string, remember = false) {
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password', { exact: true }).fill(password)
  if (remember) await page.getByLabel('Remember me on this device').check()
  return submit(page, page.getByRole('button', { name: 'Sign in' }))
}

/** Open /login and sign in. */
export async function logIn(page: Page, origin: string, username: string, password: string, remember = false) {
  await page.goto(`${origin}/login`)
  return signIn(page, username, password, remember)
}

/** Register through the form. */
export async function register(page: Page, origin: string, username: string, password: string) {
  await page.goto(`${origin}/register`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password', { exact: true }).fill(password)
  return submit(page, page.getByRole('button', { name: 'Create account' }))
}

/** The name in the nav bar, or null when nobody is signed in. */
export async function signedInAs(page: Page): Promise<string | null> {
  const nav = page.getByTestId('signed-in-as')
  if ((await nav.count()) === 0) return null
  return (await nav.locator('strong').textContent())?.trim() ?? null
}

/** The flashed messages on the page, as `category: message`. */
export async function flashes(page: Page): Promise<string[]> {
  return page.locator('.flashes li').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-category')}: ${e.textContent?.trim()}`))
}

/** A full-page screenshot under test-output/screenshots. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** The browser window every context gets. */
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1180, height: 760 }, deviceScaleFactor: 1 }

/**
 * "Quit and reopen the browser": close the context and open a new one holding only the cookies
 * that would survive a restart (those with an expiry; session cookies die with the browser).
 */
export async function restartBrowser(browser: Browser, context: BrowserContext, options: BrowserContextOptions = DESKTOP): Promise<BrowserContext> {
  const state = await context.storageState()
  await context.close()
  const cookies = state.cookies.filter((c) => c.expires > 0)
  return browser.newContext({ ...options, storageState: { cookies, origins: [] } })
}
