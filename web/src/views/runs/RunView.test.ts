// The run page against a fake server and a fake EventSource: facts, role-gated controls and their
// states per status, cancel only after confirmation, the live log, and replay into the comparison.
import type { VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ExecutionView } from '../../api/types'
import { resetSession } from '../../auth/session'
import { fakeServer, signedInRoutes, type Route } from '../../test/fakeServer'
import { FakeEventSource } from '../../test/fakeEventSource'
import { byText, renderApp, settle, untilRoute } from '../../test/renderApp'
import { logLine, runDetail, runView } from '../../test/runs'

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

const RUNNING: Partial<ExecutionView> = { status: 'running', finished_at: null, duration_ms: null, exit_code: null }

function runServer(overrides: Partial<ExecutionView> = {}, me = OPERATOR, extra: Record<string, Route> = {}) {
  let current = runView(overrides)
  const server = fakeServer({
    ...signedInRoutes(me),
    'GET /admin/executions/exec-1': () => ({
      body: runDetail(current, [
        logLine(1, '{"type":"system","subtype":"init"}', 'stdout', [{ type: 'session_id', session_id: '811d9eb3' }]),
        logLine(2, 'npm warn deprecated', 'stderr'),
      ]),
    }),
    'GET /admin/executions/queue': { body: { executions: [], queued: 0, running: 0, max_concurrent_runs: 4 } },
    'POST /admin/executions/exec-1/pause': () => {
      current = { ...current, status: 'paused' }
      return { body: { message: 'Paused', execution_id: 'exec-1', status: 'paused' } }
    },
    'POST /admin/executions/exec-1/resume': () => {
      current = { ...current, status: 'running' }
      return { body: { message: 'Resumed', execution_id: 'exec-1', status: 'running' } }
    },
    ...extra,
  })
  return { server, set: (changes: Partial<ExecutionView>) => (current = { ...current, ...changes }) }
}

function button(label: string): HTMLButtonElement | undefined {
  return byText('button', label) as HTMLButtonElement | undefined
}

/** Each rendered log row as "gutter | tag | screen-reader label | text". */
function logRows(): string[] {
  return Array.from(document.querySelectorAll('.log-row')).map((r) =>
    ['.gutter', '.tag', '.visually-hidden', '.text'].map((s) => r.querySelector(s)?.textContent ?? '').join(' | '),
  )
}

describe('run page: facts', () => {
  it('shows status, backend, model, CLI version, duration, tokens, cost and the argv as JSON', async () => {
    runServer({ error_message: null })
    const app = await renderApp('/runs/exec-1')
    wrapper = app.wrapper

    const text = document.body.textContent ?? ''
    expect(document.querySelector('h1')?.textContent).toContain('exec-1')
    expect(document.querySelector('.status-badge')?.textContent?.trim()).toBe('success')
    for (const fact of ['claude', 'claude-opus-4-8', '2.1.197', '2.0 s', '120 in · 12 out', '$0.0009', 'Say hello']) expect(text).toContain(fact)
    expect(document.querySelector('pre[aria-label="Command line as a JSON array"]')?.textContent).toBe(
      '["/usr/bin/claude","-p","--output-format","stream-json","--","Say hello"]',
    )
    expect(button('Copy argv')).toBeDefined()
  })

  it('shows the error message of a failed run', async () => {
    runServer({ status: 'failed', exit_code: 1, error_message: 'claude exited with status 1' })
    const app = await renderApp('/runs/exec-1')
    wrapper = app.wrapper
    expect(document.querySelector('.callout-danger')?.textContent).toContain('claude exited with status 1')
  })

  it('says so when the run does not exist', async () => {
    fakeServer({
      ...signedInRoutes(OPERATOR),
      'GET /admin/executions/nope': { status: 404, body: { code: 'NOT_FOUND', message: 'execution not found', request_id: 'req-404' } },
    })
    const app = await renderApp('/runs/nope')
    wrapper = app.wrapper
    expect(document.querySelector('[role="alert"]')?.textContent).toContain('There is no run with this id.')
    expect(document.querySelector('[role="alert"]')?.textContent).toContain('req-404')
  })
})

describe('run page: controls', () => {
  it('shows no controls to a viewer', async () => {
    runServer(RUNNING, VIEWER)
    const app = await renderApp('/runs/exec-1')
    wrapper = app.wrapper
    expect(document.querySelector('[aria-label="Run controls"]')).toBeNull()
    expect(button('Cancel run')).toBeUndefined()
  })

  it.each([
    ['running', { Pause: true, 'Cancel run': true, Replay: false }],
    ['queued', { Pause: false, 'Cancel run': true, Replay: false }],
    ['paused', { Resume: true, 'Cancel run': true, Replay: false }],
    ['success', { Pause: false, 'Cancel run': false, Replay: true }],
    ['cancelled', { Pause: false, 'Cancel run': false, Replay: true }],
  ] as const)('enables the controls that apply to a %s run', async (status, expected) => {
    runServer({ ...RUNNING, status })
    const app = await renderApp('/runs/exec-1')
    wrapper = app.wrapper
    for (const [label, enabled] of Object.entries(expected)) {
      const b = button(label)
      expect(b, label).toBeDefined()
      expect(b?.disabled, label).toBe(!enabled)
      if (!enabled) expect(b?.title, label).not.toBe('')
    }
  })

  it('cancels only after confirmation, with focus on the safe choice', async () => {
    const { server, set } = runServer(RUNNING, OPERATOR, {
      'POST /admin/executions/exec-1/cancel': () => {
        set({ status: 'cancelled' })
        return { body: { message: 'Cancelling: the run is being stopped', execution_id: 'exec-1', status: 'running' } }
      },
    })
    const app = await renderApp('/runs/exec-1')
    wrapper = app.wrapper

    button('Cancel run')?.click()
    await settle()
    const confirm = document.querySelector('[role="alertdialog"]')
    expect(confirm?.textContent).toContain('Cancel run exec-1?')
    expect(document.activeElement?.textContent?.trim()).toBe('Keep it')
    button('Keep it')?.click()
    await settle()
    expect(server.callsTo('POST', '/admin/executions/exec-1/cancel')).toHaveLength(0)

    button('Cancel run')?.click()
    await settle()
    const confirmButton = Array.from(document.querySelectorAll<HTMLButtonElement>('[role="alertdialog"] button')).find(
      (b) => b.textContent?.trim() === 'Cancel run',
    )
    confirmButton?.click()
    await settle()

    const cancel = server.callsTo('POST', '/admin/executions/exec-1/cancel')
    expect(cancel).toHaveLength(1)
    expect(cancel[0]?.headers.get('X-Agented-CSRF')).toBe('1')
    expect(document.querySelector('[role="alertdialog"]')).toBeNull()
    expect(document.body.textContent).toContain('Cancelling: the run is being stopped')
  })

  it('shows a refused cancel (409) inside the confirmation', async () => {
    runServer(RUNNING, OPERATOR, {
      'POST /admin/executions/exec-1/cancel': { status: 409, body: { code: 'CONFLICT', message: 'run already finished', request_id: 'req-409' } },
    })
    const app = await renderApp('/runs/exec-1')
    wrapper = app.wrapper

    button('Cancel run')?.click()
    await settle()
    Array.from(document.querySelectorAll<HTMLButtonElement>('[role="alertdialog"] button')).find((b) => b.textContent?.trim() === 'Cancel run')?.click()
    await settle()
    expect(document.querySelector('[role="alertdialog"]')?.textContent).toContain('run already finished')
    expect(document.querySelector('[role="alertdialog"]')?.textContent).toContain('req-409')
  })

  it('pauses and resumes', async () => {
    const { server } = runServer(RUNNING)
    const app = await renderApp('/runs/exec-1')
    wrapper = app.wrapper

    button('Pause')?.click()
    await settle()
    expect(server.callsTo('POST', '/admin/executions/exec-1/pause')).toHaveLength(1)
    expect(document.querySelector('.status-badge')?.textContent?.trim()).toBe('paused')
    button('Resume')?.click()
    await settle()
    expect(server.callsTo('POST', '/admin/executions/exec-1/resume')).toHaveLength(1)
    expect(document.querySelector('.status-badge')?.textContent?.trim()).toBe('running')
  })

  it('replays a finished run and opens the side-by-side comparison', async () => {
    const replay = runView({ execution_id: 'exec-2', replay_of: 'exec-1', trigger_type: 'replay' })
    const { server } = runServer({}, OPERATOR, {
      'POST /admin/executions/exec-1/replay': {
        status: 201,
        body: { comparison_id: 'exec-2', original_execution_id: 'exec-1', replay_execution_id: 'exec-2' },
      },
      'GET /admin/executions/exec-2/comparison': {
        body: {
          original: { execution: runView(), result: 'Hello from the mock model', output: ['{"type":"system"}', '{"type":"result"}'] },
          replay: { execution: replay, result: 'Hello from the mock model', output: ['{"type":"system"}', '{"type":"result","x":1}'] },
          same_result: true,
        },
      },
    })
    const app = await renderApp('/runs/exec-1')
    wrapper = app.wrapper

    button('Replay')?.click()
    await untilRoute(app.router, 'run-compare')

    expect(server.callsTo('POST', '/admin/executions/exec-1/replay')[0]?.headers.get('X-Agented-CSRF')).toBe('1')
    expect(app.router.currentRoute.value.params.id).toBe('exec-2')
    const sides = Array.from(document.querySelectorAll('section.side'))
    expect(sides.map((s) => s.querySelector('h2')?.textContent)).toEqual(['Original', 'Replay'])
    expect(sides[0]?.textContent).toContain('exec-1')
    expect(sides[1]?.textContent).toContain('exec-2')
    expect(sides[1]?.querySelector('.result')?.textContent).toBe('Hello from the mock model')
    expect(document.querySelector('.verdict')?.textContent).toBe('Same result')
    // The differing second output line is marked on both sides.
    expect(sides[1]?.querySelectorAll('li.diff')).toHaveLength(1)
  })
})

describe('run page: live log', () => {
  it('renders stored lines, then streamed lines in order, and closes the stream on complete', async () => {
    const { server, set } = runServer(RUNNING)
    const app = await renderApp('/runs/exec-1')
    wrapper = app.wrapper

    const source = FakeEventSource.latest()
    expect(source.url).toBe('/admin/executions/exec-1/stream?after=2')
    expect(logRows()).toEqual(['1 | session | session:  | 811d9eb3', '2 | stderr | stderr:  | npm warn deprecated'])

    source.open()
    source.log(3, '{"type":"assistant"}')
    source.emit('agent', { type: 'assistant_text', text: 'Hello from the mock model' })
    source.log(4, 'plain output')
    source.log(5, 'more output')
    await vi.waitFor(() => expect(logRows()).toHaveLength(5))
    expect(logRows().slice(2)).toEqual([
      '3 | assistant | assistant:  | Hello from the mock model',
      '4 |  | stdout:  | plain output',
      '5 |  | stdout:  | more output',
    ])
    expect(document.body.textContent).toContain('Live')

    set({ status: 'success', finished_at: '2026-03-01T10:00:05.000Z', duration_ms: 4000, exit_code: 0 })
    source.emit('complete', { status: 'success', exit_code: 0, error_message: null, duration_ms: 4000, finished_at: '2026-03-01T10:00:05.000Z' })
    await settle()

    expect(source.closed).toBe(true)
    expect(FakeEventSource.instances).toHaveLength(1)
    expect(document.querySelector('.status-badge')?.textContent?.trim()).toBe('success')
    expect(document.body.textContent).toContain('Run ended: success.')
    // The facts were read again for the final numbers.
    expect(server.callsTo('GET', '/admin/executions/exec-1').some((c) => c.query.get('log_limit') === '1')).toBe(true)
  })

  it('switches between the events and the raw view', async () => {
    runServer()
    const app = await renderApp('/runs/exec-1')
    wrapper = app.wrapper

    expect(logRows()[0]).toBe('1 | session | session:  | 811d9eb3')
    button('Raw')?.click()
    await settle()
    expect(logRows()[0]).toContain('{"type":"system","subtype":"init"}')
    expect(button('Raw')?.getAttribute('aria-pressed')).toBe('true')
  })

  it('searches the log and highlights the matches', async () => {
    runServer()
    const app = await renderApp('/runs/exec-1')
    wrapper = app.wrapper

    const input = document.querySelector<HTMLInputElement>('input[placeholder="Search the log"]')
    if (!input) throw new Error('no search box')
    input.value = 'WARN'
    input.dispatchEvent(new Event('input'))
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await settle()

    expect(document.querySelector('.log-row.current mark')?.textContent).toBe('warn')
    expect(document.body.textContent).toContain('1 of 1 row')
  })
})
