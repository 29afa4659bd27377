// Collects items that arrive one by one (SSE messages, pages of lines) and hands them over in
// batches, at most once per animation frame, so a burst of thousands of lines costs one render
// instead of thousands. A very large backlog is split over several frames (`maxPerFlush`) so no
// single frame blocks the page for long.

export type Scheduler = (callback: () => void) => () => void

/** requestAnimationFrame, with a timer fallback for environments without it. */
export const animationFrameScheduler: Scheduler = (callback) => {
  if (typeof requestAnimationFrame === 'function') {
    const id = requestAnimationFrame(() => callback())
    return () => cancelAnimationFrame(id)
  }
  const id = setTimeout(callback, 16)
  return () => clearTimeout(id)
}

export class Batcher<T> {
  private queue: T[] = []
  /** Index of the first undelivered item in `queue` (cheaper than shifting a long array). */
  private head = 0
  private cancelScheduled: (() => void) | null = null
  private scheduled = false
  private disposed = false

  constructor(
    private readonly flushBatch: (items: T[]) => void,
    private readonly schedule: Scheduler = animationFrameScheduler,
    private readonly maxPerFlush = 20_000,
  ) {}

  /** Items waiting for the next flush. */
  get pending(): number {
    return this.queue.length - this.head
  }

  push(item: T): void {
    if (this.disposed) return
    this.queue.push(item)
    this.ensureScheduled()
  }

  pushAll(items: readonly T[]): void {
    if (this.disposed || items.length === 0) return
    for (const item of items) this.queue.push(item)
    this.ensureScheduled()
  }

  /** Delivers everything now (e.g. before the stream's end is shown). */
  flushNow(): void {
    this.cancelScheduled?.()
    this.cancelScheduled = null
    this.scheduled = false
    while (this.pending > 0 && !this.disposed) this.deliver()
  }

  dispose(): void {
    this.disposed = true
    this.cancelScheduled?.()
    this.cancelScheduled = null
    this.scheduled = false
    this.queue = []
    this.head = 0
  }

  private ensureScheduled(): void {
    if (this.scheduled) return
    this.scheduled = true
    const cancel = this.schedule(() => {
      this.scheduled = false
      this.cancelScheduled = null
      if (this.disposed) return
      this.deliver()
      if (this.pending > 0) this.ensureScheduled()
    })
    // A scheduler may run the callback at once (tests, timers in some environments).
    if (this.scheduled) this.cancelScheduled = cancel
  }

  private deliver(): void {
    let batch: T[]
    if (this.head === 0 && this.queue.length <= this.maxPerFlush) {
      batch = this.queue
      this.queue = []
    } else {
      batch = this.queue.slice(this.head, this.head + this.maxPerFlush)
      this.head += batch.length
      if (this.head >= this.queue.length) {
        this.queue = []
        this.head = 0
      }
    }
    this.flushBatch(batch)
  }
}
