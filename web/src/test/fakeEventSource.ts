// A hand-driven stand-in for the browser's EventSource: tests open it through the code under test,
// then deliver named events (with `id:` as lastEventId), errors and opens themselves.

import type { EventSourceLike } from '../api/sse'

export class FakeEventSource implements EventSourceLike {
  static instances: FakeEventSource[] = []
  readyState = 0
  onopen: EventSourceLike['onopen'] = null
  onmessage: EventSourceLike['onmessage'] = null
  onerror: EventSourceLike['onerror'] = null
  closeCalls = 0
  private listeners = new Map<string, ((ev: MessageEvent) => void)[]>()

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this)
  }

  static reset(): void {
    FakeEventSource.instances = []
  }

  static latest(): FakeEventSource {
    const source = FakeEventSource.instances.at(-1)
    if (!source) throw new Error('no EventSource was opened')
    return source
  }

  get closed(): boolean {
    return this.readyState === 2
  }

  addEventListener(type: string, listener: (ev: MessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }

  close(): void {
    this.closeCalls++
    this.readyState = 2
  }

  open(): void {
    this.readyState = 1
    this.onopen?.call(this as unknown as EventSource, new Event('open'))
  }

  /** Delivers `event: <type>` with JSON data, as the browser would (after close, nothing arrives). */
  emit(type: string, data: unknown, id?: number | string): void {
    if (this.readyState === 2) return
    const event = new MessageEvent(type, {
      data: typeof data === 'string' ? data : JSON.stringify(data),
      lastEventId: id === undefined ? '' : String(id),
    })
    if (type === 'message') this.onmessage?.call(this as unknown as EventSource, event)
    for (const listener of this.listeners.get(type) ?? []) listener(event)
  }

  /** A `log` event the way the server sends it: seq in `id:`, the line in `data:`. */
  log(seq: number, content: string, stream: 'stdout' | 'stderr' | 'system' = 'stdout'): void {
    this.emit('log', { timestamp: `2026-03-01T10:00:${String(seq % 60).padStart(2, '0')}.000Z`, stream, content }, seq)
  }

  fail(readyState: number): void {
    this.readyState = readyState
    this.onerror?.call(this as unknown as EventSource, new Event('error'))
  }
}
