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
