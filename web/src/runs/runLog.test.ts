// The run log loader against a fake EventSource and a fake server: what a live run streams, what a
// finished run pages, and how the stream is closed.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { ExecutionDetail, ExecutionLogLine } from '../api/types'
import { fakeServer, type RecordedCall } from '../test/fakeServer'
import { FakeEventSource } from '../test/fakeEventSource'
import type { Scheduler } from './batcher'
import { lineFromStream, RunLog, type ConnectionState } from './runLog'

/** Frames run only when the test says so. */
function manualFrames() {
  let queued: (() => void)[] = []
  const schedule: Scheduler = (cb) => {
    queued.push(cb)
    return () => (queued = queued.filter((c) => c !== cb))
  }
  return {
    schedule,
    frame: () => {
      const run = queued
      queued = []
      run.forEach((cb) => cb())
    },
  }
}

function storedLine(seq: number, content = `line ${seq}`): ExecutionLogLine {
  return { seq, timestamp: '2026-03-01T10:00:00.000Z', stream: 'stdout', content }
}

function detail(status: ExecutionDetail['status'], logs: ExecutionLogLine[], next: number | null = null): ExecutionDetail {
  return {
    execution_id: 'exec-1',
    trigger_id: null,
    trigger_type: 'api',
    backend: 'claude',
    model: null,
    cli_version: null,
    argv: null,
    prompt: 'p',
    working_dir: null,
    status,
    queued_at: '2026-03-01T10:00:00.000Z',
    started_at: null,
    finished_at: null,
    duration_ms: null,
    exit_code: null,
    error_message: null,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    total_cost_usd: null,
    session_id: null,
    replay_of: null,
    timeout_secs: 600,
    log_lines: logs.length,
    log_truncated: false,
    logs,
    next_log_after: next,
  }
}

beforeEach(() => FakeEventSource.reset())

describe('RunLog: a live run over SSE', () => {
  function start(initial: ExecutionDetail) {
    const frames = manualFrames()
    const states: ConnectionState[] = []
    const callbacks = {
      onChange: vi.fn(),
      onStatus: vi.fn(),
      onComplete: vi.fn(),
      onError: vi.fn(),
      onConnection: (s: ConnectionState) => states.push(s),
    }
    const log = new RunLog('exec-1', callbacks, { EventSource: FakeEventSource, schedule: frames.schedule })
    log.start(initial)
    return { log, frames, states, callbacks, source: FakeEventSource.latest() }
  }

  it('resumes the stream after the lines it already has', () => {
    const { source } = start(detail('running', [storedLine(1), storedLine(2)]))
    expect(source.url).toBe('/admin/executions/exec-1/stream?after=2')
  })

  it('appends streamed lines in order, once per frame, after the stored ones', () => {
    const { log, frames, source, callbacks, states } = start(detail('running', [storedLine(1)]))
    source.open()
    for (let seq = 2; seq <= 500; seq++) source.log(seq, `line ${seq}`, seq % 50 === 0 ? 'stderr' : 'stdout')
    expect(log.model.lines).toHaveLength(0) // nothing rendered before the frame

    frames.frame()

    expect(log.model.lines.map((l) => l.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
    expect(log.model.lines[49]).toMatchObject({ seq: 50, kind: 'stderr', text: 'line 50' })
    expect(callbacks.onChange).toHaveBeenCalledOnce()
    expect(states).toEqual(['connecting', 'live'])
  })

  it('attaches agent events to the line they follow', () => {
    const { log, frames, source } = start(detail('running', []))
    source.log(1, '{"type":"assistant"}')
    source.emit('agent', { type: 'assistant_text', text: 'Hello from the mock model' })
    source.emit('agent', { type: 'usage', input_tokens: 120, output_tokens: 1, cache_read_tokens: 0, cache_write_tokens: 0 })
    source.log(2, '{"type":"result"}')
    source.emit('agent', { type: 'result', text: 'Hello from the mock model', is_error: false })
    frames.frame()

    expect(log.model.lines[0]?.events?.map((e) => e.type)).toEqual(['assistant_text', 'usage'])
    expect(log.model.rows.map((r) => r.kind)).toEqual(['assistant', 'usage', 'result'])
  })

  it('reports status changes as they come', () => {
    const { source, callbacks } = start(detail('queued', []))
    source.emit('status', { status: 'running' })
    expect(callbacks.onStatus).toHaveBeenCalledWith('running')
  })

  it('on `complete`: closes the EventSource, shows every pending line first, then reports the end', () => {
    const { log, source, callbacks, states } = start(detail('running', []))
    source.open()
    source.log(1, 'last words')
    let linesAtComplete = -1
    callbacks.onComplete.mockImplementation(() => (linesAtComplete = log.model.lines.length))

    source.emit('complete', { status: 'success', exit_code: 0, error_message: null, duration_ms: 1200, finished_at: 'x' })
    source.log(2, 'after the end') // the browser would reconnect and replay; the helper closed it first

    expect(source.closed).toBe(true)
    expect(linesAtComplete).toBe(1)
    expect(callbacks.onComplete).toHaveBeenCalledWith(expect.objectContaining({ status: 'success', exit_code: 0 }))
    expect(log.model.lines).toHaveLength(1)
    expect(states.at(-1)).toBe('closed')
    expect(FakeEventSource.instances).toHaveLength(1)
  })

  it('says when the browser is retrying, and when it gave up; reconnect resumes after the last line', () => {
    const { log, frames, source, callbacks, states } = start(detail('running', []))
    source.log(1, 'a')
    source.log(2, 'b')
    frames.frame()

    source.fail(0)
    expect(states.at(-1)).toBe('reconnecting')
    source.fail(2)
    expect(states.at(-1)).toBe('failed')
    expect(callbacks.onError).toHaveBeenCalledOnce()

    log.reconnect()
    expect(FakeEventSource.latest().url).toBe('/admin/executions/exec-1/stream?after=2')
  })

  it('stop() closes the stream and drops what is pending', () => {
    const { log, frames, source } = start(detail('running', []))
    source.log(1, 'a')
    log.stop()
    frames.frame()
    expect(source.closed).toBe(true)
    expect(log.model.lines).toHaveLength(0)
  })
})

describe('RunLog: a finished run', () => {
  it('pages through the stored log with log_after and opens no stream', async () => {
    const server = fakeServer({
      'GET /admin/executions/exec-1': (call: RecordedCall) => {
        const after = Number(call.query.get('log_after'))
        const limit = Number(call.query.get('log_limit'))
        const logs = Array.from({ length: Math.min(limit, 7 - after) }, (_, i) => storedLine(after + i + 1))
        const last = logs.at(-1)?.seq ?? after
        return { body: detail('success', logs, last < 7 ? last : null) }
      },
    })
    const states: ConnectionState[] = []
    const progress: number[] = []
    const log = new RunLog(
      'exec-1',
      { onConnection: (s) => states.push(s), onProgress: (n) => progress.push(n) },
      { EventSource: FakeEventSource, schedule: (cb) => (cb(), () => {}), pageSize: 3 },
    )

    log.start(detail('success', [storedLine(1)], 1))
    await vi.waitFor(() => expect(states.at(-1)).toBe('closed'))

    expect(server.callsTo('GET', '/admin/executions/exec-1').map((c) => c.query.get('log_after'))).toEqual(['1', '4'])
    expect(log.model.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(progress.at(-1)).toBe(7)
    expect(FakeEventSource.instances).toHaveLength(0)
  })

  it('needs no request at all when the first page held everything', () => {
    const log = new RunLog('exec-1', {}, { EventSource: FakeEventSource, schedule: (cb) => (cb(), () => {}) })
    log.start(detail('failed', [storedLine(1)], null))
    expect(log.state).toBe('closed')
    expect(log.model.lines).toHaveLength(1)
  })
})

describe('lineFromStream', () => {
  it('takes the sequence number from the event id and ignores junk', () => {
    expect(lineFromStream({ timestamp: 't', stream: 'stderr', content: 'x', split: true }, '42')).toEqual({
      seq: 42,
      kind: 'stderr',
      text: 'x',
      ts: 't',
      split: true,
      events: null,
    })
    expect(lineFromStream({ content: 'x' }, '')).toBeNull()
    expect(lineFromStream('not json', '3')).toBeNull()
  })
})
