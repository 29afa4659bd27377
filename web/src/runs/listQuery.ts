// The runs list's filters, kept in the page's URL (so a filtered view can be reloaded, bookmarked
// and shared) and turned into the API's query. Dates are whole local days: "from" starts at local
// midnight of that day, "to" includes the whole of its day.

import type { LocationQuery, LocationQueryRaw, LocationQueryValue } from 'vue-router'
import type { Backend, ExecutionListQuery, ExecutionStatus } from '../api/types'
import { isBackend, isStatus } from './status'

export const RUNS_PAGE_SIZE = 50

export interface RunFilters {
  status?: ExecutionStatus
  backend?: Backend
  /** A bot (trigger) id. */
  bot?: string
  /** `YYYY-MM-DD`, local. */
  from?: string
  /** `YYYY-MM-DD`, local, inclusive. */
  to?: string
  /** Full-text search in prompts and logs. */
  q?: string
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

function first(value: LocationQueryValue | LocationQueryValue[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  return typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined
}

/** Reads filters and page from the route's query, ignoring anything malformed. */
export function filtersFromQuery(query: LocationQuery): { filters: RunFilters; page: number } {
  const status = first(query.status)
  const backend = first(query.backend)
  const from = first(query.from)
  const to = first(query.to)
  const filters: RunFilters = {
    status: isStatus(status) ? status : undefined,
    backend: isBackend(backend) ? backend : undefined,
    bot: first(query.bot),
    from: from && DAY.test(from) ? from : undefined,
    to: to && DAY.test(to) ? to : undefined,
    q: first(query.q),
  }
  const page = Number.parseInt(first(query.page) ?? '1', 10)
  return { filters, page: Number.isFinite(page) && page > 0 ? page : 1 }
}

/** The route query for filters and page (empty filters and page 1 are left out). */
export function queryFromFilters(filters: RunFilters, page = 1): LocationQueryRaw {
  const out: LocationQueryRaw = {}
  if (filters.status) out.status = filters.status
  if (filters.backend) out.backend = filters.backend
  if (filters.bot?.trim()) out.bot = filters.bot.trim()
  if (filters.from) out.from = filters.from
  if (filters.to) out.to = filters.to
  if (filters.q?.trim()) out.q = filters.q.trim()
  if (page > 1) out.page = String(page)
  return out
}

/** Local midnight of a `YYYY-MM-DD` day, plus `addDays`, as RFC 3339 UTC. */
export function dayStartIso(day: string, addDays = 0): string | undefined {
  if (!DAY.test(day)) return undefined
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  const date = new Date(y, m - 1, d + addDays)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

/** The API query for a page of runs. */
export function apiQuery(filters: RunFilters, page = 1, limit = RUNS_PAGE_SIZE): ExecutionListQuery {
  return {
    status: filters.status,
    backend: filters.backend,
    trigger_id: filters.bot?.trim() || undefined,
    date_from: filters.from ? dayStartIso(filters.from) : undefined,
    // `date_to` is exclusive on the server: the day after "to" makes "to" inclusive.
    date_to: filters.to ? dayStartIso(filters.to, 1) : undefined,
    q: filters.q?.trim() || undefined,
    limit,
    offset: (Math.max(1, page) - 1) * limit,
  }
}

export function hasFilters(filters: RunFilters): boolean {
  return Boolean(filters.status || filters.backend || filters.bot || filters.from || filters.to || filters.q)
}
