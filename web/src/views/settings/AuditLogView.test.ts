import { DOMWrapper, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditEvent } from '../../api/types'
import { resetSession } from '../../auth/session'
import { fakeServer, signedInRoutes } from '../../test/fakeServer'
import { renderApp, settle } from '../../test/renderApp'

let wrapper: VueWrapper | undefined
beforeEach(() => resetSession())
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
})

const EVENT: AuditEvent = {
  id: 7,
  action: 'api_key.create',
  entity_type: 'api_key',
  entity_id: 'k-ci',
  outcome: 'success',
  actor: 'key-admin',
  details: { role: 'operator' },
  request_id: 'req-777',
  created_at: '2026-03-01T10:00:00.000Z',
}

function control(label: string): DOMWrapper<HTMLInputElement> {
  const labelEl = Array.from(document.querySelectorAll('label')).find((l) => l.textContent?.trim() === label)
  const el = labelEl && document.getElementById(labelEl.htmlFor)
  if (!el) throw new Error(`no control labelled ${label}`)
  return new DOMWrapper(el as HTMLInputElement)
}

describe('audit log page', () => {
  it('shows events with their request ids', async () => {
    fakeServer({ ...signedInRoutes(), 'GET /admin/audit': { body: { events: [EVENT], total_count: 1 } } })
    const app = await renderApp('/settings/audit')
    wrapper = app.wrapper

    const row = document.querySelector('tbody tr')?.textContent ?? ''
    expect(row).toContain('api_key.create')
    expect(row).toContain('req-777')
    expect(row).toContain('k-ci')
  })

  it('sends the action filter and a relative time range as `since`', async () => {
    const server = fakeServer({ ...signedInRoutes(), 'GET /admin/audit': { body: { events: [], total_count: 0 } } })
    const app = await renderApp('/settings/audit')
    wrapper = app.wrapper
    const before = Date.now()

    await control('Action').setValue('auth.')
    await control('Time').setValue('1h')
    document.querySelector('form[aria-label="Audit log filters"]')?.dispatchEvent(new Event('submit', { cancelable: true }))
    await settle()

    const query = server.callsTo('GET', '/admin/audit').at(-1)?.query
    expect(query?.get('action')).toBe('auth.')
    expect(query?.get('offset')).toBe('0')
    const since = Date.parse(query?.get('since') ?? '')
    expect(since).toBeGreaterThanOrEqual(before - 3600_000 - 1000)
    expect(since).toBeLessThanOrEqual(Date.now() - 3600_000 + 1000)
    expect(query?.has('until')).toBe(false)
    expect(document.body.textContent).toContain('No events match these filters.')
  })

  it('sends a custom range as UTC timestamps', async () => {
    const server = fakeServer({ ...signedInRoutes(), 'GET /admin/audit': { body: { events: [], total_count: 0 } } })
    const app = await renderApp('/settings/audit')
    wrapper = app.wrapper

    await control('Time').setValue('custom')
    await control('From').setValue('2026-03-01T08:00')
    await control('Until').setValue('2026-03-02T08:00')
    document.querySelector('form[aria-label="Audit log filters"]')?.dispatchEvent(new Event('submit', { cancelable: true }))
    await settle()

    const query = server.callsTo('GET', '/admin/audit').at(-1)?.query
    expect(query?.get('since')).toBe(new Date('2026-03-01T08:00').toISOString())
    expect(query?.get('until')).toBe(new Date('2026-03-02T08:00').toISOString())
  })

  it('shows a failed load with the message, the request id and a retry', async () => {
    const server = fakeServer({
      ...signedInRoutes(),
      'GET /admin/audit': { status: 500, body: { code: 'internal', message: 'internal error', request_id: 'req-500' } },
    })
    const app = await renderApp('/settings/audit')
    wrapper = app.wrapper

    const alert = document.querySelector('[role="alert"]')?.textContent ?? ''
    expect(alert).toContain('internal error')
    expect(alert).toContain('req-500')

    server.routes['GET /admin/audit'] = { body: { events: [EVENT], total_count: 1 } }
    Array.from(document.querySelectorAll('button')).find((b) => b.textContent === 'Retry')?.click()
    await settle()
    expect(document.querySelector('tbody')?.textContent).toContain('api_key.create')
  })
})
