import { describe, expect, it } from 'vitest'
import { FollowTail, isAtEnd } from './followTail'

const VIEW = 400

function at(scrollTop: number, scrollHeight: number) {
  return { scrollTop, clientHeight: VIEW, scrollHeight }
}

describe('follow-tail', () => {
  it('counts "within a few px of the end" as at the end', () => {
    expect(isAtEnd(at(600, 1000))).toBe(true)
    expect(isAtEnd(at(590, 1000))).toBe(true)
    expect(isAtEnd(at(500, 1000))).toBe(false)
  })

  it('follows new content while at the end', () => {
    const f = new FollowTail(true)
    expect(f.onContentGrew(1600)).toBe(1600)
    expect(f.onScroll(at(1600, 2000))).toBe(true)
    expect(f.onContentGrew(2600)).toBe(2600)
  })

  it('stops when the person scrolls up, and leaves the view alone after that', () => {
    const f = new FollowTail(true)
    f.onScroll(at(1600, 2000))
    expect(f.onScroll(at(1200, 2000))).toBe(false)
    expect(f.onContentGrew(2600)).toBeNull()
    expect(f.onContentGrew(3600)).toBeNull()
  })

  it('does not mistake its own scroll for the person’s, even if content grew meanwhile', () => {
    const f = new FollowTail(true)
    f.onScroll(at(1600, 2000))
    const target = f.onContentGrew(2600)
    // More rows arrived before the scroll event: we are no longer at the very end, but it was our scroll.
    expect(f.onScroll(at(target ?? 0, 4000))).toBe(true)
  })

  it('stops at once on a wheel or key up, before any scroll event', () => {
    const f = new FollowTail(true)
    f.onUserScrollUp()
    expect(f.following).toBe(false)
    expect(f.onContentGrew(5000)).toBeNull()
  })

  it('resumes when the person scrolls back to the end, or jumps there', () => {
    const f = new FollowTail(false)
    expect(f.onScroll(at(100, 2000))).toBe(false)
    expect(f.onScroll(at(1600, 2000))).toBe(true)

    f.onUserScrollUp()
    expect(f.jumpToEnd(1600)).toBe(1600)
    expect(f.following).toBe(true)
    expect(f.onScroll(at(1600, 2000))).toBe(true)
  })

  it('stops following when jumping to a search match', () => {
    const f = new FollowTail(true)
    expect(f.jumpTo(300)).toBe(300)
    expect(f.onScroll(at(300, 2000))).toBe(false)
    expect(f.onContentGrew(1700)).toBeNull()
  })
})
