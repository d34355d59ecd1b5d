/**
 * The example app (examples/app) in a real browser: Debian's Chromium driven by playwright-core.
 * Each test saves screenshots under test-output/screenshots.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import bcrypt from 'bcryptjs'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { loginAs } from 'doorman-login/testing'
import { chromiumLaunchOptions, serviceSkip } from '../helpers/services.ts'
import {
  DESKTOP, flashes, logIn, register, restartBrowser, screenshot, signIn, signedInAs, startApp, startHostileSite, submit,
  type RunningApp,
} from './helpers.ts'

const PASSWORD = 'correct horse battery staple'
const WINDOWS_FIREFOX_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0'
const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

describe('example app in Chromium', { skip: serviceSkip('chromium') }, () => {
  let app: RunningApp
  let browser: Browser
  const open: BrowserContext[] = []

  before(async () => {
    app = await startApp()
    browser = await chromium.launch(chromiumLaunchOptions())
  })
  after(async () => {
    for (const c of open) await c.close().catch(() => {})
    await browser?.close()
    await app?.close()
  })

  async function newPage(options = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext(options)
    open.push(context)
    return { context, page: await context.newPage() }
  }

  const url = (p: string) => `${app.origin}${p}`
  const path = (page: Page) => new URL(page.url()).pathname + new URL(page.url()).search

  it('registers an account, signs it in and flashes a welcome', async () => {
    const { page } = await newPage()
    await page.goto(url('/'))
    assert.equal(await signedInAs(page), null)
    await screenshot(page, 'home-anonymous')
    await page.goto(url('/register'))
    await screenshot(page, 'register')
    const { first } = await register(page, app.origin, 'alice', PASSWORD)
    assert.equal(first.status(), 303)
    assert.equal(path(page), '/')
    assert.equal(await signedInAs(page), 'alice')
    assert.deepEqual(await flashes(page), ['success: Welcome, alice! Your account is ready.'])
    assert.equal(await page.locator('.flash-success').count(), 1)
  })

  it('refuses a taken username, a short password and one over the length cap, with clear messages', async () => {
    const { page } = await newPage()
    const taken = await register(page, app.origin, 'Alice', PASSWORD)
    assert.equal(taken.first.status(), 400)
    assert.match((await page.locator('#username-error').textContent()) ?? '', /taken/)
    await register(page, app.origin, 'bob', 'short')
    assert.match((await page.locator('#password-error').textContent()) ?? '', /at least 8 characters/)
    await screenshot(page, 'register-errors')
    const long = await register(page, app.origin, 'bob', 'x'.repeat(1100))
    assert.equal(long.first.status(), 400)
    assert.match((await page.locator('#password-error').textContent()) ?? '', /too long.*1024 bytes/)
    // No composition rules: spaces, no digits, no capitals are fine.
    await register(page, app.origin, 'bob', 'just some lowercase words')
    assert.equal(await signedInAs(page), 'bob')
  })

  it('signs in without "remember me": a browser restart signs out', async () => {
    const { context, page } = await newPage()
    const { first } = await logIn(page, app.origin, 'alice', PASSWORD)
    assert.equal(first.status(), 303)
    assert.equal(await signedInAs(page), 'alice')
    assert.deepEqual(await flashes(page), ['success: Welcome back, alice.'])
    assert.equal(await page.getByTestId('home-remembered').textContent(), 'Off')
    const reopened = await restartBrowser(browser, context)
    open.push(reopened)
    const again = await reopened.newPage()
    await again.goto(url('/'))
    assert.equal(await signedInAs(again), null)
  })

  it('signs in with "remember me": still signed in after a restart, but must re-authenticate for a fresh-only page', async () => {
    const { context, page } = await newPage()
    await logIn(page, app.origin, 'alice', PASSWORD, true)
    assert.equal(await page.getByTestId('home-remembered').textContent(), 'On')
    const reopened = await restartBrowser(browser, context)
    open.push(reopened)
    const again = await reopened.newPage()
    await again.goto(url('/'))
    assert.equal(await signedInAs(again), 'alice')
    assert.match((await again.locator('.badge').first().textContent()) ?? '', /Restored/)

    // The password page needs a fresh login: a remembered one is sent to /reauth first.
    await again.goto(url('/account/password'))
    assert.equal(path(again), '/reauth?next=%2Faccount%2Fpassword')
    assert.deepEqual(await flashes(again), ['info: Please confirm your password to continue.'])
    await screenshot(again, 'reauth')
    await again.getByLabel('Password', { exact: true }).fill('not my password')
    const wrong = await submit(again, again.getByRole('button', { name: 'Confirm' }))
    assert.equal(wrong.first.status(), 401)
    assert.match((await again.getByRole('alert').textContent()) ?? '', /not right/)
    await again.getByLabel('Password', { exact: true }).fill(PASSWORD)
    await submit(again, again.getByRole('button', { name: 'Confirm' }))
    assert.equal(path(again), '/account/password')
    assert.deepEqual(await flashes(again), ['success: Thanks, that’s you. You can continue.'])
  })

  it('sends an anonymous visitor to the login page and back to the protected page through next', async () => {
    const { page } = await newPage()
    await page.goto(url('/account'))
    assert.equal(path(page), '/login?next=%2Faccount')
    assert.deepEqual(await flashes(page), ['info: Please sign in to see that page.'])
    await screenshot(page, 'login')
    await signIn(page, 'alice', PASSWORD)
    assert.equal(path(page), '/account')
    assert.equal(await page.getByTestId('account-username').textContent(), 'alice')
  })

  it('refuses a hostile next: //evil.example ends on the home page', async () => {
    const { page } = await newPage()
    await page.goto(url('/login?next=//evil.example'))
    await signIn(page, 'alice', PASSWORD)
    assert.equal(page.url(), url('/'))
    assert.equal(await signedInAs(page), 'alice')
  })

  it('upgrades an imported bcrypt hash at login, signing no other device out', async () => {
    // A user moved over from a Flask app with its bcrypt hash, already signed in on another device.
    const dave = app.site.users.createUser('dave', bcrypt.hashSync(PASSWORD, 10))!
    const before = await loginAs(app.site.manager, dave, { ip: '127.0.0.1' })
    const other = await newPage()
    await other.context.addCookies(before.browserCookies(app.origin))
    await other.page.goto(url('/'))
    assert.equal(await signedInAs(other.page), 'dave')

    const { page } = await newPage()
    await logIn(page, app.origin, 'dave', PASSWORD)
    assert.equal(await signedInAs(page), 'dave')
    const upgraded = app.site.users.userByName('dave')!
    assert.match(upgraded.passwordHash, /^\$argon2id\$/)
    assert.equal(upgraded.passwordEpoch, dave.passwordEpoch, 'a rehash keeps the auth epoch')
    await other.page.reload()
    assert.equal(await signedInAs(other.page), 'dave', 'the other device is still signed in')
  })

  it('answers an unknown user and a wrong password with the same page', async () => {
    const { page } = await newPage()
    await page.goto(url('/login'))
    const wrong = await signIn(page, 'alice', 'wrong password here')
    const wrongText = await page.getByRole('alert').textContent()
    await page.goto(url('/login'))
    const unknown = await signIn(page, 'nobody-at-all', 'wrong password here')
    assert.equal(wrong.first.status(), 401)
    assert.equal(unknown.first.status(), 401)
    assert.equal(wrongText, 'Invalid username or password.')
    assert.equal(await page.getByRole('alert').textContent(), wrongText)
    await screenshot(page, 'login-failed')
  })

  it('creates an API token shown once, and /api/me answers to it (401 JSON without)', async () => {
    const { page } = await newPage()
    await logIn(page, app.origin, 'alice', PASSWORD)
    await page.goto(url('/account'))
    await page.getByLabel('New token name').fill('backup script')
    await submit(page, page.getByRole('button', { name: 'Create token' }))
    const token = (await page.getByTestId('new-token').textContent()) ?? ''
    assert.match(token, /^dm_[A-Za-z0-9_-]{43}$/)
    await screenshot(page, 'account')
    await page.goto(url('/account'))
    assert.equal(await page.getByTestId('new-token').count(), 0, 'the token is shown only once')
    assert.equal((await page.content()).includes(token), false)

    const ok = await fetch(url('/api/me'), { headers: { authorization: `Bearer ${token}` } })
    assert.equal(ok.status, 200)
    assert.deepEqual({ ...(await ok.json()), createdAt: 'x', id: 'x' }, { id: 'x', username: 'alice', createdAt: 'x', authenticatedBy: 'api-token' })
    const no = await fetch(url('/api/me'))
    assert.equal(no.status, 401)
    assert.equal((await no.json()).error, 'unauthorized')
    const bad = await fetch(url('/api/me'), { headers: { authorization: `Bearer ${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` } })
    assert.equal(bad.status, 401)
  })

  it('lists devices and signs one out; the revoked browser, remembered or not, is signed out', async () => {
    const { page } = await newPage()
    await logIn(page, app.origin, 'alice', PASSWORD)
    // Start from this device alone: the tests above left sessions behind.
    await page.goto(url('/account/sessions'))
    await submit(page, page.getByRole('button', { name: /Sign out all other devices/ }))
    assert.equal(await page.locator('tbody tr').count(), 1)

    const phone = await newPage({ viewport: { width: 390, height: 760 }, userAgent: IPHONE_UA, isMobile: true, hasTouch: true })
    await logIn(phone.page, app.origin, 'alice', PASSWORD, true)
    await screenshot(phone.page, 'home-mobile')
    const laptop = await newPage({ ...DESKTOP, userAgent: WINDOWS_FIREFOX_UA })
    await logIn(laptop.page, app.origin, 'alice', PASSWORD)

    await page.goto(url('/account/sessions'))
    assert.equal(await page.locator('tr[data-device="current"]').count(), 1)
    assert.equal(await page.locator('tr[data-device="other"]').count(), 2)
    const iphoneRow = page.locator('tr[data-device="other"]', { hasText: 'Safari on iOS' })
    assert.equal(await iphoneRow.count(), 1)
    assert.equal(await page.locator('tr', { hasText: 'Firefox on Windows' }).count(), 1)
    await screenshot(page, 'sessions')
    await submit(page, iphoneRow.getByRole('button', { name: /Sign out/ }))
    assert.deepEqual(await flashes(page), ['success: That device has been signed out.'])
    assert.equal(await page.locator('tr', { hasText: 'Safari on iOS' }).count(), 0)

    await phone.page.goto(url('/account'))
    assert.equal(path(phone.page), '/login?next=%2Faccount', 'the phone is signed out, remember-me cookie included')
    await screenshot(phone.page, 'login-mobile')

    // "Sign out all other devices" ends every session but this one.
    await submit(page, page.getByRole('button', { name: /Sign out all other devices/ }))
    assert.deepEqual(await flashes(page), ['success: Signed out 1 other device.'])
    assert.equal(await page.locator('tr[data-device="other"]').count(), 0)
    await laptop.page.goto(url('/account'))
    assert.match(path(laptop.page), /^\/login/)
  })

  it('changes the password: the other browser is signed out, this one continues', async () => {
    const other = await newPage()
    await logIn(other.page, app.origin, 'alice', PASSWORD, true)
    const { page } = await newPage()
    await logIn(page, app.origin, 'alice', PASSWORD)
    await page.goto(url('/account/password'))
    await screenshot(page, 'account-password')
    await page.getByLabel('Current password').fill(PASSWORD)
    await page.getByLabel('New password').fill('a brand new passphrase')
    const { first } = await submit(page, page.getByRole('button', { name: 'Change password' }))
    assert.equal(first.status(), 303)
    assert.equal(path(page), '/account')
    assert.equal(await signedInAs(page), 'alice')
    assert.deepEqual(await flashes(page), ['success: Your password was changed. Every other device has been signed out.'])

    await other.page.goto(url('/'))
    assert.equal(await signedInAs(other.page), null, 'the other browser (even remembered) is signed out')
    const old = await logIn(other.page, app.origin, 'alice', PASSWORD)
    assert.equal(old.first.status(), 401)
    await logIn(other.page, app.origin, 'alice', 'a brand new passphrase')
    assert.equal(await signedInAs(other.page), 'alice')
    await page.goto(url('/account/sessions'))
    assert.equal(await page.locator('tbody tr').count(), 2)
  })

  it('refuses cross-site form posts to /logout and /account/password', async () => {
    const hostile = await startHostileSite(app.origin)
    try {
      const { page } = await newPage()
      await logIn(page, app.origin, 'alice', 'a brand new passphrase')
      for (const target of ['/logout', '/account/password']) {
        await page.goto(`${hostile.origin}/?to=${encodeURIComponent(target)}`)
        const { first } = await submit(page, page.getByRole('button', { name: 'Claim your prize' }))
        assert.equal(first.status(), 403, `cross-site POST ${target}`)
        if (target === '/logout') await screenshot(page, 'csrf-refused')
      }
      await page.goto(url('/'))
      assert.equal(await signedInAs(page), 'alice', 'still signed in')
      const check = await logIn((await newPage()).page, app.origin, 'alice', 'a brand new passphrase')
      assert.equal(check.first.status(), 303, 'the password did not change')
    } finally {
      await hostile.close()
    }
  })

  it('logs out with the POST button only (GET /logout is 405) and flashes it', async () => {
    const { page } = await newPage()
    await logIn(page, app.origin, 'alice', 'a brand new passphrase', true)
    await screenshot(page, 'home-signed-in')
    const get = await page.goto(url('/logout'))
    assert.equal(get?.status(), 405)
    assert.equal(get?.headers()['allow'], 'POST')
    assert.equal(await signedInAs(page), 'alice', 'a GET signs nobody out')
    await screenshot(page, 'logout-get-405')
    await page.goto(url('/'))
    await submit(page, page.getByRole('button', { name: 'Log out' }))
    assert.equal(await signedInAs(page), null)
    assert.deepEqual(await flashes(page), ['info: You have been signed out.'])
    await screenshot(page, 'logged-out')
    await page.goto(url('/account'))
    assert.match(path(page), /^\/login/, 'the remember-me cookie went with the logout')
  })

  it('throttles repeated failed sign-ins: the form again (429, Retry-After), saying on it when to retry', async () => {
    const { page } = await newPage()
    await register(page, app.origin, 'carol', PASSWORD)
    await submit(page, page.getByRole('button', { name: 'Log out' }))
    let status = 0
    let retryAfter: string | undefined
    for (let i = 0; i < 50 && status !== 429; i++) {
      await page.goto(url('/login'))
      const { first } = await signIn(page, 'carol', `wrong guess ${i}`)
      status = first.status()
      retryAfter = first.headers()['retry-after']
    }
    assert.equal(status, 429)
    assert.match(retryAfter ?? '', /^\d+$/)
    // Not a separate page: the sign-in form, with the name kept and an alert saying when to retry.
    assert.equal(await page.locator('h1').textContent(), 'Sign in')
    assert.equal(await page.getByLabel('Username').inputValue(), 'carol')
    const notice = page.getByRole('alert')
    assert.equal(await notice.count(), 1)
    assert.match((await notice.textContent()) ?? '', /Too many failed attempts.*try again in (\d+ seconds?|about \d+ minutes?)/)
    assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('aria-describedby'), 'login-lock')
    await screenshot(page, 'throttled')
    // Even the right password waits now.
    await page.goto(url('/login'))
    const right = await signIn(page, 'carol', PASSWORD)
    assert.equal(right.first.status(), 429)
    assert.equal(await page.getByTestId('lock-notice').count(), 1)
  })

  it('registers a name with letters outside ASCII (zoë), one account whatever the case or Unicode form', async () => {
    const { page } = await newPage()
    const nfd = 'zoe\u0308' // e + combining diaeresis
    const password = 'mot de passe enchanté' // with a precomposed é
    const { first } = await register(page, app.origin, nfd, password)
    assert.equal(first.status(), 303)
    assert.equal(await signedInAs(page), 'zoë') // stored and shown in NFC/NFKC form
    await submit(page, page.getByRole('button', { name: 'Log out' }))
    // Another spelling of the same name is taken.
    const taken = await register(page, app.origin, 'ZOË', PASSWORD)
    assert.equal(taken.first.status(), 400)
    assert.match((await page.locator('#username-error').textContent()) ?? '', /taken/)
    // Sign in with capitals and the password typed decomposed (NFD), as some keyboards send it.
    const back = await logIn(page, app.origin, 'Zoë', password.normalize('NFD'))
    assert.equal(back.first.status(), 303)
    assert.equal(await signedInAs(page), 'zoë')
    // Other alphabets are letters too; a Latin/Cyrillic look-alike mix is not.
    await submit(page, page.getByRole('button', { name: 'Log out' }))
    for (const name of ['Ἀθηνᾶ', 'сергей', '佐藤花子', 'दीपा']) {
      const ok = await register(page, app.origin, name, PASSWORD)
      assert.equal(ok.first.status(), 303, name)
      await submit(page, page.getByRole('button', { name: 'Log out' }))
    }
    const mixed = await register(page, app.origin, 'аlice', PASSWORD) // Cyrillic а
    assert.equal(mixed.first.status(), 400)
    assert.match((await page.locator('#username-error').textContent()) ?? '', /one alphabet/)
    const symbols = await register(page, app.origin, 'zoë!', PASSWORD)
    assert.equal(symbols.first.status(), 400)
    assert.match((await page.locator('#username-error').textContent()) ?? '', /letters, digits, dots, dashes or underscores/)
  })

  it('shows a styled 404', async () => {
    const { page } = await newPage()
    const res = await page.goto(url('/no/such/page'))
    assert.equal(res?.status(), 404)
    assert.equal(await page.locator('h1').textContent(), 'Page not found')
    await screenshot(page, 'not-found')
  })
})
