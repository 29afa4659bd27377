import { afterEach, describe, expect, it, vi } from 'vitest'
import { fakeServer } from '../test/fakeServer'
import {
  ApiError,
  CSRF_HEADER,
  authApi,
  auditApi,
  healthApi,
  isAbortError,
  onUnauthorized,
  rbacApi,
  request,
  systemApi,
} from './client'

afterEach(() => {
  onUnauthorized(() => {})()
})

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof ApiError) return err
    throw err
  }
  throw new Error('expected the call to fail')
}

describe('successful requests', () => {
  it('GET returns the parsed body, sends cookies same-origin, and no CSRF header', async () => {
    const server = fakeServer({ 'GET /health/auth-status': { body: { needs_setup: false, auth_required: true, authenticated: false } } })

    const status = await healthApi.authStatus()

    expect(status).toEqual({ needs_setup: false, auth_required: true, authenticated: false })
    const [call] = server.calls
    expect(call?.credentials).toBe('same-origin')
    expect(call?.headers.has(CSRF_HEADER)).toBe(false)
    expect(call?.headers.get('accept')).toBe('application/json')
  })

  it('builds the query string and leaves unset filters out', async () => {
    const server = fakeServer({ 'GET /admin/audit': { body: { events: [], total_count: 0 } } })

    await auditApi.list({ action: 'api_key.', since: undefined, until: '', limit: 50, offset: 100 })

    const query = server.calls[0]?.query
    expect(Object.fromEntries(query ?? [])).toEqual({ action: 'api_key.', limit: '50', offset: '100' })
  })

  it.each([
    ['POST', '/admin/rbac/roles', () => rbacApi.createKey({ label: 'ci', role: 'operator' })],
    ['PUT', '/admin/rbac/roles/key%201', () => rbacApi.updateKey('key 1', { role: 'editor' })],
    ['DELETE', '/admin/rbac/roles/k1', () => rbacApi.revokeKey('k1')],
    ['POST', '/auth/logout', () => authApi.logout()],
  ] as const)('%s %s sends X-Agented-CSRF: 1 and same-origin credentials', async (method, path, call) => {
    const server = fakeServer({ [`${method} ${path}`]: { body: { message: 'ok' } } })

    await call()

    const [sent] = server.calls
    expect(sent?.method).toBe(method)
    expect(sent?.path).toBe(path)
    expect(sent?.headers.get(CSRF_HEADER)).toBe('1')
    expect(sent?.credentials).toBe('same-origin')
  })

  it('sends a JSON body with a JSON content type', async () => {
    const server = fakeServer({ 'POST /auth/login': { body: { key_id: 'k', role: 'admin', label: 'A', expires_at: 'x' } } })

    await authApi.login('secret-key')

    expect(server.calls[0]?.body).toEqual({ api_key: 'secret-key' })
    expect(server.calls[0]?.headers.get('content-type')).toBe('application/json')
  })

  it('returns undefined for 204 No Content', async () => {
    fakeServer({ 'POST /auth/logout': { status: 204 } })
    await expect(authApi.logout()).resolves.toBeUndefined()
  })

  it('treats a readiness 503 with a JSON body as data', async () => {
    fakeServer({ 'GET /health/readiness': { status: 503, body: { status: 'not_ready', timestamp: 't', components: { db: 'down' } } } })
    await expect(systemApi.readiness()).resolves.toMatchObject({ status: 'not_ready' })
  })
})

describe('errors', () => {
  it('parses the unified error body into an ApiError', async () => {
    fakeServer({
      'DELETE /admin/rbac/roles/k1': {
        status: 403,
        body: { code: 'forbidden', message: 'admin role required', error: 'admin role required', details: { need: 'admin' }, request_id: 'req-123' },
        headers: { 'X-Request-ID': 'req-from-header' },
      },
    })

    const err = await caught(rbacApi.revokeKey('k1'))

    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(403)
    expect(err.code).toBe('forbidden')
    expect(err.message).toBe('admin role required')
    expect(err.details).toEqual({ need: 'admin' })
    expect(err.requestId).toBe('req-123')
  })

  it('falls back to the legacy `error` field and the X-Request-ID header', async () => {
    fakeServer({ 'GET /admin/audit': { status: 400, body: { error: 'bad since' }, headers: { 'X-Request-ID': 'req-h' } } })

    const err = await caught(auditApi.list())

    expect(err.message).toBe('bad since')
    expect(err.code).toBe('http_400')
    expect(err.requestId).toBe('req-h')
  })

  it('handles a non-JSON error body such as a proxy 502 page', async () => {
    fakeServer({ 'GET /api/version': { status: 502, body: '<html><body>Bad Gateway</body></html>', headers: { 'content-type': 'text/html', 'X-Request-ID': 'req-proxy' } } })

    const err = await caught(systemApi.version())

    expect(err.status).toBe(502)
    expect(err.code).toBe('http_502')
    expect(err.message).toMatch(/unavailable \(HTTP 502\)/)
    expect(err.requestId).toBe('req-proxy')
  })

  it('handles an empty error body without a request id', async () => {
    fakeServer({ 'GET /api/version': { status: 500 } })

    const err = await caught(systemApi.version())

    expect(err.status).toBe(500)
    expect(err.message).toMatch(/HTTP 500/)
    expect(err.requestId).toBeNull()
  })

  it('reports a network failure as status 0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))

    const err = await caught(healthApi.authStatus())

    expect(err.status).toBe(0)
    expect(err.code).toBe('network_error')
    expect(err.message).toMatch(/Could not reach/)
  })

  it('reports a 2xx answer that is not JSON (e.g. index.html) as invalid_response', async () => {
    fakeServer({ 'GET /api/version': { body: '<!doctype html><html></html>', headers: { 'content-type': 'text/html' } } })

    const err = await caught(systemApi.version())

    expect(err.code).toBe('invalid_response')
  })

  it('times out a request that never answers', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        (_url: string, init: RequestInit) =>
          new Promise((_resolve, reject) => {
            init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
          }),
      ),
    )

    const err = await caught(request('GET', '/api/version', { timeoutMs: 10 }))

    expect(err.code).toBe('timeout')
    expect(err.status).toBe(0)
  })

  it('lets a caller-cancelled request fail with its AbortError, not an ApiError', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        (_url: string, init: RequestInit) =>
          new Promise((_resolve, reject) => {
            init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
          }),
      ),
    )
    const controller = new AbortController()

    const pending = request('GET', '/api/version', { signal: controller.signal })
    controller.abort()

    await expect(pending).rejects.toSatisfy(isAbortError)
  })
})

describe('401 handling', () => {
  it('calls the unauthorized handler for /admin and /api calls', async () => {
    fakeServer({ 'GET /admin/audit': { status: 401, body: { code: 'unauthorized', message: 'session expired', request_id: 'r' } } })
    const handler = vi.fn()
    onUnauthorized(handler)

    await caught(auditApi.list())

    expect(handler).toHaveBeenCalledWith('/admin/audit')
  })

  it('does not call it for /auth and /health, whose 401 is an ordinary answer', async () => {
    fakeServer({
      'GET /auth/me': { status: 401, body: { code: 'unauthorized', message: 'not signed in' } },
      'POST /auth/login': { status: 401, body: { code: 'unauthorized', message: 'invalid key' } },
    })
    const handler = vi.fn()
    onUnauthorized(handler)

    await caught(authApi.me())
    await caught(authApi.login('bad'))

    expect(handler).not.toHaveBeenCalled()
  })
})
