// Display formatting for timestamps the server sends as RFC 3339 UTC.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** Local date and time, or the raw text when it does not parse (never "Invalid Date"). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date)
}

/** A `datetime-local` input's value (local time, no zone) as RFC 3339 UTC, or undefined when empty. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return undefined
  // toISOString gives milliseconds and `Z`, the same form the server stores its timestamps in, so its
  // text comparisons of `since`/`until` line up exactly.
  return date.toISOString()
}

/** A run's duration: `850 ms`, `12.4 s`, `3 min 05 s`, `2 h 04 min`; `—` when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`
  const totalSec = Math.round(s)
  const h = Math.floor(totalSec / 3600)
  const m = Math.floor((totalSec % 3600) / 60)
  const sec = totalSec % 60
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`
  return `${m} min ${String(sec).padStart(2, '0')} s`
}

/** The time from `start` until `end` (or now), for runs that are still going. */
export function elapsedMs(start: string | null | undefined, end?: string | null, now = Date.now()): number | null {
  if (!start) return null
  const from = Date.parse(start)
  const to = end ? Date.parse(end) : now
  return Number.isNaN(from) || Number.isNaN(to) ? null : Math.max(0, to - from)
}

const integer = new Intl.NumberFormat()
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 })

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : integer.format(n)
}

/** `1.2K` style, for table cells; the exact number belongs in a title or the detail page. */
export function formatCompact(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : compact.format(n)
}

/** US dollars with enough digits to show small amounts (`$0.0009`), `—` when unknown. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '—'
  if (usd === 0) return '$0.00'
  if (usd < 0.000001) return '< $0.000001'
  if (usd < 0.01) return `$${Number(usd.toPrecision(2))}`
  return `$${usd.toFixed(usd < 1 ? 4 : 2)}`
}

/** A short relative time (`5 min ago`) for recent things, else the date. */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—'
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  const diff = Math.round((now - t) / 1000)
  if (diff < 0) return formatDateTime(iso)
  if (diff < 45) return 'just now'
  if (diff < 3600) return `${Math.round(diff / 60)} min ago`
  if (diff < 86_400) return `${Math.round(diff / 3600)} h ago`
  return formatDateTime(iso)
}

/** Local midnight at the start of the day `date` falls on. */
export function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate())
}

/** Local midnight at the start of the week (Monday) `date` falls in. */
export function startOfWeek(date: Date): Date {
  const day = startOfDay(date)
  const sinceMonday = (day.getDay() + 6) % 7
  return new Date(day.getFullYear(), day.getMonth(), day.getDate() - sinceMonday)
}
