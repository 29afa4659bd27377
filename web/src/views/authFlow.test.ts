// The first-run and sign-in flow, driven through the whole app: router guard, session, views and the
// API client, against a fake server.
import { DOMWrapper, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resetSession } from '../auth/session'
import { fakeServer, type RecordedCall } from '../test/fakeServer'
import { byText, renderApp, settle, untilRoute } from '../test/renderApp'

const NEW_KEY = 'ak_0123456789abcdef0123456789abcdef'
let wrapper: VueWrapper | undefined

beforeEach(() => resetSession())
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
})

function input(selector: string): DOMWrapper<HTMLInputElement> {
  const el = document.querySelector<HTMLInputElement>(selector)
  if (!el) throw new Error(`no ${selector}`)
  return new DOMWrapper(el)
}

describe('sign-in', () => {
  function loginServer() {
    let signedIn = false
    return fakeServer({
      'GET /health/auth-status': () => ({ body: { needs_setup: false, auth_required: true, authenticated: signedIn } }),
      'POST /auth/login': (call: RecordedCall) => {
        if ((call.body as { api_key: string }).api_key !== 'good-key') {
          return { status: 401, body: { code: 'unauthorized', message: 'invalid API key', request_id: 'req-bad-key' } }
        }
        signedIn = true
        return { body: { key_id: 'key-1', role: 'editor', label: 'alice', expires_at: '2030-01-01T00:00:00.000Z' } }
      },
      'GET /auth/me': () =>
        signedIn
          ? { body: { key_id: 'key-1', role: 'editor', label: 'alice', via: 'cookie' } }
          : { status: 401, body: { code: 'unauthorized', message: 'not signed in' } },
    })
  }

  it('sends a signed-out visitor to /login, remembering where they were going', async () => {
    loginServer()
    const app = await renderApp('/settings/audit')
    wrapper = app.wrapper

    expect(app.router.currentRoute.value.name).toBe('login')
    expect(app.router.currentRoute.value.query.redirect).toBe('/settings/audit')
    const key = input('#api-key')
    expect(key.element.type).toBe('password')
    expect(document.querySelector('label[for="api-key"]')?.textContent).toBe('API key')
  })

  it('shows the server message and request id for a bad key, and stays on /login', async () => {
    const server = loginServer()
    const app = await renderApp('/login')
    wrapper = app.wrapper

    await input('#api-key').setValue('wrong')
    await app.wrapper.find('form').trigger('submit')
    await settle()

    expect(server.callsTo('POST', '/auth/login')[0]?.headers.get('X-Agented-CSRF')).toBe('1')
    const alert = document.querySelector('[role="alert"]')
    expect(alert?.textContent).toContain('invalid API key')
    expect(alert?.textContent).toContain('req-bad-key')
    expect(app.router.currentRoute.value.name).toBe('login')
  })

  it('signs in with a good key, then goes to the remembered page and shows the role', async () => {
    const server = loginServer()
    const app = await renderApp('/costs')
    wrapper = app.wrapper

    await input('#api-key').setValue('  good-key  ')
    await app.wrapper.find('form').trigger('submit')
    await untilRoute(app.router, 'costs')

    expect(server.callsTo('POST', '/auth/login')[0]?.body).toEqual({ api_key: 'good-key' })
    expect(document.querySelector('.app-header')?.textContent).toContain('editor')
    expect(document.body.textContent).toContain('Arrives with budgets and usage')
  })

  it('explains when the browser did not keep the session cookie', async () => {
    fakeServer({
      'GET /health/auth-status': { body: { needs_setup: false, auth_required: true, authenticated: false } },
      'POST /auth/login': { body: { key_id: 'key-1', role: 'admin', label: 'a', expires_at: 'x' } },
      'GET /auth/me': { status: 401, body: { code: 'unauthorized', message: 'not signed in' } },
    })
    const app = await renderApp('/login')
    wrapper = app.wrapper

    await input('#api-key').setValue('good-key')
    await app.wrapper.find('form').trigger('submit')
    await settle()

    expect(document.querySelector('[role="alert"]')?.textContent).toContain('did not keep the session cookie')
    expect(app.router.currentRoute.value.name).toBe('login')
  })

  it('signs out from the header', async () => {
    let signedIn = true
    const server = fakeServer({
      'GET /health/auth-status': () => ({ body: { needs_setup: false, auth_required: true, authenticated: signedIn } }),
      'GET /auth/me': { body: { key_id: 'key-1', role: 'viewer', label: 'bob', via: 'cookie' } },
      'POST /auth/logout': () => {
        signedIn = false
        return { status: 204 }
      },
    })
    const app = await renderApp('/bots')
    wrapper = app.wrapper

    byText('button', 'Sign out')?.click()
    await untilRoute(app.router, 'login')

    expect(server.callsTo('POST', '/auth/logout')).toHaveLength(1)
    expect(app.router.currentRoute.value.name).toBe('login')
  })
})

describe('first-run setup', () => {
  function setupServer(setupReply?: { status: number; body: unknown }) {
    let keyExists = false
    let signedIn = false
    return fakeServer({
      'GET /health/auth-status': () => ({ body: { needs_setup: !keyExists, auth_required: keyExists, authenticated: signedIn } }),
      'POST /health/setup': () => {
        if (setupReply) return setupReply
        keyExists = true
        return {
          status: 201,
          body: { api_key: NEW_KEY, role_id: 'key-1', role: 'admin', label: 'Admin', message: 'Store this key; it is not shown again.' },
        }
      },
      'POST /auth/login': (call: RecordedCall) => {
        signedIn = (call.body as { api_key: string }).api_key === NEW_KEY
        return signedIn
          ? { body: { key_id: 'key-1', role: 'admin', label: 'Admin', expires_at: 'x' } }
          : { status: 401, body: { message: 'invalid API key' } }
      },
      'GET /auth/me': () =>
        signedIn ? { body: { key_id: 'key-1', role: 'admin', label: 'Admin', via: 'cookie' } } : { status: 401, body: { message: 'no' } },
    })
  }

  it('sends every page to /setup while no key exists', async () => {
    setupServer()
    const app = await renderApp('/settings/api-keys')
    wrapper = app.wrapper

    expect(app.router.currentRoute.value.name).toBe('setup')
    expect(document.body.textContent).toContain('only from the machine Agented runs on')
  })

  it('creates the admin key, shows it once with a warning, signs in with it, then continues', async () => {
    const server = setupServer()
    const app = await renderApp('/')
    wrapper = app.wrapper

    byText('button', 'Create admin key')?.click()
    await settle()

    expect(server.callsTo('POST', '/health/setup')[0]?.body).toEqual({ label: 'Admin' })
    expect(server.callsTo('POST', '/health/setup')[0]?.headers.get('X-Agented-CSRF')).toBe('1')
    const shown = document.querySelector<HTMLInputElement>('input[readonly]')
    expect(shown?.value).toBe(NEW_KEY)
    expect(document.body.textContent).toContain('Store this key now')
    expect(byText('button', 'Copy key')).toBeDefined()
    // Signed in automatically with the new key.
    expect(server.callsTo('POST', '/auth/login')[0]?.body).toEqual({ api_key: NEW_KEY })
    expect(document.body.textContent).toContain('You are signed in with this key.')

    const next = byText('button', 'Continue to Agented') as HTMLButtonElement
    expect(next.disabled).toBe(true) // until they confirm the key is stored
    await input('.stored input[type="checkbox"]').setValue(true)
    expect(next.disabled).toBe(false)
    next.click()
    await untilRoute(app.router, 'dashboard')

    expect(document.body.textContent).not.toContain(NEW_KEY)
  })

  it('shows why setup was refused, with the request id', async () => {
    setupServer({
      status: 403,
      body: { code: 'forbidden', message: 'setup is only allowed from loopback', request_id: 'req-setup-403' },
    })
    const app = await renderApp('/setup')
    wrapper = app.wrapper

    byText('button', 'Create admin key')?.click()
    await settle()

    const alert = document.querySelector('[role="alert"]')
    expect(alert?.textContent).toContain('setup is only allowed from loopback')
    expect(alert?.textContent).toContain('req-setup-403')
    expect(document.querySelector('input[readonly]')).toBeNull()
  })
})

describe('server unreachable', () => {
  it('says so, with a retry that recovers', async () => {
    const server = fakeServer({ 'GET /health/auth-status': { status: 502, body: 'Bad Gateway', headers: { 'content-type': 'text/plain' } } })
    const app = await renderApp('/')
    wrapper = app.wrapper

    expect(document.body.textContent).toContain('Cannot reach the Agented server.')
    server.routes['GET /health/auth-status'] = { body: { needs_setup: false, auth_required: true, authenticated: false } }
    byText('button', 'Retry')?.click()
    await untilRoute(app.router, 'login')
  })
})
