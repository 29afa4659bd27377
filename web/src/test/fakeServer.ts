// A stand-in for the Agented server in unit tests: replaces global fetch, answers from a table keyed by
// "METHOD /path", and records every request so tests can assert on headers and bodies.

import { vi } from 'vitest'

export interface RecordedCall {
  method: string
  path: string
  query: URLSearchParams
  headers: Headers
  body: unknown
  credentials: RequestCredentials | undefined
}

export interface Reply {
  status?: number
  /** Serialised as JSON unless it is already a string. */
  body?: unknown
  headers?: Record<string, string>
}

export type Route = Reply | ((call: RecordedCall) => Reply | Promise<Reply>)

export function fakeServer(routes: Record<string, Route> = {}) {
  const calls: RecordedCall[] = []
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' ? input : input.toString(), 'http://agented.test')
    const method = (init.method ?? 'GET').toUpperCase()
    const call: RecordedCall = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
    }
    calls.push(call)
    const route = routes[`${method} ${url.pathname}`]
    const reply: Reply =
      route === undefined
        ? { status: 404, body: { code: 'not_found', message: `No fake for ${method} ${url.pathname}`, request_id: 'req-missing' } }
        : typeof route === 'function'
          ? await route(call)
          : route
    const status = reply.status ?? 200
    const text = reply.body === undefined ? null : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
    return new Response(status === 204 ? null : text, {
      status,
      headers: { 'content-type': 'application/json', ...reply.headers },
    })
  })
  vi.stubGlobal('fetch', fetchMock)

  return {
    routes,
    calls,
    fetch: fetchMock,
    callsTo: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path),
  }
}

export const ADMIN_ME = { key_id: 'key-admin', role: 'admin', label: 'Admin', via: 'cookie' } as const

/** Routes for a server with keys, where the browser is signed in as `me`. */
export function signedInRoutes(me: { key_id: string; role: string; label: string; via: string } = ADMIN_ME): Record<string, Route> {
  return {
    'GET /health/auth-status': { body: { needs_setup: false, auth_required: true, authenticated: true } },
    'GET /auth/me': { body: me },
  }
}
