// Fills a LogModel with a run's log and keeps it current:
//   - a finished run: its stored lines, page by page (`GET /admin/executions/{id}?log_after=…`);
//   - a queued, running or paused run: the SSE stream, which replays what was stored after the
//     lines already loaded and then follows the run live until `complete` (the helper closes the
//     EventSource right there, so the browser does not reconnect and replay the log again).
// Everything arriving goes through a Batcher, so the model and the page change at most once per frame.

import { ApiError, executionsApi, isAbortError, toApiError } from '../api/client'
import { openEventStream, type EventSourceFactory, type EventStream } from '../api/sse'
import type { AgentEvent, ExecutionDetail, ExecutionLogLine, ExecutionStatus, StreamCompleteData, StreamLogData } from '../api/types'
import { Batcher, type Scheduler } from './batcher'
import { LogModel, toLogLine, type LogLine } from './logModel'
import { isTerminal } from './status'

export type LogItem = { kind: 'line'; line: LogLine } | { kind: 'event'; event: AgentEvent }

/** connecting → live → closed (complete), or reconnecting (the browser retries) / failed (it gave up). */
export type ConnectionState = 'idle' | 'loading' | 'connecting' | 'live' | 'reconnecting' | 'failed' | 'closed'

export interface RunLogCallbacks {
  /** The model changed (after each batch). */
  onChange?: () => void
  onConnection?: (state: ConnectionState) => void
  /** A `status` event: the run is running, paused… */
  onStatus?: (status: ExecutionStatus) => void
  /** The run ended; every line before it is already in the model. */
  onComplete?: (data: StreamCompleteData) => void
  /** Loading stored pages or opening the stream failed. */
  onError?: (error: ApiError) => void
  /** Lines received so far, while a finished run's pages load. */
  onProgress?: (loaded: number) => void
}

export interface RunLogOptions {
  EventSource?: EventSourceFactory
  schedule?: Scheduler
  /** Lines per page for finished runs (the server allows up to 100,000). */
  pageSize?: number
}

export const DEFAULT_PAGE_SIZE = 50_000

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** The model line for an SSE `log` event; its sequence number is the event's `id:`. */
export function lineFromStream(data: unknown, lastEventId: string): LogLine | null {
  if (!isObject(data)) return null
  const seq = Number(lastEventId)
  if (!Number.isFinite(seq) || seq <= 0) return null
  const d = data as Partial<StreamLogData>
  return {
    seq,
    kind: d.stream === 'stderr' || d.stream === 'system' ? d.stream : 'stdout',
    text: typeof d.content === 'string' ? d.content : String(d.content ?? ''),
    ts: typeof d.timestamp === 'string' ? d.timestamp : '',
    split: d.split === true,
    events: null,
  }
}

export class RunLog {
  readonly model: LogModel
  state: ConnectionState = 'idle'
  private readonly batcher: Batcher<LogItem>
  private stream: EventStream | null = null
  private abort: AbortController | null = null
  private stopped = false
  private received = 0

  constructor(
    readonly executionId: string,
    private readonly callbacks: RunLogCallbacks = {},
    private readonly options: RunLogOptions = {},
    model?: LogModel,
  ) {
    this.model = model ?? new LogModel()
    this.batcher = new Batcher<LogItem>((items) => this.apply(items), options.schedule)
  }

  /** Starts from the run's detail (its first page of lines is used, not fetched again). */
  start(detail: ExecutionDetail): void {
    this.stopped = false
    this.enqueueLines(detail.logs)
    if (isTerminal(detail.status)) {
      void this.loadPages(detail.next_log_after)
    } else {
      const after = detail.logs.length > 0 ? (detail.logs[detail.logs.length - 1]?.seq ?? 0) : 0
      this.connect(after)
    }
  }

  /** Opens the stream again after it gave up, resuming after the last line received. */
  reconnect(): void {
    if (this.stopped) return
    this.batcher.flushNow()
    this.connect(this.model.lastSeq)
  }

  /** Closes the stream and stops loading; safe to call twice. */
  stop(): void {
    this.stopped = true
    this.stream?.close()
    this.stream = null
    this.abort?.abort()
    this.abort = null
    this.batcher.dispose()
  }

  private setState(state: ConnectionState): void {
    this.state = state
    this.callbacks.onConnection?.(state)
  }

  private enqueueLines(lines: readonly ExecutionLogLine[]): void {
    const items: LogItem[] = new Array(lines.length)
    for (let i = 0; i < lines.length; i++) items[i] = { kind: 'line', line: toLogLine(lines[i] as ExecutionLogLine) }
    this.batcher.pushAll(items)
    this.received += lines.length
  }

  private apply(items: LogItem[]): void {
    const model = this.model
    for (const item of items) {
      if (item.kind === 'line') model.appendLine(item.line)
      else model.appendEvent(item.event)
    }
    this.callbacks.onChange?.()
  }

  private async loadPages(nextAfter: number | null): Promise<void> {
    let after = nextAfter
    if (after === null) {
      this.setState('closed')
      return
    }
    this.setState('loading')
    const controller = new AbortController()
    this.abort = controller
    try {
      while (after !== null && !this.stopped) {
        this.callbacks.onProgress?.(this.received)
        const page = await executionsApi.get(
          this.executionId,
          { log_after: after, log_limit: this.options.pageSize ?? DEFAULT_PAGE_SIZE },
          controller.signal,
        )
        if (this.stopped) return
        this.enqueueLines(page.logs)
        after = page.next_log_after
      }
      this.callbacks.onProgress?.(this.received)
      this.setState('closed')
    } catch (err) {
      if (this.stopped || isAbortError(err)) return
      this.setState('failed')
      this.callbacks.onError?.(toApiError(err))
    } finally {
      if (this.abort === controller) this.abort = null
    }
  }

  private connect(after: number): void {
    this.stream?.close()
    this.setState('connecting')
    let stream: EventStream
    try {
      stream = openEventStream(
        executionsApi.streamPath(this.executionId, after),
        {
          on: {
            log: (data, event) => {
              const line = lineFromStream(data, event.lastEventId)
              if (!line) return
              this.received++
              this.batcher.push({ kind: 'line', line })
            },
            agent: (data) => {
              if (isObject(data) && typeof data.type === 'string') this.batcher.push({ kind: 'event', event: data as AgentEvent })
            },
            status: (data) => {
              if (isObject(data) && typeof data.status === 'string') this.callbacks.onStatus?.(data.status as ExecutionStatus)
            },
          },
          onOpen: () => this.setState('live'),
          onComplete: (data) => {
            this.stream = null
            // Every line arrived before `complete`: show them all before saying the run ended.
            this.batcher.flushNow()
            this.setState('closed')
            if (isObject(data)) this.callbacks.onComplete?.(data as unknown as StreamCompleteData)
          },
          onError: ({ willRetry }) => {
            if (willRetry) {
              this.setState('reconnecting')
              return
            }
            this.stream = null
            this.setState('failed')
            this.callbacks.onError?.(
              new ApiError({
                status: 0,
                code: 'stream_closed',
                message: 'The live log stream was closed by the server (signed out, too many open streams, or the run is gone).',
              }),
            )
          },
        },
        { EventSource: this.options.EventSource },
      )
    } catch (err) {
      this.setState('failed')
      this.callbacks.onError?.(toApiError(err))
      return
    }
    this.stream = stream
  }
}
