// Sample runs for tests.

import type { ExecutionDetail, ExecutionLogLine, ExecutionView } from '../api/types'

export function runView(overrides: Partial<ExecutionView> = {}): ExecutionView {
  return {
    execution_id: 'exec-1',
    trigger_id: null,
    trigger_type: 'api',
    backend: 'claude',
    model: 'claude-opus-4-8',
    cli_version: '2.1.197',
    argv: ['/usr/bin/claude', '-p', '--output-format', 'stream-json', '--', 'Say hello'],
    prompt: 'Say hello',
    working_dir: '/tmp/agented-run-1',
    status: 'success',
    queued_at: '2026-03-01T10:00:00.000Z',
    started_at: '2026-03-01T10:00:01.000Z',
    finished_at: '2026-03-01T10:00:03.000Z',
    duration_ms: 2000,
    exit_code: 0,
    error_message: null,
    input_tokens: 120,
    output_tokens: 12,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    total_cost_usd: 0.0009,
    session_id: '811d9eb3',
    replay_of: null,
    timeout_secs: 600,
    log_lines: 3,
    log_truncated: false,
    ...overrides,
  }
}

export function logLine(seq: number, content: string, stream: ExecutionLogLine['stream'] = 'stdout', events?: ExecutionLogLine['events']): ExecutionLogLine {
  return { seq, timestamp: '2026-03-01T10:00:02.000Z', stream, content, ...(events ? { events } : {}) }
}

export function runDetail(overrides: Partial<ExecutionView> = {}, logs: ExecutionLogLine[] = [], next: number | null = null): ExecutionDetail {
  return { ...runView(overrides), logs, next_log_after: next }
}
