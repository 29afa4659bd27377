import { describe, expect, it } from 'vitest'
import { computeWindow, DEFAULT_MAX_HEIGHT, scrollTopForEnd, scrollTopForRow } from './virtualWindow'

const H = 20
const VIEW = 400 // 20 rows

describe('computeWindow', () => {
  it('renders the visible rows plus overscan, placed at their own offset', () => {
    const w = computeWindow({ scrollTop: 1000, viewportHeight: VIEW, rowCount: 1000, rowHeight: H, overscan: 5 })
    // Row 50 is at the top of the viewport.
    expect(w.start).toBe(45)
    expect(w.end).toBe(50 + 21 + 5)
    expect(w.offsetY).toBe(45 * H)
    expect(w.totalHeight).toBe(1000 * H)
    expect(w.scale).toBe(1)
  })

  it('clamps at both ends and handles an empty or tiny log', () => {
    expect(computeWindow({ scrollTop: 0, viewportHeight: VIEW, rowCount: 0, rowHeight: H })).toEqual({
      start: 0,
      end: 0,
      offsetY: 0,
      totalHeight: 0,
      scale: 1,
    })
    const few = computeWindow({ scrollTop: 500, viewportHeight: VIEW, rowCount: 3, rowHeight: H })
    expect([few.start, few.end, few.offsetY]).toEqual([0, 3, 0])
    const end = computeWindow({ scrollTop: 10 ** 9, viewportHeight: VIEW, rowCount: 1000, rowHeight: H, overscan: 0 })
    expect(end.end).toBe(1000)
    expect(end.start).toBe(980)
    expect(end.offsetY).toBe(980 * H)
  })

  it('clamps the height of a million rows under the browser limit and still reaches every row', () => {
    const rows = 1_000_000
    const maxScroll = DEFAULT_MAX_HEIGHT - VIEW
    const top = computeWindow({ scrollTop: 0, viewportHeight: VIEW, rowCount: rows, rowHeight: H, overscan: 0 })
    const bottom = computeWindow({ scrollTop: maxScroll, viewportHeight: VIEW, rowCount: rows, rowHeight: H, overscan: 0 })
    const middle = computeWindow({ scrollTop: maxScroll / 2, viewportHeight: VIEW, rowCount: rows, rowHeight: H, overscan: 0 })

    expect(top.totalHeight).toBe(DEFAULT_MAX_HEIGHT)
    expect(top.scale).toBeGreaterThan(1)
    expect(top.start).toBe(0)
    expect(bottom.end).toBe(rows)
    // The last row's bottom edge sits exactly at the viewport's bottom edge.
    expect(bottom.offsetY + (bottom.end - bottom.start) * H).toBeCloseTo(maxScroll + VIEW, 6)
    expect(middle.start).toBeGreaterThan(rows / 2 - 30)
    expect(middle.start).toBeLessThan(rows / 2)
    // The rendered slice always covers the viewport.
    for (const scrollTop of [0, 1234.5, maxScroll / 3, maxScroll - 1, maxScroll]) {
      const w = computeWindow({ scrollTop, viewportHeight: VIEW, rowCount: rows, rowHeight: H, overscan: 0 })
      expect(w.offsetY).toBeLessThanOrEqual(scrollTop + 1e-6)
      expect(w.offsetY + (w.end - w.start) * H).toBeGreaterThanOrEqual(scrollTop + VIEW - 1e-6)
      expect(w.end - w.start).toBeLessThanOrEqual(22)
    }
  })

  it('moves forward monotonically as the scrollbar moves down', () => {
    let last = -1
    for (let scrollTop = 0; scrollTop < DEFAULT_MAX_HEIGHT; scrollTop += 997_331) {
      const w = computeWindow({ scrollTop, viewportHeight: VIEW, rowCount: 2_000_000, rowHeight: H, overscan: 0 })
      expect(w.start).toBeGreaterThanOrEqual(last)
      last = w.start
    }
  })
})

describe('scrollTopForRow', () => {
  const base = { viewportHeight: VIEW, rowCount: 1000, rowHeight: H, scrollTop: 0 }

  it('aligns a row to the top, the centre, or just into view', () => {
    expect(scrollTopForRow(100, 'start', base)).toBe(2000)
    expect(scrollTopForRow(100, 'center', base)).toBe(2000 - (VIEW - H) / 2)
    expect(scrollTopForRow(5, 'nearest', base)).toBe(0) // already visible
    expect(scrollTopForRow(100, 'nearest', base)).toBe(100 * H + H - VIEW) // brought in at the bottom
    expect(scrollTopForRow(10, 'nearest', { ...base, scrollTop: 2000 })).toBe(200) // brought in at the top
    expect(scrollTopForRow(999, 'start', base)).toBe(1000 * H - VIEW) // clamped to the end
  })

  it('lands on the right row when the height is clamped', () => {
    const big = { viewportHeight: VIEW, rowCount: 1_000_000, rowHeight: H, scrollTop: 0 }
    for (const row of [0, 1, 123_456, 500_000, 999_000]) {
      const scrollTop = scrollTopForRow(row, 'start', big)
      const w = computeWindow({ ...big, scrollTop, overscan: 0 })
      expect(w.start).toBe(row)
      expect(w.offsetY).toBeCloseTo(scrollTop, 3) // and it is at the very top of the viewport
    }
  })

  it('knows where the end is', () => {
    expect(scrollTopForEnd({ viewportHeight: VIEW, rowCount: 10, rowHeight: H })).toBe(0)
    expect(scrollTopForEnd({ viewportHeight: VIEW, rowCount: 1000, rowHeight: H })).toBe(1000 * H - VIEW)
    expect(scrollTopForEnd({ viewportHeight: VIEW, rowCount: 1_000_000, rowHeight: H })).toBe(DEFAULT_MAX_HEIGHT - VIEW)
  })
})
