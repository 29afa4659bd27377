// Settings → API keys against a fake server: listing, creating (key shown once), revoking (only after
// confirmation), editing, paging, and the non-admin view.
import { DOMWrapper, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ApiKeyRole } from '../../api/types'
import { resetSession } from '../../auth/session'
import { fakeServer, signedInRoutes, type RecordedCall } from '../../test/fakeServer'
import { byText, renderApp, settle, untilRoute } from '../../test/renderApp'

const SECRET = 'ak_live_5f3c9d0e7b2a41c6a8e9f0d1c2b3a4e5'
let wrapper: VueWrapper | undefined

beforeEach(() => resetSession())
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
})

function keyRow(id: string, label: string, role: ApiKeyRole['role'] = 'viewer'): ApiKeyRole {
  return { id, key_prefix: `ak_${id}`, label, role, created_at: '2026-01-02T03:04:05.000Z', last_used_at: null, revoked_at: null }
}

function keysServer(initial: ApiKeyRole[], total = initial.length) {
  let keys = [...initial]
  const server = fakeServer({
    ...signedInRoutes(),
    'GET /admin/rbac/roles': () => ({ body: { roles: keys, total_count: Math.max(total, keys.length) } }),
    'GET /admin/rbac/permissions': {
      body: { roles: { viewer: ['read'], operator: ['read', 'execute'], editor: ['read', 'execute', 'edit'], admin: ['read', 'execute', 'edit', 'manage'] } },
    },
    'POST /admin/rbac/roles': (call: RecordedCall) => {
      const { label, role } = call.body as { label: string; role: ApiKeyRole['role'] }
      keys = [keyRow('k-new', label, role), ...keys]
      return {
        status: 201,
        body: { id: 'k-new', api_key: SECRET, key_prefix: 'ak_live_5f3c', label, role, created_at: '2026-01-03T00:00:00.000Z', message: 'Store it now' },
      }
    },
    'DELETE /admin/rbac/roles/k-ci': () => {
      keys = keys.filter((k) => k.id !== 'k-ci')
      return { body: { message: 'revoked' } }
    },
    'PUT /admin/rbac/roles/k-ci': (call: RecordedCall) => {
      const changes = call.body as Partial<ApiKeyRole>
      keys = keys.map((k) => (k.id === 'k-ci' ? { ...k, ...changes } : k))
      return { body: keys.find((k) => k.id === 'k-ci') }
    },
  })
  return server
}

function dialog(): HTMLElement | null {
  return document.querySelector<HTMLElement>('[role="dialog"], [role="alertdialog"]')
}

function field(selector: string): DOMWrapper<HTMLInputElement> {
  const el = dialog()?.querySelector<HTMLInputElement>(selector)
  if (!el) throw new Error(`no ${selector} in the dialog`)
  return new DOMWrapper(el)
}

async function press(el: Element | null | undefined, key: string): Promise<void> {
  el?.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }))
  await settle()
}

describe('API keys page', () => {
  it('lists the keys of the first page, marking the signed-in one', async () => {
    const server = keysServer([keyRow('key-admin', 'Admin', 'admin'), keyRow('k-ci', 'ci-pipeline')])
    const app = await renderApp('/settings/api-keys')
    wrapper = app.wrapper

    const list = server.callsTo('GET', '/admin/rbac/roles')[0]
    expect(Object.fromEntries(list?.query ?? [])).toEqual({ limit: '50', offset: '0', include_revoked: 'false' })
    const rows = Array.from(document.querySelectorAll('tbody tr')).map((r) => r.textContent)
    expect(rows.some((t) => t?.includes('ci-pipeline') && t.includes('ak_k-ci'))).toBe(true)
    expect(rows.some((t) => t?.includes('Admin') && t.includes('you'))).toBe(true)
    expect(document.body.textContent).toContain('read, execute, edit, manage')
  })

  it('creates a key and shows it once, until the admin confirms it was stored', async () => {
    const server = keysServer([keyRow('k-ci', 'ci-pipeline')])
    const app = await renderApp('/settings/api-keys')
    wrapper = app.wrapper

    byText('button', 'Create key')?.click()
    await settle()
    expect(document.activeElement).toBe(dialog()?.querySelector('input')) // focus moved into the dialog
    await field('input').setValue('  deploy-bot ')
    await field('select').setValue('operator')
    dialog()?.querySelector('form')?.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }))
    await settle()

    expect(server.callsTo('POST', '/admin/rbac/roles')[0]?.body).toEqual({ label: 'deploy-bot', role: 'operator' })
    expect(server.callsTo('POST', '/admin/rbac/roles')[0]?.headers.get('X-Agented-CSRF')).toBe('1')
    expect(field('input[readonly]').element.value).toBe(SECRET)
    expect(dialog()?.textContent).toContain('Store this key now')

    // Escape must not throw the key away by accident.
    await press(dialog(), 'Escape')
    expect(field('input[readonly]').element.value).toBe(SECRET)

    byText('button', 'I have stored the key')?.click()
    await settle()
    expect(dialog()).toBeNull()
    expect(document.body.innerHTML).not.toContain(SECRET)
    expect(server.callsTo('GET', '/admin/rbac/roles').length).toBeGreaterThanOrEqual(2) // list refreshed
    expect(document.body.textContent).toContain('deploy-bot')

    // Opening the dialog again starts from an empty form; the key is gone for good.
    byText('button', 'Create key')?.click()
    await settle()
    expect(document.body.innerHTML).not.toContain(SECRET)
    expect(field('input').element.value).toBe('')
  })

  it('shows a create error inside the dialog with its request id', async () => {
    const server = keysServer([])
    server.routes['POST /admin/rbac/roles'] = { status: 422, body: { code: 'invalid', message: 'label is too long', request_id: 'req-422' } }
    const app = await renderApp('/settings/api-keys')
    wrapper = app.wrapper

    byText('button', 'Create key')?.click()
    await settle()
    await field('input').setValue('x')
    dialog()?.querySelector('form')?.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }))
    await settle()

    expect(dialog()?.querySelector('[role="alert"]')?.textContent).toContain('label is too long')
    expect(dialog()?.textContent).toContain('req-422')
  })

  it('asks for confirmation before revoking, and Cancel revokes nothing', async () => {
    const server = keysServer([keyRow('key-admin', 'Admin', 'admin'), keyRow('k-ci', 'ci-pipeline')])
    const app = await renderApp('/settings/api-keys')
    wrapper = app.wrapper

    document.querySelector<HTMLButtonElement>('button[aria-label="Revoke key ci-pipeline"]')?.click()
    await settle()

    expect(dialog()?.getAttribute('role')).toBe('alertdialog')
    expect(dialog()?.textContent).toContain('Revoke key “ci-pipeline”?')
    expect(document.activeElement?.textContent?.trim()).toBe('Cancel') // Enter alone never destroys
    expect(server.callsTo('DELETE', '/admin/rbac/roles/k-ci')).toHaveLength(0)

    byText('button', 'Cancel')?.click()
    await settle()
    expect(dialog()).toBeNull()
    expect(server.callsTo('DELETE', '/admin/rbac/roles/k-ci')).toHaveLength(0)

    document.querySelector<HTMLButtonElement>('button[aria-label="Revoke key ci-pipeline"]')?.click()
    await settle()
    byText('button', 'Revoke key')?.click()
    await settle()

    const revoke = server.callsTo('DELETE', '/admin/rbac/roles/k-ci')
    expect(revoke).toHaveLength(1)
    expect(revoke[0]?.headers.get('X-Agented-CSRF')).toBe('1')
    expect(dialog()).toBeNull()
    expect(document.querySelector('tbody')?.textContent).not.toContain('ci-pipeline')
    expect(document.body.textContent).toContain('Key “ci-pipeline” revoked.')
  })

  it('closes the revoke confirmation with Escape', async () => {
    keysServer([keyRow('k-ci', 'ci-pipeline')])
    const app = await renderApp('/settings/api-keys')
    wrapper = app.wrapper
    const opener = document.querySelector<HTMLButtonElement>('button[aria-label="Revoke key ci-pipeline"]')

    opener?.focus()
    opener?.click()
    await settle()
    await press(dialog(), 'Escape')

    expect(dialog()).toBeNull()
    expect(document.activeElement).toBe(opener) // focus goes back to where it was
  })

  it('edits label and role, sending only what changed', async () => {
    const server = keysServer([keyRow('k-ci', 'ci-pipeline')])
    const app = await renderApp('/settings/api-keys')
    wrapper = app.wrapper

    document.querySelector<HTMLButtonElement>('button[aria-label="Edit key ci-pipeline"]')?.click()
    await settle()
    await field('select').setValue('editor')
    dialog()?.querySelector('form')?.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }))
    await settle()

    expect(server.callsTo('PUT', '/admin/rbac/roles/k-ci')[0]?.body).toEqual({ role: 'editor' })
    expect(dialog()).toBeNull()
    expect(document.querySelector('tbody')?.textContent).toContain('editor')
  })

  it('pages through the list', async () => {
    const server = keysServer([keyRow('k-ci', 'ci-pipeline')], 120)
    const app = await renderApp('/settings/api-keys')
    wrapper = app.wrapper

    expect(document.body.textContent).toContain('1–50 of 120')
    byText('button', 'Next')?.click()
    await settle()

    expect(server.callsTo('GET', '/admin/rbac/roles').at(-1)?.query.get('offset')).toBe('50')
  })

  it('tells a non-admin why the page is empty instead of calling the admin API', async () => {
    const server = fakeServer(signedInRoutes({ key_id: 'k-v', role: 'viewer', label: 'viewer', via: 'cookie' }))
    const app = await renderApp('/settings')
    wrapper = app.wrapper
    await untilRoute(app.router, 'api-keys')

    expect(document.body.textContent).toContain('Managing API keys needs the admin role.')
    expect(server.callsTo('GET', '/admin/rbac/roles')).toHaveLength(0)
  })
})
