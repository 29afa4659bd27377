import { beforeEach, describe, expect, it, vi } from 'vitest'
import { openEventStream } from './sse'
import { FakeEventSource } from '../test/fakeEventSource'

const latest = () => FakeEventSource.latest()

beforeEach(() => {
  FakeEventSource.reset()
})

describe('openEventStream', () => {
  it('opens the path and delivers named events with JSON-parsed data', () => {
    const log = vi.fn()
    const onOpen = vi.fn()
    openEventStream('/admin/executions/x/stream', { on: { log }, onOpen }, { EventSource: FakeEventSource })

    latest().open()
    latest().emit('log', '{"stream":"stdout","content":"hello"}')
    latest().emit('log', 'not json')

    expect(latest().url).toBe('/admin/executions/x/stream')
    expect(onOpen).toHaveBeenCalledOnce()
    expect(log.mock.calls.map((c) => c[0])).toEqual([{ stream: 'stdout', content: 'hello' }, 'not json'])
  })

  it('closes on `complete` before the handler runs, so the browser cannot reconnect and replay', () => {
    let closedDuringHandler = false
    const log = vi.fn()
    const stream = openEventStream(
      '/s',
      {
        on: { log },
        onComplete: (data) => {
          closedDuringHandler = stream.closed && latest().closeCalls === 1
          expect(data).toEqual({ status: 'success', exit_code: 0 })
        },
      },
      { EventSource: FakeEventSource },
    )

    latest().emit('complete', '{"status":"success","exit_code":0}')
    // A browser may still hand over an event that was already buffered: the helper must ignore it.
    latest().readyState = 1
    latest().emit('log', '{"content":"late"}')

    expect(closedDuringHandler).toBe(true)
    expect(stream.closed).toBe(true)
    expect(log).not.toHaveBeenCalled()
  })

  it('also passes `complete` to an `on.complete` handler', () => {
    const complete = vi.fn()
    openEventStream('/s', { on: { complete } }, { EventSource: FakeEventSource })

    latest().emit('complete', '{"status":"failed"}')

    expect(complete).toHaveBeenCalledOnce()
    expect(complete.mock.calls[0]?.[0]).toEqual({ status: 'failed' })
  })

  it('reports errors the browser retries, and marks the stream closed when it gives up', () => {
    const onError = vi.fn()
    const stream = openEventStream('/s', { onError }, { EventSource: FakeEventSource })

    latest().fail(0) // CONNECTING: the browser will reconnect
    expect(onError).toHaveBeenLastCalledWith({ willRetry: true })
    expect(stream.closed).toBe(false)

    latest().fail(2) // CLOSED: e.g. 401 or 404
    expect(onError).toHaveBeenLastCalledWith({ willRetry: false })
    expect(stream.closed).toBe(true)
  })

  it('stops delivering after close()', () => {
    const onMessage = vi.fn()
    const stream = openEventStream('/s', { onMessage }, { EventSource: FakeEventSource })

    stream.close()
    stream.close()
    latest().emit('message', '{"type":"status"}')

    expect(latest().closeCalls).toBe(1)
    expect(onMessage).not.toHaveBeenCalled()
  })

  it('delivers unnamed messages and closes on a terminal one when asked', () => {
    const onMessage = vi.fn()
    const stream = openEventStream(
      '/workflow/stream',
      { onMessage },
      { EventSource: FakeEventSource, isTerminalMessage: (d) => (d as { type?: string }).type === 'execution_complete' },
    )

    latest().emit('message', '{"type":"node_start"}')
    expect(stream.closed).toBe(false)
    latest().emit('message', '{"type":"execution_complete"}')

    expect(stream.closed).toBe(true)
    expect(onMessage).toHaveBeenCalledTimes(2)
  })

  it('uses the global EventSource by default', () => {
    vi.stubGlobal('EventSource', FakeEventSource)

    openEventStream('/s', {})

    expect(FakeEventSource.instances).toHaveLength(1)
  })

  it('refuses anything but a same-origin path', () => {
    expect(() => openEventStream('https://elsewhere.example/s', {}, { EventSource: FakeEventSource })).toThrow()
    expect(() => openEventStream('//elsewhere.example/s', {}, { EventSource: FakeEventSource })).toThrow()
  })
})
