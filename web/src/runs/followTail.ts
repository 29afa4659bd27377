// Follow-tail: while following, new lines scroll the log to its end; as soon as the person scrolls
// up, following stops (so what they are reading stays put) until they scroll back to the end or press
// "Jump to latest".
//
// The subtle part is telling the person's scrolling from our own: setting scrollTop fires a scroll
// event too, and content that grows between our scroll and its event can make that event look like
// "not at the bottom". So a scroll we caused is remembered and its event is not taken as the
// person's choice.

export interface ScrollMetrics {
  scrollTop: number
  clientHeight: number
  scrollHeight: number
}

/** Within this many px of the end counts as "at the end" (sub-pixel rounding, zoom). */
export const AT_END_THRESHOLD = 24

export function isAtEnd(m: ScrollMetrics, threshold = AT_END_THRESHOLD): boolean {
  return m.scrollTop + m.clientHeight >= m.scrollHeight - threshold
}

export class FollowTail {
  /** True while new content should scroll the view to the end. */
  following: boolean
  private lastTop = 0
  private expectedTop: number | null = null

  constructor(following = true) {
    this.following = following
  }

  /**
   * A scroll event happened. Returns the new following state. Scrolling up by the person stops
   * following; arriving at the end (by any means) starts it again.
   */
  onScroll(m: ScrollMetrics): boolean {
    const ours = this.expectedTop !== null && Math.abs(m.scrollTop - this.expectedTop) < 2
    this.expectedTop = null
    const movedUp = m.scrollTop < this.lastTop - 1
    this.lastTop = m.scrollTop
    if (isAtEnd(m)) this.following = true
    else if (!ours && movedUp) this.following = false
    return this.following
  }

  /** The person used the wheel, a touch drag or a key to go up: stop at once, before any scroll event. */
  onUserScrollUp(): void {
    this.following = false
  }

  /** Content was added. Returns the scrollTop to apply, or null to leave the view where it is. */
  onContentGrew(endScrollTop: number): number | null {
    if (!this.following) return null
    this.expectedTop = endScrollTop
    return endScrollTop
  }

  /** "Jump to latest": follow again and scroll to the end. */
  jumpToEnd(endScrollTop: number): number {
    this.following = true
    this.expectedTop = endScrollTop
    return endScrollTop
  }

  /** A programmatic jump elsewhere (a search match): stop following so the match stays in view. */
  jumpTo(scrollTop: number): number {
    this.following = false
    this.expectedTop = scrollTop
    return scrollTop
  }
}
