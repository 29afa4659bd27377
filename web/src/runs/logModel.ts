// The run page's log, as plain data outside Vue's reactivity (a million proxied objects would cost
// far more than the lines themselves). The view keeps a version counter and re-reads the rows it
// shows; everything here is synchronous and testable without a DOM.
//
// Lines are what the server stored. Rows are what is displayed, one text line each (the list is
// virtualized with a fixed row height): in the "events" view a stdout line that the server parsed
// into agent events is shown as those events (assistant text, tool calls and results, usage, cost…)
// instead of the CLI's raw JSON; in the "raw" view every line is one row as the CLI printed it.

import type { AgentEvent, ExecutionLogLine, LogStreamName } from '../api/types'

export type ViewMode = 'events' | 'raw'

export type EventKind =
  | 'assistant'
  | 'tool_call'
  | 'tool_result'
  | 'tool_error'
  | 'usage'
  | 'cost'
  | 'session'
  | 'result'
  | 'result_error'
  | 'error'
  | 'rate_limit'
  | 'more'

export interface LogLine {
  seq: number
  kind: LogStreamName
  text: string
  /** When the server read it (RFC 3339). */
  ts: string
  split: boolean
  events: AgentEvent[] | null
}

export interface EventRow {
  /** The line the event was parsed from. */
  seq: number
  kind: EventKind
  /** Short words shown before the text on the event's first row ("assistant", "tool call"). */
  label: string
  text: string
  /** A continuation row of a multi-line event (its label is not repeated). */
  cont: boolean
}

export type LogRow = LogLine | EventRow

export function isLine(row: LogRow): row is LogLine {
  return 'ts' in row
}

/** Rows longer than this are shown cut, with a way to read them whole. */
export const MAX_DISPLAY_CHARS = 1000
/** A tool's output is shown up to this many rows in the events view; the raw view has it all. */
export const MAX_TOOL_OUTPUT_ROWS = 200

const integer = new Intl.NumberFormat('en-US')

function splitText(text: string): string[] {
  const parts = text.replace(/\r\n?/g, '\n').split('\n')
  // A trailing newline would otherwise add an empty row.
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop()
  return parts
}

function pushMulti(out: EventRow[], seq: number, kind: EventKind, label: string, text: string, maxRows = Infinity): void {
  const parts = splitText(text)
  const shown = Math.min(parts.length, maxRows)
  for (let i = 0; i < shown; i++) out.push({ seq, kind, label, text: parts[i] ?? '', cont: i > 0 })
  if (parts.length > shown) {
    const rest = parts.length - shown
    out.push({ seq, kind: 'more', label: '', text: `… ${integer.format(rest)} more line${rest === 1 ? '' : 's'} (see the raw view)`, cont: true })
  }
}

function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return String(usd)
  return `$${usd < 0.01 && usd > 0 ? Number(usd.toPrecision(2)) : usd.toFixed(4)}`
}

/** The display rows of one agent event. */
export function eventRows(event: AgentEvent, seq: number): EventRow[] {
  const out: EventRow[] = []
  switch (event.type) {
    case 'assistant_text':
      pushMulti(out, seq, 'assistant', 'assistant', event.text)
      break
    case 'tool_call':
      out.push({ seq, kind: 'tool_call', label: 'tool call', text: `${event.name} ${event.input}`, cont: false })
      break
    case 'tool_result':
      pushMulti(
        out,
        seq,
        event.is_error ? 'tool_error' : 'tool_result',
        event.is_error ? 'tool error' : 'tool result',
        event.output === '' ? '(no output)' : event.output,
        MAX_TOOL_OUTPUT_ROWS,
      )
      break
    case 'usage':
      out.push({
        seq,
        kind: 'usage',
        label: 'usage',
        text:
          `input ${integer.format(event.input_tokens)} · output ${integer.format(event.output_tokens)} · ` +
          `cache read ${integer.format(event.cache_read_tokens)} · cache write ${integer.format(event.cache_write_tokens)} tokens`,
        cont: false,
      })
      break
    case 'cost':
      out.push({ seq, kind: 'cost', label: 'cost', text: `${formatUsd(event.usd)} (USD)`, cont: false })
      break
    case 'session_id':
      out.push({ seq, kind: 'session', label: 'session', text: event.session_id, cont: false })
      break
    case 'result':
      pushMulti(out, seq, event.is_error ? 'result_error' : 'result', event.is_error ? 'failed' : 'result', event.text || '(empty)')
      break
    case 'error':
      pushMulti(out, seq, 'error', 'error', event.message)
      break
    case 'rate_limit': {
      const facts = [
        event.retrying ? 'the CLI is retrying' : 'the CLI gave up',
        event.resets_at ? `resets at ${event.resets_at}` : null,
        event.retry_after_secs !== undefined ? `retry after ${event.retry_after_secs} s` : null,
      ].filter(Boolean)
      pushMulti(out, seq, 'rate_limit', 'rate limit', `${event.message} (${facts.join(', ')})`)
      break
    }
    case 'raw':
      // The line itself is the raw form; nothing to add.
      break
  }
  return out
}

/** A line as stored in the model, from the API's or the stream's shape. */
export function toLogLine(line: ExecutionLogLine): LogLine {
  return {
    seq: line.seq,
    kind: line.stream,
    text: line.content,
    ts: line.timestamp,
    split: line.split === true,
    events: line.events && line.events.length > 0 ? line.events.slice() : null,
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Case-insensitive matcher for a search text; null for an empty search. */
export function matcher(query: string): RegExp | null {
  return query === '' ? null : new RegExp(escapeRegExp(query), 'i')
}

export interface Segment {
  text: string
  hit: boolean
}

/** Splits `text` around every case-insensitive occurrence of `query`, for highlighting. */
export function highlightSegments(text: string, query: string): Segment[] {
  if (!query) return [{ text, hit: false }]
  const re = new RegExp(escapeRegExp(query), 'gi')
  const out: Segment[] = []
  let last = 0
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index), hit: false })
    out.push({ text: m[0], hit: true })
    last = m.index + m[0].length
  }
  if (last < text.length || out.length === 0) out.push({ text: text.slice(last), hit: false })
  return out
}

export class LogModel {
  readonly lines: LogLine[] = []
  rows: LogRow[] = []
  mode: ViewMode
  /** Row indices that contain the search text, ascending. */
  matches: number[] = []
  query = ''
  /** The widest displayed row, in characters (for the horizontal scroll width). */
  maxChars = 0
  /** Bumped on every change, so a view can tell when to re-read. */
  version = 0

  private re: RegExp | null = null
  /** Index in `rows` where the last line's rows begin (they are rebuilt when its events arrive). */
  private tailStart = 0
  /** Agent events from the stream attach to this line; null after a duplicate line was skipped. */
  private eventTarget: LogLine | null = null

  constructor(mode: ViewMode = 'events') {
    this.mode = mode
  }

  /** The highest sequence number appended so far (0 when empty). */
  get lastSeq(): number {
    return this.lines.length > 0 ? (this.lines[this.lines.length - 1]?.seq ?? 0) : 0
  }

  /**
   * Appends a line. Lines at or below the last sequence number are skipped (a reconnect that
   * overlaps), together with the agent events that follow them.
   */
  appendLine(line: LogLine): boolean {
    if (line.seq <= this.lastSeq) {
      this.eventTarget = null
      return false
    }
    this.lines.push(line)
    this.eventTarget = line
    this.tailStart = this.rows.length
    this.pushRows(this.rowsFor(line))
    this.version++
    return true
  }

  /** Attaches an agent event (the stream sends them right after their line) to the last line. */
  appendEvent(event: AgentEvent): void {
    const line = this.eventTarget
    if (!line || event.type === 'raw') return
    ;(line.events ??= []).push(event)
    if (this.mode === 'raw') return
    // The line's rows are the last ones: rebuild them with the new event.
    this.truncateRows(this.tailStart)
    this.pushRows(this.rowsFor(line))
    this.version++
  }

  setMode(mode: ViewMode): void {
    if (mode === this.mode) return
    this.mode = mode
    this.rebuild()
  }

  /** Sets the search text and finds every matching row. */
  setQuery(query: string): void {
    if (query === this.query) return
    this.query = query
    this.re = matcher(query)
    this.matches = []
    if (this.re) {
      const re = this.re
      const rows = this.rows
      for (let i = 0; i < rows.length; i++) if (re.test(rows[i]?.text ?? '')) this.matches.push(i)
    }
    this.version++
  }

  /** Index into `matches` of the first match at or after `row` (wrapping to 0); -1 when none. */
  matchAtOrAfter(row: number): number {
    const m = this.matches
    if (m.length === 0) return -1
    let lo = 0
    let hi = m.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((m[mid] ?? 0) < row) lo = mid + 1
      else hi = mid
    }
    return lo < m.length ? lo : 0
  }

  /** The next (`+1`) or previous (`-1`) match index from `current`, wrapping around. */
  stepMatch(current: number, direction: 1 | -1): number {
    const n = this.matches.length
    if (n === 0) return -1
    if (current < 0 || current >= n) return direction === 1 ? 0 : n - 1
    return (current + direction + n) % n
  }

  /** The first row of the line with sequence number `seq`, or -1. */
  rowOfSeq(seq: number): number {
    let lo = 0
    let hi = this.rows.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.rows[mid]?.seq ?? 0) < seq) lo = mid + 1
      else hi = mid
    }
    return lo < this.rows.length && this.rows[lo]?.seq === seq ? lo : -1
  }

  /** The whole log as text, one line per stored line, in pieces (for a Blob). */
  toTextChunks(): string[] {
    const out: string[] = new Array(this.lines.length)
    for (let i = 0; i < this.lines.length; i++) {
      const l = this.lines[i]
      if (l) out[i] = `${l.ts} ${l.kind.padEnd(6)} ${l.text}\n`
    }
    return out
  }

  private rowsFor(line: LogLine): LogRow[] {
    if (this.mode === 'raw' || !line.events) return [line]
    const rows: LogRow[] = []
    for (const event of line.events) for (const row of eventRows(event, line.seq)) rows.push(row)
    // A line whose only events add nothing visible (e.g. `raw`) still shows up as itself.
    return rows.length > 0 ? rows : [line]
  }

  private pushRows(rows: LogRow[]): void {
    const re = this.re
    for (const row of rows) {
      if (re?.test(row.text)) this.matches.push(this.rows.length)
      const chars = Math.min(row.text.length, MAX_DISPLAY_CHARS)
      if (chars > this.maxChars) this.maxChars = chars
      this.rows.push(row)
    }
  }

  private truncateRows(length: number): void {
    this.rows.length = length
    while (this.matches.length > 0 && (this.matches[this.matches.length - 1] ?? 0) >= length) this.matches.pop()
  }

  private rebuild(): void {
    this.rows = []
    this.matches = []
    this.maxChars = 0
    for (const line of this.lines) {
      this.tailStart = this.rows.length
      this.pushRows(this.rowsFor(line))
    }
    this.version++
  }
}
