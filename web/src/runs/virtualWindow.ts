// Window math for the virtualized log: which rows to render for a scroll position, and where.
//
// Every row has the same height, so row i sits at i × rowHeight. Browsers cap an element's height
// (Firefox at about 17.9 million px, Chrome at about 33.5 million), and a million 20 px rows would
// exceed Firefox's cap. Above `maxHeight` the scrollable height is therefore clamped and scroll
// positions are scaled: scrolling from top to bottom still walks from the first row to the last, and
// the rendered slice is placed so that it covers the viewport exactly wherever the scrollbar is.

/** Safely under every current browser's limit on an element's height. */
export const DEFAULT_MAX_HEIGHT = 15_000_000

export interface WindowInput {
  /** The scroll container's scrollTop. */
  scrollTop: number
  /** The scroll container's clientHeight. */
  viewportHeight: number
  rowCount: number
  rowHeight: number
  /** Extra rows rendered above and below the viewport, so fast scrolling shows no gaps. */
  overscan?: number
  maxHeight?: number
}

export interface WindowResult {
  /** First row to render (inclusive). */
  start: number
  /** Row after the last one to render (exclusive). */
  end: number
  /** translateY, in px, for the element that holds rows start…end-1. */
  offsetY: number
  /** Height of the scrollable content. */
  totalHeight: number
  /** Content px per scroll px: 1 normally, more than 1 when the height is clamped. */
  scale: number
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}

/** The scale between real content and scroll positions; 1 unless the content is clamped. */
function geometry(rowCount: number, rowHeight: number, viewportHeight: number, maxHeight: number) {
  const realHeight = rowCount * rowHeight
  if (realHeight <= maxHeight) return { realHeight, totalHeight: realHeight, scale: 1 }
  const realScrollable = Math.max(0, realHeight - viewportHeight)
  const scrollable = Math.max(1, maxHeight - viewportHeight)
  return { realHeight, totalHeight: maxHeight, scale: realScrollable / scrollable }
}

export function computeWindow(input: WindowInput): WindowResult {
  const { rowCount, rowHeight } = input
  const overscan = input.overscan ?? 10
  const maxHeight = input.maxHeight ?? DEFAULT_MAX_HEIGHT
  const viewport = Math.max(0, input.viewportHeight)
  const { realHeight, totalHeight, scale } = geometry(rowCount, rowHeight, viewport, maxHeight)
  if (rowCount === 0 || rowHeight <= 0) return { start: 0, end: 0, offsetY: 0, totalHeight: 0, scale: 1 }

  const maxScrollTop = Math.max(0, totalHeight - viewport)
  const scrollTop = clamp(input.scrollTop, 0, maxScrollTop)
  // Where the viewport's top edge is in real (unscaled) content.
  const virtualTop = clamp(scrollTop * scale, 0, Math.max(0, realHeight - viewport))
  const first = Math.floor(virtualTop / rowHeight)
  const visible = Math.ceil(viewport / rowHeight) + 1
  const start = clamp(first - overscan, 0, rowCount)
  const end = clamp(first + visible + overscan, start, rowCount)
  // Row `start` is drawn at (start × rowHeight − virtualTop) below the viewport's top, which itself
  // is at scrollTop in the scroll container.
  const offsetY = scrollTop + start * rowHeight - virtualTop
  return { start, end, offsetY, totalHeight, scale }
}

/**
 * The scrollTop that shows `row` in the viewport: at the top, centred, or just enough to bring it
 * into view (`nearest`, which leaves the position alone when the row is already fully visible).
 */
export function scrollTopForRow(
  row: number,
  align: 'start' | 'center' | 'nearest',
  input: Omit<WindowInput, 'overscan'>,
): number {
  const { rowCount, rowHeight, scrollTop } = input
  const viewport = Math.max(0, input.viewportHeight)
  const maxHeight = input.maxHeight ?? DEFAULT_MAX_HEIGHT
  const { realHeight, totalHeight, scale } = geometry(rowCount, rowHeight, viewport, maxHeight)
  const index = clamp(row, 0, Math.max(0, rowCount - 1))
  const rowTop = index * rowHeight
  const currentTop = scrollTop * scale
  let target: number
  if (align === 'start') target = rowTop
  else if (align === 'center') target = rowTop - (viewport - rowHeight) / 2
  else if (rowTop < currentTop) target = rowTop
  else if (rowTop + rowHeight > currentTop + viewport) target = rowTop + rowHeight - viewport
  else return scrollTop
  target = clamp(target, 0, Math.max(0, realHeight - viewport))
  return clamp(target / scale, 0, Math.max(0, totalHeight - viewport))
}

/** The scrollTop of the very end of the content. */
export function scrollTopForEnd(input: Omit<WindowInput, 'overscan' | 'scrollTop'>): number {
  const maxHeight = input.maxHeight ?? DEFAULT_MAX_HEIGHT
  const { totalHeight } = geometry(input.rowCount, input.rowHeight, input.viewportHeight, maxHeight)
  return Math.max(0, totalHeight - Math.max(0, input.viewportHeight))
}
