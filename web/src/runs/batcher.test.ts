import { describe, expect, it, vi } from 'vitest'
import { Batcher, type Scheduler } from './batcher'

/** A scheduler the test advances frame by frame. */
function frames() {
  let queued: (() => void)[] = []
  const schedule: Scheduler = (cb) => {
    queued.push(cb)
    return () => {
      queued = queued.filter((c) => c !== cb)
    }
  }
  return {
    schedule,
    get scheduled() {
      return queued.length
    },
    /** Runs the callbacks scheduled so far (callbacks they schedule wait for the next frame). */
    frame() {
      const run = queued
      queued = []
      run.forEach((cb) => cb())
    },
  }
}

describe('Batcher', () => {
  it('turns many pushes within a frame into one flush, in order', () => {
    const f = frames()
    const flush = vi.fn()
    const b = new Batcher<number>(flush, f.schedule)

    for (let i = 0; i < 1000; i++) b.push(i)
    expect(flush).not.toHaveBeenCalled()
    expect(f.scheduled).toBe(1)

    f.frame()
    expect(flush).toHaveBeenCalledOnce()
    expect(flush.mock.calls[0]?.[0]).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(b.pending).toBe(0)
  })

  it('splits a large backlog over several frames', () => {
    const f = frames()
    const sizes: number[] = []
    const seen: number[] = []
    const b = new Batcher<number>((items) => {
      sizes.push(items.length)
      seen.push(...items)
    }, f.schedule, 100)

    b.pushAll(Array.from({ length: 250 }, (_, i) => i))
    f.frame()
    b.push(250) // arrives while the backlog is being worked off
    f.frame()
    f.frame()

    expect(sizes).toEqual([100, 100, 51])
    expect(seen).toEqual(Array.from({ length: 251 }, (_, i) => i))
    expect(f.scheduled).toBe(0)
  })

  it('delivers everything at once on flushNow and cancels the pending frame', () => {
    const f = frames()
    const flush = vi.fn()
    const b = new Batcher<string>(flush, f.schedule, 2)
    b.pushAll(['a', 'b', 'c'])

    b.flushNow()

    expect(flush.mock.calls.map((c) => c[0])).toEqual([['a', 'b'], ['c']])
    expect(f.scheduled).toBe(0)
  })

  it('delivers nothing after dispose', () => {
    const f = frames()
    const flush = vi.fn()
    const b = new Batcher<string>(flush, f.schedule)
    b.push('a')
    b.dispose()
    b.push('b')
    f.frame()
    expect(flush).not.toHaveBeenCalled()
  })
})
