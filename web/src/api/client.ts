// The one place the UI talks HTTP to the Agented server. Views call the typed functions at the bottom;
// nothing else in the app may call `fetch` (so CSRF, credentials, timeouts and error parsing stay uniform).
//
// Authentication is the HttpOnly session cookie set by `/auth/login`; the UI never sees or stores a key
// after login. Because the cookie rides along automatically, the server asks every cookie-authenticated
// mutation to prove it came from script on our own origin: we send `X-Agented-CSRF: 1` (a custom header
// a cross-site form cannot set) and the browser adds `Origin`.

import type {
  ApiKeyListQuery,
  ApiKeyRole,
  ApiKeyRoleList,
  AuditEventList,
  AuditQuery,
  AuthStatus,
  BulkCancelResult,
  ControlAnswer,
  CreateApiKeyRequest,
  CreatedApiKey,
  ErrorBody,
  ExecutionComparison,
  ExecutionDetail,
  ExecutionDetailQuery,
  ExecutionList,
  ExecutionListQuery,
  ExecutionQueue,
  ExecutionSearchResults,
  InstanceId,
  LoginResponse,
  Me,
  MessageResponse,
  Permissions,
  Readiness,
  ReplayResult,
  SetupResponse,
  StartExecutionRequest,
  StartedExecution,
  UpdateApiKeyRequest,
  VerifyKeyResponse,
  Version,
} from './types'

export const CSRF_HEADER = 'X-Agented-CSRF'
const REQUEST_ID_HEADER = 'X-Request-ID'
const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const DEFAULT_TIMEOUT_MS = 30_000

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
export type QueryValue = string | number | boolean | null | undefined

export interface RequestOptions {
  query?: Record<string, QueryValue>
  /** Sent as JSON. */
  body?: unknown
  /** Lets a view cancel its request when it unmounts or the filters change. */
  signal?: AbortSignal
  timeoutMs?: number
  /** Non-2xx statuses whose JSON body is still a normal answer (e.g. readiness says 503 "not ready"). */
  successStatuses?: number[]
}

/**
 * Anything that went wrong with an API call, ready to show: `message` is for people, `requestId` lets an
 * operator find the request in the server's logs. `status` is 0 when no HTTP response arrived at all.
 */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: unknown
  readonly requestId: string | null

  constructor(init: { status: number; code: string; message: string; details?: unknown; requestId?: string | null }) {
    super(init.message)
    this.name = 'ApiError'
    this.status = init.status
    this.code = init.code
    this.details = init.details ?? null
    this.requestId = init.requestId ?? null
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError
}

/** True when the caller itself cancelled the request (not a timeout); such errors are not shown. */
export function isAbortError(value: unknown): boolean {
  return value instanceof DOMException && value.name === 'AbortError'
}

/** Turns anything thrown into an ApiError so error states have one shape to render. */
export function toApiError(value: unknown): ApiError {
  if (value instanceof ApiError) return value
  const message = value instanceof Error ? value.message : String(value)
  return new ApiError({ status: 0, code: 'client_error', message })
}

// ---- 401 handling ----

type UnauthorizedHandler = (path: string) => void
let unauthorizedHandler: UnauthorizedHandler | null = null

/**
 * Registers what to do when an authenticated API call comes back 401 (session expired, key revoked).
 * Only `/admin` and `/api` calls trigger it: `/auth/*` and `/health/*` answer 401 as a normal result
 * (bad key at login, "not signed in" from `/auth/me`) and their callers handle it themselves.
 * Returns a function that removes the handler.
 */
export function onUnauthorized(handler: UnauthorizedHandler): () => void {
  unauthorizedHandler = handler
  return () => {
    if (unauthorizedHandler === handler) unauthorizedHandler = null
  }
}

function triggersSignOut(path: string): boolean {
  return path.startsWith('/admin/') || path.startsWith('/api/')
}

// ---- transport ----

function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    // Leave unset filters out entirely rather than sending `action=` (which would match nothing).
    if (value === undefined || value === null || value === '') continue
    params.set(key, String(value))
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

function fallbackMessage(status: number, statusText: string): string {
  switch (status) {
    case 401:
      return 'You are not signed in, or your session has ended.'
    case 403:
      return 'Your key’s role does not allow this.'
    case 404:
      return 'Not found.'
    case 429:
      return 'Too many requests. Wait a moment and try again.'
    case 502:
    case 503:
    case 504:
      return `The Agented server is unavailable (HTTP ${status}). It may be restarting, or a proxy in front of it cannot reach it.`
    default:
      return `The server answered HTTP ${status}${statusText ? ` ${statusText}` : ''}.`
  }
}

function errorFromResponse(res: Response, text: string): ApiError {
  const headerRequestId = res.headers.get(REQUEST_ID_HEADER)
  const parsed = text ? parseJson(text) : { ok: false as const }
  // A proxy's HTML 502 page or an empty body: keep the status, invent nothing else.
  const body: ErrorBody =
    parsed.ok && parsed.value !== null && typeof parsed.value === 'object' ? (parsed.value as ErrorBody) : {}
  return new ApiError({
    status: res.status,
    code: typeof body.code === 'string' && body.code ? body.code : `http_${res.status}`,
    message: body.message || body.error || fallbackMessage(res.status, res.statusText),
    details: body.details,
    requestId: body.request_id || headerRequestId,
  })
}

/** Sends one request and returns the parsed JSON body (undefined for 204 or an empty body). */
export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (MUTATING_METHODS.has(method)) headers[CSRF_HEADER] = '1'
  let body: string | undefined
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }

  // One controller for both the caller's cancellation and our timeout, so a hung server cannot leave a
  // spinner forever.
  const controller = new AbortController()
  const callerSignal = options.signal
  const forwardAbort = () => controller.abort(callerSignal?.reason)
  if (callerSignal?.aborted) forwardAbort()
  callerSignal?.addEventListener('abort', forwardAbort, { once: true })
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, timeoutMs)

  try {
    let res: Response
    let text: string
    try {
      res = await fetch(buildUrl(path, options.query), {
        method,
        headers,
        body,
        credentials: 'same-origin',
        signal: controller.signal,
      })
      text = await res.text()
    } catch (err) {
      if (timedOut) {
        throw new ApiError({
          status: 0,
          code: 'timeout',
          message: `The server did not answer within ${Math.round(timeoutMs / 1000)} seconds.`,
        })
      }
      if (callerSignal?.aborted) throw err
      throw new ApiError({
        status: 0,
        code: 'network_error',
        message: 'Could not reach the Agented server. Check that it is running and that you are online.',
      })
    }

    const acceptedAnyway = options.successStatuses?.includes(res.status) ?? false
    if (!res.ok && !acceptedAnyway) {
      const error = errorFromResponse(res, text)
      if (res.status === 401 && triggersSignOut(path)) unauthorizedHandler?.(path)
      throw error
    }
    if (res.status === 204 || text === '') return undefined as T
    const parsed = parseJson(text)
    if (!parsed.ok) {
      if (acceptedAnyway) throw errorFromResponse(res, text)
      // Most likely index.html served for a path the server does not know: the UI and server disagree.
      throw new ApiError({
        status: res.status,
        code: 'invalid_response',
        message: 'The server sent a response that is not JSON.',
        requestId: res.headers.get(REQUEST_ID_HEADER),
      })
    }
    return parsed.value as T
  } finally {
    clearTimeout(timer)
    callerSignal?.removeEventListener('abort', forwardAbort)
  }
}

const enc = encodeURIComponent

// ---- typed endpoints ----

/** First-run and key checks; these paths never require a session. */
export const healthApi = {
  authStatus: (signal?: AbortSignal) => request<AuthStatus>('GET', '/health/auth-status', { signal }),
  /** Creates the first admin key. The server allows it only from loopback and only while no key exists. */
  setup: (label?: string) =>
    request<SetupResponse>('POST', '/health/setup', { body: label === undefined ? {} : { label } }),
  verifyKey: (apiKey: string) => request<VerifyKeyResponse>('POST', '/health/verify-key', { body: { api_key: apiKey } }),
}

export const systemApi = {
  // The readiness probe answers 503 with the same body while a component is down; that is data, not a failure.
  readiness: (signal?: AbortSignal) =>
    request<Readiness>('GET', '/health/readiness', { signal, successStatuses: [503] }),
  instanceId: (signal?: AbortSignal) => request<InstanceId>('GET', '/health/instance-id', { signal }),
  version: (signal?: AbortSignal) => request<Version>('GET', '/api/version', { signal }),
}

export const authApi = {
  /** Exchanges an API key for the session cookie. A bad key is a 401 ApiError. */
  login: (apiKey: string) => request<LoginResponse>('POST', '/auth/login', { body: { api_key: apiKey } }),
  logout: () => request<void>('POST', '/auth/logout'),
  me: (signal?: AbortSignal) => request<Me>('GET', '/auth/me', { signal }),
}

/** API keys and their roles (admin only). */
export const rbacApi = {
  listKeys: (query: ApiKeyListQuery = {}, signal?: AbortSignal) =>
    request<ApiKeyRoleList>('GET', '/admin/rbac/roles', { query: { ...query }, signal }),
  getKey: (id: string, signal?: AbortSignal) => request<ApiKeyRole>('GET', `/admin/rbac/roles/${enc(id)}`, { signal }),
  createKey: (body: CreateApiKeyRequest) => request<CreatedApiKey>('POST', '/admin/rbac/roles', { body }),
  updateKey: (id: string, body: UpdateApiKeyRequest) =>
    request<ApiKeyRole>('PUT', `/admin/rbac/roles/${enc(id)}`, { body }),
  /** Revokes the key; the server refuses it from the next request on. */
  revokeKey: (id: string) => request<MessageResponse>('DELETE', `/admin/rbac/roles/${enc(id)}`),
  permissions: (signal?: AbortSignal) => request<Permissions>('GET', '/admin/rbac/permissions', { signal }),
}

export const auditApi = {
  list: (query: AuditQuery = {}, signal?: AbortSignal) =>
    request<AuditEventList>('GET', '/admin/audit', { query: { ...query }, signal }),
}

/** Runs: list, start, inspect with logs, control, replay. The live log is `executionsApi.streamPath`. */
export const executionsApi = {
  list: (query: ExecutionListQuery = {}, signal?: AbortSignal) =>
    request<ExecutionList>('GET', '/admin/executions', { query: { ...query }, signal }),
  /** Queues an ad-hoc run (operator); the answer carries the new run's id. */
  start: (body: StartExecutionRequest) => request<StartedExecution>('POST', '/admin/executions', { body }),
  queue: (signal?: AbortSignal) => request<ExecutionQueue>('GET', '/admin/executions/queue', { signal }),
  /** The run with a page of its log (`next_log_after` is set when more lines follow). */
  get: (id: string, query: ExecutionDetailQuery = {}, signal?: AbortSignal) =>
    request<ExecutionDetail>('GET', `/admin/executions/${enc(id)}`, { query: { ...query }, signal }),
  cancel: (id: string) => request<ControlAnswer>('POST', `/admin/executions/${enc(id)}/cancel`),
  pause: (id: string) => request<ControlAnswer>('POST', `/admin/executions/${enc(id)}/pause`),
  resume: (id: string) => request<ControlAnswer>('POST', `/admin/executions/${enc(id)}/resume`),
  bulkCancel: (executionIds: string[]) =>
    request<BulkCancelResult>('POST', '/admin/executions/bulk-cancel', { body: { execution_ids: executionIds } }),
  replay: (id: string) => request<ReplayResult>('POST', `/admin/executions/${enc(id)}/replay`),
  comparison: (id: string, signal?: AbortSignal) =>
    request<ExecutionComparison>('GET', `/admin/executions/${enc(id)}/comparison`, { signal }),
  search: (q: string, limit?: number, signal?: AbortSignal) =>
    request<ExecutionSearchResults>('GET', '/admin/execution-search', { query: { q, limit }, signal }),
  /**
   * The SSE path for `openEventStream` (EventSource is not fetch; the cookie rides along). `after`
   * resumes after that line; on reconnects the browser's Last-Event-ID takes over.
   */
  streamPath: (id: string, after?: number) =>
    `/admin/executions/${enc(id)}/stream${after && after > 0 ? `?after=${after}` : ''}`,
}
