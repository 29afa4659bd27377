import { describe, expect, it } from 'vitest'
import type { AgentEvent } from '../api/types'
import { computeWindow } from './virtualWindow'
import {
  eventRows,
  highlightSegments,
  isLine,
  LogModel,
  MAX_TOOL_OUTPUT_ROWS,
  toLogLine,
  type EventRow,
  type LogLine,
} from './logModel'

function line(seq: number, text: string, kind: LogLine['kind'] = 'stdout', events: AgentEvent[] | null = null): LogLine {
  return { seq, kind, text, ts: `2026-03-01T10:00:00.${String(seq).padStart(3, '0')}Z`, split: false, events }
}

const texts = (model: LogModel) => model.rows.map((r) => r.text)

describe('LogModel: lines and rows', () => {
  it('appends lines in order and skips a repeated or older sequence number', () => {
    const model = new LogModel('raw')
    expect(model.appendLine(line(1, 'one'))).toBe(true)
    expect(model.appendLine(line(2, 'two'))).toBe(true)
    expect(model.appendLine(line(2, 'two again'))).toBe(false)
    expect(model.appendLine(line(1, 'one again'))).toBe(false)
    model.appendLine(line(3, 'three'))

    expect(texts(model)).toEqual(['one', 'two', 'three'])
    expect(model.lastSeq).toBe(3)
  })

  it('drops the agent events that follow a skipped line', () => {
    const model = new LogModel('events')
    model.appendLine(line(1, '{"a":1}'))
    model.appendEvent({ type: 'assistant_text', text: 'first' })
    model.appendLine(line(1, '{"a":1}')) // a reconnect that overlapped
    model.appendEvent({ type: 'assistant_text', text: 'first' })

    expect(texts(model)).toEqual(['first'])
    expect(model.lines[0]?.events).toHaveLength(1)
  })

  it('shows a stdout line that has events as those events, and the raw view as the line', () => {
    const events: AgentEvent[] = [
      { type: 'tool_call', id: 't1', name: 'Bash', input: '{"command":"ls"}' },
      { type: 'usage', input_tokens: 1200, output_tokens: 34, cache_read_tokens: 5, cache_write_tokens: 0 },
      { type: 'cost', usd: 0.0009 },
    ]
    const model = new LogModel('events')
    model.appendLine(line(1, '{"type":"assistant"}', 'stdout', events))
    model.appendLine(line(2, 'warning: slow disk', 'stderr'))

    expect(model.rows.map((r) => [r.kind, r.text])).toEqual([
      ['tool_call', 'Bash {"command":"ls"}'],
      ['usage', 'input 1,200 · output 34 · cache read 5 · cache write 0 tokens'],
      ['cost', '$0.0009 (USD)'],
      ['stderr', 'warning: slow disk'],
    ])

    model.setMode('raw')
    expect(model.rows.map((r) => [r.kind, r.text])).toEqual([
      ['stdout', '{"type":"assistant"}'],
      ['stderr', 'warning: slow disk'],
    ])
  })

  it('rebuilds the last line’s rows when its events arrive after it (the stream’s order)', () => {
    const model = new LogModel('events')
    model.appendLine(line(1, 'plain'))
    model.appendLine(line(2, '{"type":"assistant"}'))
    expect(texts(model)).toEqual(['plain', '{"type":"assistant"}'])

    model.appendEvent({ type: 'assistant_text', text: 'Hello\nworld' })
    model.appendEvent({ type: 'session_id', session_id: 'abc' })

    expect(model.rows.map((r) => [r.seq, r.kind, r.text])).toEqual([
      [1, 'stdout', 'plain'],
      [2, 'assistant', 'Hello'],
      [2, 'assistant', 'world'],
      [2, 'session', 'abc'],
    ])
    expect((model.rows[2] as EventRow).cont).toBe(true)
  })

  it('splits multi-line text into rows and caps long tool output', () => {
    const output = Array.from({ length: MAX_TOOL_OUTPUT_ROWS + 5 }, (_, i) => `file${i}`).join('\n')
    const rows = eventRows({ type: 'tool_result', id: 't', output, is_error: false }, 7)

    expect(rows).toHaveLength(MAX_TOOL_OUTPUT_ROWS + 1)
    expect(rows[0]).toEqual({ seq: 7, kind: 'tool_result', label: 'tool result', text: 'file0', cont: false })
    expect(rows.at(-1)?.kind).toBe('more')
    expect(rows.at(-1)?.text).toContain('5 more lines')
    expect(eventRows({ type: 'result', text: 'done\n', is_error: true }, 1)).toEqual([
      { seq: 1, kind: 'result_error', label: 'failed', text: 'done', cont: false },
    ])
  })

  it('converts the API’s lines', () => {
    expect(
      toLogLine({ seq: 4, timestamp: 't', stream: 'system', content: 'marker', split: true, events: [] }),
    ).toEqual({ seq: 4, kind: 'system', text: 'marker', ts: 't', split: true, events: null })
  })

  it('writes the whole log as text for download, whatever the view', () => {
    const model = new LogModel('events')
    model.appendLine(line(1, '{"x":1}', 'stdout', [{ type: 'assistant_text', text: 'hi' }]))
    model.appendLine(line(2, 'oops', 'stderr'))

    expect(model.toTextChunks().join('')).toBe(
      '2026-03-01T10:00:00.001Z stdout {"x":1}\n2026-03-01T10:00:00.002Z stderr oops\n',
    )
  })
})

describe('LogModel: search', () => {
  function model(): LogModel {
    const m = new LogModel('raw')
    ;['Starting build', 'error: disk full', 'retrying (a+b)', 'ERROR again', 'done'].forEach((t, i) => m.appendLine(line(i + 1, t)))
    return m
  }

  it('finds rows case-insensitively, treating the text literally', () => {
    const m = model()
    m.setQuery('error')
    expect(m.matches).toEqual([1, 3])
    m.setQuery('(a+b)')
    expect(m.matches).toEqual([2])
    m.setQuery('')
    expect(m.matches).toEqual([])
  })

  it('keeps matching as lines arrive, and when a tail line is rebuilt', () => {
    const m = new LogModel('events')
    m.setQuery('needle')
    m.appendLine(line(1, 'a needle'))
    m.appendLine(line(2, 'json with needle inside'))
    expect(m.matches).toEqual([0, 1])

    // The events replace the raw row: the match moves to the event's row text.
    m.appendEvent({ type: 'assistant_text', text: 'no match here\nbut a NEEDLE here' })
    expect(texts(m)).toEqual(['a needle', 'no match here', 'but a NEEDLE here'])
    expect(m.matches).toEqual([0, 2])
  })

  it('steps through matches with wrap-around and starts from the view', () => {
    const m = model()
    m.setQuery('e') // rows 1 ("error: disk full"), 2 ("retrying"), 3 ("ERROR again"), 4 ("done"), 0 ("Starting build" has no e)
    expect(m.matches).toEqual([1, 2, 3, 4])
    expect(m.matchAtOrAfter(0)).toBe(0)
    expect(m.matchAtOrAfter(3)).toBe(2)
    expect(m.matchAtOrAfter(99)).toBe(0) // past the last match: wrap to the first
    expect(m.stepMatch(3, 1)).toBe(0)
    expect(m.stepMatch(0, -1)).toBe(3)
    expect(m.stepMatch(-1, -1)).toBe(3)
  })

  it('highlights every occurrence, keeping the original case', () => {
    expect(highlightSegments('Error: an error', 'ERROR')).toEqual([
      { text: 'Error', hit: true },
      { text: ': an ', hit: false },
      { text: 'error', hit: true },
    ])
    expect(highlightSegments('plain', '')).toEqual([{ text: 'plain', hit: false }])
    expect(highlightSegments('a.b', '.')).toEqual([
      { text: 'a', hit: false },
      { text: '.', hit: true },
      { text: 'b', hit: false },
    ])
  })

  it('finds the first row of a line by sequence number', () => {
    const m = new LogModel('events')
    m.appendLine(line(1, 'x', 'stdout', [{ type: 'assistant_text', text: 'a\nb' }]))
    m.appendLine(line(5, 'y'))
    expect(m.rowOfSeq(1)).toBe(0)
    expect(m.rowOfSeq(5)).toBe(2)
    expect(m.rowOfSeq(3)).toBe(-1)
  })
})

describe('LogModel: a million lines', () => {
  it('holds 1,000,000 lines, searches them, and the window at the end is small', () => {
    const model = new LogModel('raw')
    const started = performance.now()
    for (let seq = 1; seq <= 1_000_000; seq++) model.appendLine(line(seq, `line ${seq} of the build output`))
    model.setQuery('line 999999 ')
    const elapsed = performance.now() - started

    expect(model.rows).toHaveLength(1_000_000)
    expect(model.matches).toEqual([999_998])
    expect(isLine(model.rows[999_999]!)).toBe(true)
    // Generous: this is about "seconds, not minutes", not a benchmark.
    expect(elapsed).toBeLessThan(10_000)

    const end = computeWindow({ scrollTop: Number.MAX_SAFE_INTEGER, viewportHeight: 600, rowCount: model.rows.length, rowHeight: 20 })
    expect(end.end).toBe(1_000_000)
    expect(end.end - end.start).toBeLessThan(60)
  }, 30_000)
})
