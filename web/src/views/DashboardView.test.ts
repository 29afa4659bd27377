// The dashboard's run sections against a fake server: live queue, recent failures, counts.
import type { VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resetSession } from '../auth/session'
import { fakeServer, signedInRoutes, type RecordedCall } from '../test/fakeServer'
import { renderApp } from '../test/renderApp'
import { runView } from '../test/runs'
import { startOfDay, startOfWeek } from '../utils/format'

let wrapper: VueWrapper | undefined
beforeEach(() => resetSession())
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
})

describe('dashboard', () => {
  it('shows running and queued runs, the last failures and the counts of today and this week', async () => {
    const today = startOfDay(new Date()).toISOString()
    const week = startOfWeek(new Date()).toISOString()
    const server = fakeServer({
      ...signedInRoutes(),
      'GET /health/readiness': { body: { status: 'ok', timestamp: '2026-03-01T10:00:00Z', components: { database: 'ok', uptime_seconds: 125 } } },
      'GET /api/version': { body: { version: '0.1.0' } },
      'GET /health/instance-id': { body: { instance_id: 'i-1' } },
      'GET /admin/executions/queue': {
        body: {
          executions: [
            runView({ execution_id: 'exec-run', status: 'running', finished_at: null, duration_ms: null }),
            runView({ execution_id: 'exec-wait', status: 'queued', started_at: null, finished_at: null, duration_ms: null }),
          ],
          queued: 1,
          running: 1,
          max_concurrent_runs: 4,
        },
      },
      'GET /admin/executions': (call: RecordedCall) => {
        const status = call.query.get('status')
        if (status) {
          const executions =
            status === 'failed'
              ? [runView({ execution_id: 'exec-f1', status: 'failed', queued_at: '2026-03-01T09:00:00.000Z' })]
              : status === 'timeout'
                ? [runView({ execution_id: 'exec-t1', status: 'timeout', queued_at: '2026-03-02T09:00:00.000Z' })]
                : []
          return { body: { executions, total_count: executions.length } }
        }
        const from = call.query.get('date_from')
        return { body: { executions: [], total_count: from === today ? 7 : from === week ? 31 : -1 } }
      },
    })
    const app = await renderApp('/')
    wrapper = app.wrapper

    const failureQueries = server.callsTo('GET', '/admin/executions').filter((c) => c.query.has('status'))
    expect(failureQueries.map((c) => c.query.get('status')).sort()).toEqual(['failed', 'interrupted', 'rate_limited', 'timeout'])
    expect(failureQueries.every((c) => c.query.get('limit') === '10')).toBe(true)

    const stats = Array.from(document.querySelectorAll('.stat')).map((s) =>
      Array.from(s.children)
        .map((c) => c.textContent?.trim())
        .join(' '),
    )
    expect(stats).toEqual(['Running 1 of at most 4', 'Queued 1', 'Runs today 7', 'This week 31 since Monday'])

    const active = document.querySelector('section[aria-labelledby="active-h"]')?.textContent ?? ''
    expect(active).toContain('exec-run')
    expect(active).toContain('exec-wait')
    // Newest failure first, across statuses.
    const failures = Array.from(document.querySelectorAll('section[aria-labelledby="failures-h"] tbody tr')).map(
      (r) => r.querySelector('a')?.textContent,
    )
    expect(failures).toEqual(['exec-t1', 'exec-f1'])
    expect(document.body.textContent).toContain('2 min 05 s') // uptime as a duration, not a red badge
  })
})
