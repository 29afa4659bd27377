// The runs list against a fake server: filters → API query and URL, paging, the live queue line,
// the New run dialog and who gets to see it.
import { DOMWrapper, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ExecutionView } from '../../api/types'
import { resetSession } from '../../auth/session'
import { apiQuery, filtersFromQuery, queryFromFilters } from '../../runs/listQuery'
import { fakeServer, signedInRoutes, type RecordedCall, type Route } from '../../test/fakeServer'
import { FakeEventSource } from '../../test/fakeEventSource'
import { byText, renderApp, settle, untilRoute } from '../../test/renderApp'
import { runDetail, runView } from '../../test/runs'

let wrapper: VueWrapper | undefined
beforeEach(() => {
  resetSession()
  FakeEventSource.reset()
  vi.stubGlobal('EventSource', FakeEventSource)
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
})

const OPERATOR = { key_id: 'k-op', role: 'operator', label: 'op', via: 'cookie' }
const VIEWER = { key_id: 'k-v', role: 'viewer', label: 'viewer', via: 'cookie' }

function runsServer(runs: ExecutionView[] = [runView()], total = runs.length, me = OPERATOR, extra: Record<string, Route> = {}) {
  return fakeServer({
    ...signedInRoutes(me),
    'GET /admin/executions': { body: { executions: runs, total_count: total } },
    'GET /admin/executions/queue': { body: { executions: [], queued: 0, running: 0, max_concurrent_runs: 4 } },
    'GET /admin/execution-search': { body: { results: [{ execution_id: 'exec-1', source: 'log', snippet: '…the [disk] is full…' }], total_count: 1 } },
    ...extra,
  })
}

function control(label: string, within: ParentNode = document): DOMWrapper<HTMLInputElement> {
  const labelEl = Array.from(within.querySelectorAll('label')).find((l) => l.textContent?.trim().startsWith(label))
  const el = labelEl && document.getElementById(labelEl.htmlFor)
  if (!el) throw new Error(`no control labelled ${label}`)
  return new DOMWrapper(el as HTMLInputElement)
}

function dialog(): HTMLElement | null {
  return document.querySelector<HTMLElement>('[role="dialog"]')
}

describe('runs list filters', () => {
  it('turns filters into the API query, with whole local days', () => {
    const q = apiQuery({ status: 'failed', backend: 'codex', bot: ' bot-7 ', from: '2026-03-01', to: '2026-03-02', q: ' disk ' }, 3)
    expect(q).toEqual({
      status: 'failed',
      backend: 'codex',
      trigger_id: 'bot-7',
      date_from: new Date(2026, 2, 1).toISOString(),
      date_to: new Date(2026, 2, 3).toISOString(), // "to" includes its whole day
      q: 'disk',
      limit: 50,
      offset: 100,
    })
  })

  it('round-trips through the URL and ignores malformed values', () => {
    const query = queryFromFilters({ status: 'running', q: 'x', from: '2026-01-05' }, 2)
    expect(query).toEqual({ status: 'running', q: 'x', from: '2026-01-05', page: '2' })
    expect(filtersFromQuery(query as never)).toEqual({
      filters: { status: 'running', backend: undefined, bot: undefined, from: '2026-01-05', to: undefined, q: 'x' },
      page: 2,
    })
    expect(filtersFromQuery({ status: 'bogus', backend: 'vim', from: 'yesterday', page: '-3' })).toEqual({
      filters: { status: undefined, backend: undefined, bot: undefined, from: undefined, to: undefined, q: undefined },
      page: 1,
    })
  })
})

describe('runs page', () => {
  it('lists runs with status, duration, tokens and cost', async () => {
    runsServer([runView(), runView({ execution_id: 'exec-2', status: 'failed', total_cost_usd: null, duration_ms: 65_000 })])
    const app = await renderApp('/runs')
    wrapper = app.wrapper

    const rows = Array.from(document.querySelectorAll('tbody tr')).map((r) => r.textContent ?? '')
    expect(rows[0]).toContain('exec-1')
    expect(rows[0]).toContain('success')
    expect(rows[0]).toContain('2.0 s')
    expect(rows[0]).toContain('120 in · 12 out')
    expect(rows[0]).toContain('$0.0009')
    expect(rows[1]).toContain('failed')
    expect(rows[1]).toContain('1 min 05 s')
    expect(document.querySelector('a[href="/runs/exec-2"]')).not.toBeNull()
    expect(document.body.textContent).toContain('0 running · 0 queued · at most 4 at once')
  })

  it('sends the form’s filters as the query string and keeps them in the URL', async () => {
    const server = runsServer()
    const app = await renderApp('/runs')
    wrapper = app.wrapper

    await control('Search').setValue('disk')
    await control('Status').setValue('failed')
    await control('Backend').setValue('claude')
    await control('Bot ID').setValue('bot-1')
    await control('From').setValue('2026-03-01')
    await control('To').setValue('2026-03-02')
    document.querySelector('form[aria-label="Filter runs"]')?.dispatchEvent(new Event('submit', { cancelable: true }))
    await settle()

    const query = Object.fromEntries(server.callsTo('GET', '/admin/executions').at(-1)?.query ?? [])
    expect(query).toEqual({
      status: 'failed',
      backend: 'claude',
      trigger_id: 'bot-1',
      date_from: new Date(2026, 2, 1).toISOString(),
      date_to: new Date(2026, 2, 3).toISOString(),
      q: 'disk',
      limit: '50',
      offset: '0',
    })
    expect(app.router.currentRoute.value.query).toEqual({ status: 'failed', backend: 'claude', bot: 'bot-1', from: '2026-03-01', to: '2026-03-02', q: 'disk' })
    // Why each run matched: the search snippet, with the terms marked.
    expect(server.callsTo('GET', '/admin/execution-search').at(-1)?.query.get('q')).toBe('disk')
    expect(document.querySelector('tbody mark')?.textContent).toBe('disk')
  })

  it('starts from the URL’s filters and page, and pages on', async () => {
    const server = runsServer([runView()], 120)
    const app = await renderApp('/runs?status=running&page=2')
    wrapper = app.wrapper

    expect(server.callsTo('GET', '/admin/executions')[0]?.query.get('status')).toBe('running')
    expect(server.callsTo('GET', '/admin/executions')[0]?.query.get('offset')).toBe('50')
    expect(control('Status').element.value).toBe('running')
    expect(document.body.textContent).toContain('51–100 of 120')

    byText('button', 'Next')?.click()
    await settle()
    expect(server.callsTo('GET', '/admin/executions').at(-1)?.query.get('offset')).toBe('100')
    expect(app.router.currentRoute.value.query.page).toBe('3')
  })

  it('says so when nothing matches, and shows a failed load with its request id', async () => {
    const server = runsServer([], 0)
    const app = await renderApp('/runs?q=nothing')
    wrapper = app.wrapper
    expect(document.body.textContent).toContain('No runs match these filters.')

    server.routes['GET /admin/executions'] = { status: 500, body: { code: 'INTERNAL', message: 'database is locked', request_id: 'req-9' } }
    byText('button', 'Reset')?.click()
    await settle()
    expect(document.querySelector('[role="alert"]')?.textContent).toContain('database is locked')
    expect(document.querySelector('[role="alert"]')?.textContent).toContain('req-9')
  })

  it('keeps running rows live from the queue, and reloads the page when a run ends', async () => {
    const running = runView({ status: 'running', finished_at: null, duration_ms: null, exit_code: null, output_tokens: 0 })
    const server = runsServer([running])
    server.routes['GET /admin/executions/queue'] = { body: { executions: [running], queued: 0, running: 1, max_concurrent_runs: 4 } }
    const app = await renderApp('/runs')
    wrapper = app.wrapper
    expect(document.body.textContent).toContain('1 running · 0 queued')
    const listCalls = server.callsTo('GET', '/admin/executions').length

    // Polls run every few seconds while the tab is visible; becoming visible polls at once.
    server.routes['GET /admin/executions/queue'] = {
      body: { executions: [{ ...running, output_tokens: 500 }], queued: 0, running: 1, max_concurrent_runs: 4 },
    }
    document.dispatchEvent(new Event('visibilitychange'))
    await settle()
    expect(document.querySelector('tbody tr')?.textContent).toContain('120 in · 500 out')
    expect(server.callsTo('GET', '/admin/executions')).toHaveLength(listCalls) // patched in place

    server.routes['GET /admin/executions/queue'] = { body: { executions: [], queued: 0, running: 0, max_concurrent_runs: 4 } }
    server.routes['GET /admin/executions'] = { body: { executions: [runView()], total_count: 1 } }
    document.dispatchEvent(new Event('visibilitychange'))
    await settle()
    expect(server.callsTo('GET', '/admin/executions').length).toBeGreaterThan(listCalls)
    expect(document.querySelector('tbody tr .status-badge')?.textContent?.trim()).toBe('success')
  })

  it('offers New run only to operators and above', async () => {
    runsServer([runView()], 1, VIEWER)
    const app = await renderApp('/runs')
    wrapper = app.wrapper
    expect(byText('button', 'New run')).toBeUndefined()
  })
})

describe('new run dialog', () => {
  it('checks the form, starts the run and opens its page', async () => {
    const server = runsServer([runView()], 1, OPERATOR, {
      'POST /admin/executions': (call: RecordedCall) =>
        (call.body as { prompt: string }).prompt.trim()
          ? { status: 202, body: { execution_id: 'exec-new', status: 'queued' } }
          : { status: 422, body: { code: 'VALIDATION_ERROR', message: 'prompt must not be empty' } },
      'GET /admin/executions/exec-new': { body: runDetail({ execution_id: 'exec-new', status: 'queued', started_at: null, finished_at: null, duration_ms: null, exit_code: null }) },
    })
    const app = await renderApp('/runs')
    wrapper = app.wrapper

    byText('button', 'New run')?.click()
    await settle()
    expect(dialog()?.querySelector('h2')?.textContent).toBe('New run')
    expect(document.activeElement?.tagName).toBe('TEXTAREA') // focus starts in the prompt
    const backends = Array.from(dialog()?.querySelectorAll('select option') ?? []).map((o) => o.textContent)
    expect(backends).toEqual(['claude', 'opencode', 'gemini', 'codex'])

    // Nothing is sent without a prompt, or with an impossible time limit.
    dialog()?.querySelector('form')?.dispatchEvent(new Event('submit', { cancelable: true }))
    await settle()
    expect(dialog()?.textContent).toContain('Write a prompt for the run.')
    await control('Prompt').setValue('Fix the flaky test')
    await control('Time limit').setValue('0')
    dialog()?.querySelector('form')?.dispatchEvent(new Event('submit', { cancelable: true }))
    await settle()
    expect(dialog()?.textContent).toContain('from 1 to 86400')
    expect(control('Time limit').element.getAttribute('aria-invalid')).toBe('true')
    expect(server.callsTo('POST', '/admin/executions')).toHaveLength(0)

    await control('Backend', dialog() ?? document).setValue('codex')
    await control('Time limit').setValue('120')
    await control('Model').setValue(' gpt-5 ')
    await control('Working directory').setValue('repo-a')
    dialog()?.querySelector('form')?.dispatchEvent(new Event('submit', { cancelable: true }))
    await untilRoute(app.router, 'run')

    const post = server.callsTo('POST', '/admin/executions')[0]
    expect(post?.body).toEqual({ backend: 'codex', prompt: 'Fix the flaky test', model: 'gpt-5', working_dir: 'repo-a', timeout_secs: 120 })
    expect(post?.headers.get('X-Agented-CSRF')).toBe('1')
    expect(app.router.currentRoute.value.params.id).toBe('exec-new')
    expect(dialog()).toBeNull()
    // The new run's page follows it live.
    expect(FakeEventSource.latest().url).toBe('/admin/executions/exec-new/stream')
  })

  it('shows the server’s refusal next to the field', async () => {
    runsServer([runView()], 1, OPERATOR, {
      'POST /admin/executions': {
        status: 422,
        body: { code: 'VALIDATION_ERROR', message: 'working_dir is outside the workspace', details: { fields: { working_dir: 'must be inside the workspace root' } }, request_id: 'req-422' },
      },
    })
    const app = await renderApp('/runs')
    wrapper = app.wrapper

    byText('button', 'New run')?.click()
    await settle()
    await control('Prompt').setValue('x')
    await control('Working directory').setValue('/etc')
    dialog()?.querySelector('form')?.dispatchEvent(new Event('submit', { cancelable: true }))
    await settle()

    expect(dialog()?.textContent).toContain('must be inside the workspace root')
    expect(dialog()?.textContent).toContain('req-422')
    expect(control('Working directory').element.getAttribute('aria-invalid')).toBe('true')
    expect(app.router.currentRoute.value.name).toBe('runs')
  })
})
