/**
 * @module examples/app/views/status: pages for refusals (403, 404, 405, 429).
 */
import type { Child, FC } from 'hono/jsx'
import { Layout, type PageContext } from './layout.tsx'

/** A full page for an HTTP status, with a way back. */
export const StatusPage: FC<{ page: PageContext; status: number; title: string; children?: Child }> = ({ page, status, title, children }) => (
  <Layout page={page} title={title} narrow>
    <div class="status-page narrow">
      <p class="status-code">{status}</p>
      <h1>{title}</h1>
      <div class="muted">{children}</div>
      <p>
        <a class="button secondary" href="/">
          Back to the home page
        </a>
      </p>
    </div>
  </Layout>
)

/** Spell a wait out: "about 3 minutes". */
export function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`
  const m = Math.ceil(seconds / 60)
  return `about ${m} minute${m === 1 ? '' : 's'}`
}
