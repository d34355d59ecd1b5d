/**
 * @module examples/app/views/sessions: the device list ("where you are signed in").
 */
import type { FC } from 'hono/jsx'
import { Ago, Csrf, Layout, type PageContext } from './layout.tsx'

/** One signed-in device, as the page shows it. */
export interface Device {
  /** The session's id in the store (a hash of the cookie token: safe to show, useless to replay). */
  id: string
  userAgent: string | null
  ip: string | null
  createdAt: number
  lastSeenAt: number
  /** The session of this request. */
  current: boolean
}

/**
 * A rough "Browser on OS" from a User-Agent string: enough for people to recognise their own
 * devices, not a fingerprint. Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
 */
export function describeAgent(ua: string | null | undefined): { browser: string; os: string; mobile: boolean } {
  const s = ua ?? ''
  const browser =
    /Edg(e|A|iOS)?\//.test(s) ? 'Edge'
    : /OPR\/|Opera/.test(s) ? 'Opera'
    : /Firefox\/|FxiOS\//.test(s) ? 'Firefox'
    : /HeadlessChrome\//.test(s) ? 'Headless Chrome'
    : /Chrome\/|CriOS\/|Chromium\//.test(s) ? 'Chrome'
    : /Safari\//.test(s) && /Version\//.test(s) ? 'Safari'
    : /^curl\//.test(s) ? 'curl'
    : s ? 'Unknown browser' : 'Unknown client'
  const os =
    /iPhone|iPad|iPod/.test(s) ? 'iOS'
    : /Android/.test(s) ? 'Android'
    : /Windows/.test(s) ? 'Windows'
    : /Mac OS X|Macintosh/.test(s) ? 'macOS'
    : /CrOS/.test(s) ? 'ChromeOS'
    : /Linux|X11/.test(s) ? 'Linux'
    : ''
  return { browser, os, mobile: /Mobi|iPhone|Android/.test(s) }
}

const Icon: FC<{ mobile: boolean }> = ({ mobile }) =>
  mobile ? (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" aria-hidden="true">
      <rect x="6" y="2" width="12" height="20" rx="2" stroke="currentColor" stroke-width="2" />
      <path d="M11 18h2" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
    </svg>
  ) : (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" aria-hidden="true">
      <rect x="3" y="4" width="18" height="12" rx="2" stroke="currentColor" stroke-width="2" />
      <path d="M8 20h8M12 16v4" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
    </svg>
  )

/** The device list with a revoke button per device and one for all the others. */
export const SessionsPage: FC<{ page: PageContext; devices: Device[]; now: number }> = ({ page, devices, now }) => {
  const others = devices.filter((d) => !d.current).length
  return (
    <Layout page={page} title="Devices">
      <div class="page-head">
        <h1>Where you’re signed in</h1>
        <p>Each device has its own session. Sign out any you don’t recognise.</p>
      </div>
      <div class="card">
        <div class="table-wrap">
          <table data-testid="devices" class="reflow">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">IP address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last seen</th>
                <th scope="col" class="end">
                  <span class="skip">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {devices.map((d) => {
                const a = describeAgent(d.userAgent)
                return (
                  <tr data-device={d.current ? 'current' : 'other'}>
                    <td>
                      <div class="device">
                        <span class="device-icon">
                          <Icon mobile={a.mobile} />
                        </span>
                        <div>
                          <div>
                            <strong>{a.browser}</strong>
                            {a.os ? ` on ${a.os}` : ''}
                          </div>
                          {d.current && <span class="badge badge-green">This device</span>}
                        </div>
                      </div>
                    </td>
                    <td class="mono" data-label="IP address">{d.ip ?? '—'}</td>
                    <td data-label="Signed in">
                      <Ago at={d.createdAt} now={now} />
                    </td>
                    <td data-label="Last seen">{d.current ? 'now' : <Ago at={d.lastSeenAt} now={now} />}</td>
                    <td class="end">
                      {!d.current && (
                        <form method="post" action="/account/sessions/revoke" class="inline">
                          <Csrf token={page.csrf} />
                          <input type="hidden" name="id" value={d.id} />
                          <button type="submit" class="danger small-button" aria-label={`Sign out ${a.browser}${a.os ? ` on ${a.os}` : ''}`}>
                            Sign out
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      </div>
      {others > 0 ? (
        <form method="post" action="/account/sessions/revoke-others">
          <Csrf token={page.csrf} />
          <button type="submit" class="danger">
            Sign out all other devices ({others})
          </button>
        </form>
      ) : (
        <p class="muted">This is the only device signed in to your account.</p>
      )}
    </Layout>
  )
}
