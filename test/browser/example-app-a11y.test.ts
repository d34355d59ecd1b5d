/**
 * The example app as people use it: every page and state (signed out and signed in, form errors,
 * the sign-in lock, the 403/404/405/413 pages) audited with axe-core (WCAG 2.0 A/AA and 2.1 AA
 * rules) in Chromium at a desktop width (1280 px) and a phone width (390 px). No serious or
 * critical violation is allowed; at 390 px no page may scroll sideways, and every button of the
 * device and token lists must be inside the viewport.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { after, before, describe, it } from 'node:test'
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core'
import { chromiumLaunchOptions, serviceSkip } from '../helpers/services.ts'
import { logIn, register, screenshot, signIn, startApp, submit, type RunningApp } from './helpers.ts'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const PASSWORD = 'correct horse battery staple'

const WIDTHS: { name: string; options: BrowserContextOptions }[] = [
  { name: 'desktop', options: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 } },
  { name: 'phone', options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } },
]

/** One serious or critical axe finding: `rule (impact): selector — what is wrong`. */
interface Finding {
  state: string
  rule: string
  impact: string
  target: string
  summary: string
}

/** Run axe-core in the page; the serious and critical violations, one entry per element. */
async function audit(page: Page, state: string): Promise<Finding[]> {
  // evaluate(), not a <script> tag: the app's Content-Security-Policy refuses inline scripts.
  await page.evaluate(AXE)
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: any[] }> } }).axe
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
    return r.violations.map((v) => ({
      id: v.id as string,
      impact: v.impact as string,
      nodes: (v.nodes as any[]).map((n) => ({ target: (n.target as string[]).join(' '), summary: String(n.failureSummary ?? '').split('\n').slice(0, 2).join(' ') })),
    }))
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => ({ state, rule: v.id, impact: v.impact, ...n })))
}

/** Horizontal overflow at this width, and buttons of tables that are not wholly in view. */
async function reflowProblems(page: Page, state: string): Promise<string[]> {
  return page.evaluate((state) => {
    const out: string[] = []
    const width = window.innerWidth
    const scroll = document.documentElement.scrollWidth
    if (scroll > width) out.push(`${state}: the page is ${scroll} px wide in a ${width} px window`)
    for (const b of document.querySelectorAll('table button')) {
      const r = b.getBoundingClientRect()
      if (r.left < 0 || r.right > width) out.push(`${state}: button "${b.textContent?.trim()}" spans ${Math.round(r.left)}..${Math.round(r.right)} px of ${width}`)
    }
    return out
  }, state)
}

describe('example app: axe-core and phone-width audit of every page', { skip: serviceSkip('chromium'), timeout: 300_000 }, () => {
  let app: RunningApp
  let browser: Browser
  before(async () => {
    app = await startApp()
    browser = await chromium.launch(chromiumLaunchOptions())
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  for (const { name, options } of WIDTHS) {
    it(`${name} (${options.viewport!.width} px): no serious or critical axe violation${name === 'phone' ? ', nothing wider than the screen' : ''}`, async () => {
      const url = (p: string) => `${app.origin}${p}`
      const findings: Finding[] = []
      const reflow: string[] = []
      const states: string[] = []
      const check = async (page: Page, state: string) => {
        states.push(state)
        findings.push(...(await audit(page, state)))
        if (name === 'phone') reflow.push(...(await reflowProblems(page, state)))
        await screenshot(page, `a11y-${name}-${state}`)
      }

      // ---- signed out
      const anon = await (await browser.newContext(options)).newPage()
      await anon.goto(url('/'))
      await check(anon, 'home-signed-out')
      await anon.goto(url('/login'))
      await check(anon, 'login')
      await signIn(anon, 'nobody', 'wrong password')
      await check(anon, 'login-error')
      await anon.goto(url('/register'))
      await check(anon, 'register')
      await anon.getByLabel('Username').fill('x')
      await anon.getByLabel('Password', { exact: true }).fill('short')
      await submit(anon, anon.getByRole('button', { name: 'Create account' }))
      await check(anon, 'register-errors')
      await anon.goto(url('/no/such/page'))
      await check(anon, 'not-found')
      await anon.goto(url('/logout'))
      await check(anon, 'logout-get-405')
      // A form whose CSRF token went stale: the 403 page.
      await anon.goto(url('/login'))
      await anon.evaluate(() => document.querySelector<HTMLInputElement>('input[name=csrf_token]')!.value = 'stale')
      await signIn(anon, 'nobody', 'x')
      await check(anon, 'csrf-403')
      // A body over the limit: the 413 page.
      await anon.goto(url('/login'))
      const big = await signIn(anon, 'nobody', 'x'.repeat(100_000))
      assert.equal(big.first.status(), 413)
      await check(anon, 'too-large-413')
      // The sign-in lock: failures until the throttle refuses.
      const locked = `lock-${name}`
      const owner = await (await browser.newContext(options)).newPage()
      await register(owner, app.origin, locked, PASSWORD)
      await owner.context().close()
      let status = 0
      for (let i = 0; i < 20 && status !== 429; i++) {
        await anon.goto(url('/login'))
        status = (await signIn(anon, locked, `wrong guess ${i}`)).first.status()
      }
      assert.equal(status, 429)
      await check(anon, 'login-locked-429')
      await anon.context().close()

      // ---- signed in, with a second device so the device list has a Sign out button
      const user = `user-${name}`
      const other = await (await browser.newContext({ ...options, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' })).newPage()
      await register(other, app.origin, user, PASSWORD)
      const page = await (await browser.newContext(options)).newPage()
      await logIn(page, app.origin, user, PASSWORD)
      await check(page, 'home-signed-in')
      await page.goto(url('/account'))
      await check(page, 'account')
      await page.getByLabel('Token name').fill('a deploy script with a long name')
      await submit(page, page.getByRole('button', { name: 'Create token' }))
      await check(page, 'account-token-created')
      assert.equal(await page.locator('table button').count(), 1, 'the token list has its Delete button (the reflow check is not vacuous)')
      await page.goto(url('/account/password'))
      await check(page, 'password')
      await page.getByLabel('Current password').fill('not it')
      await page.getByLabel('New password').fill('short')
      await submit(page, page.getByRole('button', { name: 'Change password' }))
      await check(page, 'password-errors')
      await page.goto(url('/account/sessions'))
      await check(page, 'devices')
      assert.equal(await page.locator('table button').count(), 1, 'the device list has a Sign out button for the other device')
      await page.goto(url('/reauth'))
      await check(page, 'reauth')
      await page.goto(url('/no/such/page'))
      await check(page, 'not-found-signed-in')
      await page.goto(url('/account'))
      await page.evaluate(() => document.querySelectorAll<HTMLInputElement>('input[name=csrf_token]').forEach((i) => (i.value = 'stale')))
      await submit(page, page.getByRole('button', { name: 'Create token' }))
      await check(page, 'csrf-403-signed-in')
      await page.context().close()
      await other.context().close()

      const byRule = new Map<string, number>()
      for (const f of findings) byRule.set(`${f.rule} (${f.impact})`, (byRule.get(`${f.rule} (${f.impact})`) ?? 0) + 1)
      const report = findings.map((f) => `  ${f.state}: ${f.rule} (${f.impact}) at ${f.target}: ${f.summary}`).join('\n')
      console.log(`# axe ${name}: ${states.length} states, ${findings.length} serious/critical elements; ${[...byRule].map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'}`)
      if (reflow.length) console.log(`# reflow ${name}: ${reflow.length} problems\n${reflow.map((r) => `#   ${r}`).join('\n')}`)
      assert.equal(findings.length, 0, `serious/critical axe violations at ${name} width:\n${report}`)
      assert.deepEqual(reflow, [], 'content wider than the phone screen')
    })
  }
})
