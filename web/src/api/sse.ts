// Server-sent events on the browser's native EventSource. The stream is same-origin, so the session
// cookie is sent with it and no token has to go into the URL.
//
// The important rule: a server that ends a stream makes a native EventSource reconnect, and the execution
// log stream replays its buffered lines to every new connection. So the helper closes the stream itself
// as soon as the terminal `complete` event arrives, before handing it to the caller.

export interface EventStreamHandlers {
  /** Handlers for named events (`event: log`), given the JSON-parsed `data` (the raw text if not JSON). */
  on?: Record<string, (data: unknown, event: MessageEvent) => void>
  /** Unnamed `data:` messages (the workflow protocol sends only these). */
  onMessage?: (data: unknown, event: MessageEvent) => void
  /** The terminal `complete` event; the stream is already closed when this runs. */
  onComplete?: (data: unknown) => void
  onOpen?: () => void
  /**
   * A connection problem. `willRetry` is true when the browser will reconnect by itself, false when it
   * gave up (an HTTP error such as 401 or 404, or a response that is not an event stream).
   */
  onError?: (info: { willRetry: boolean }) => void
}

/** The part of EventSource the helper uses, so tests can pass a fake. */
export interface EventSourceLike {
  readonly readyState: number
  onopen: ((this: EventSource, ev: Event) => unknown) | null
  onmessage: ((this: EventSource, ev: MessageEvent) => unknown) | null
  onerror: ((this: EventSource, ev: Event) => unknown) | null
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void
  close(): void
}

export type EventSourceFactory = new (url: string) => EventSourceLike

export interface EventStreamOptions {
  /** Defaults to the global EventSource. */
  EventSource?: EventSourceFactory
  /** For protocols without a named terminal event: close when an unnamed message satisfies this. */
  isTerminalMessage?: (data: unknown) => boolean
}

export interface EventStream {
  close(): void
  readonly closed: boolean
}

const CLOSED = 2 // EventSource.CLOSED; spelled out so a fake need not define the constant.
const COMPLETE = 'complete'

function parseData(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

/** Opens `path` (a same-origin absolute path) as an event stream. */
export function openEventStream(
  path: string,
  handlers: EventStreamHandlers,
  options: EventStreamOptions = {},
): EventStream {
  if (!path.startsWith('/') || path.startsWith('//')) {
    throw new Error(`openEventStream expects a same-origin path such as /admin/…, got ${path}`)
  }
  const Impl = options.EventSource ?? (globalThis.EventSource as unknown as EventSourceFactory)
  const source = new Impl(path)
  let closed = false

  const close = () => {
    if (closed) return
    closed = true
    source.close()
  }

  source.onopen = () => {
    if (!closed) handlers.onOpen?.()
  }

  source.onmessage = (event) => {
    if (closed) return
    const data = parseData(event.data)
    const terminal = options.isTerminalMessage?.(data) ?? false
    if (terminal) close()
    handlers.onMessage?.(data, event)
  }

  for (const [name, handler] of Object.entries(handlers.on ?? {})) {
    if (name === COMPLETE) continue // dispatched below, after closing
    source.addEventListener(name, (event) => {
      if (!closed) handler(parseData(event.data), event)
    })
  }

  source.addEventListener(COMPLETE, (event) => {
    if (closed) return
    const data = parseData(event.data)
    close()
    handlers.on?.[COMPLETE]?.(data, event)
    handlers.onComplete?.(data)
  })

  source.onerror = () => {
    if (closed) return
    const gaveUp = source.readyState === CLOSED
    if (gaveUp) closed = true
    handlers.onError?.({ willRetry: !gaveUp })
  }

  return {
    close,
    get closed() {
      return closed
    },
  }
}
