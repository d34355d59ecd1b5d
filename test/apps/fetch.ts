/**
 * @module test/apps/fetch: the configurable test app on the fetch adapter, for the suites that
 * must hold on every framework (flash lock-out, bad bodies, outage logging). It serves the routes
 * of ./common.ts those suites use: `/`, `/noop`, `/login` (GET, POST form), `/login-as`,
 * `/logout`, `/state`, `/private`, `/fresh`, `/flash`, `/flashes`, `/session/set`, `/session/get`,
 * `/csrf-form`.
 */
import { csrf, loginRequired, freshLoginRequired, withAuth, type AuthHandler } from '../../src/adapters/fetch.ts'
import type { RequestAuth } from '../../src/index.ts'
import * as h from './common.ts'

type Auth = RequestAuth<h.TestUser>

/** Build a fetch test app for these manager options: `app(request)` answers like a fetch server. */
export function createTestApp(options: h.TestAppOptions = {}) {
  const { manager, calls } = h.testManager(options)
  const user = async (auth: Auth) => auth.getUser()
  const routes: Record<string, AuthHandler<h.TestUser>> = {
    'GET /': (_r, auth) => h.home(auth),
    'GET /noop': () => new Response('ok'),
    'GET /login': () => new Response('login page'),
    'POST /login': async (r, auth) => {
      const form = await h.readForm(r)
      return form instanceof Response ? form : h.formLogin(auth, form)
    },
    'GET /csrf-form': (_r, auth) => h.csrfForm(auth),
    'POST /csrf-form': csrf(async () => new Response('accepted')),
    'POST /logout': (_r, auth) => h.logout(auth),
    'GET /state': (r, auth) => h.state(auth, new URL(r.url)),
    'GET /private': loginRequired(async (_r, auth) => h.guarded('private', await user(auth))),
    'GET /fresh': freshLoginRequired(async (_r, auth) => h.guarded('fresh', await user(auth))),
    'GET /flash': (r, auth) => h.flash(auth, new URL(r.url)),
    'GET /flashes': (_r, auth) => h.flashes(auth),
    'GET /session/set': (r, auth) => h.sessionSet(auth, new URL(r.url)),
    'GET /session/get': (r, auth) => h.sessionGet(auth, new URL(r.url)),
  }
  const app = withAuth(manager, (request, auth, info) => {
    const path = new URL(request.url).pathname
    if (path === '/login-as') return h.loginAs(auth, new URL(request.url))
    const route = routes[`${request.method === 'HEAD' ? 'GET' : request.method} ${path}`]
    return route ? route(request, auth, info) : new Response('not found', { status: 404 })
  })
  return { app, manager, calls }
}
