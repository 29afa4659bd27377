// Wire shapes of the Agented HTTP API, exactly as the server sends them.
// Hand-written for now; once the server generates TypeScript from its Rust types this file is replaced
// by the generated one, so keep it to plain data shapes (no logic).

/** Key roles, least privileged first: each includes what the roles before it may do. */
export type Role = 'viewer' | 'operator' | 'editor' | 'admin'

/** The unified error body every non-2xx JSON response carries. */
export interface ErrorBody {
  code?: string
  message?: string
  /** Kept by the server for compatibility with older clients; same text as `message`. */
  error?: string
  details?: unknown
  request_id?: string
}

/** Common list query: `limit` defaults to 50 (max 500) on the server. */
export interface PageQuery {
  limit?: number
  offset?: number
}

// ---- /health ----

export interface AuthStatus {
  needs_setup: boolean
  auth_required: boolean
  authenticated: boolean
}

export interface SetupResponse {
  api_key: string
  role_id: string
  role: 'admin'
  label: string
  message: string
}

export interface VerifyKeyResponse {
  valid: boolean
  message: string
}

export interface Readiness {
  status: string
  timestamp: string
  /** Per-component health; the exact members depend on the server's configuration. */
  components?: Record<string, unknown>
}

export interface InstanceId {
  instance_id: string
}

export interface Version {
  version: string
}

// ---- /auth ----

export interface LoginResponse {
  key_id: string
  role: Role
  label: string
  expires_at: string
}

export interface Me {
  key_id: string
  role: Role
  label: string
  /** How this request was authenticated. */
  via: 'cookie' | 'header' | 'env'
}

// ---- /admin/rbac ----

export interface ApiKeyRole {
  id: string
  key_prefix: string
  label: string
  role: Role
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

export interface ApiKeyRoleList {
  roles: ApiKeyRole[]
  total_count: number
}

export interface ApiKeyListQuery extends PageQuery {
  include_revoked?: boolean
}

export interface CreateApiKeyRequest {
  label: string
  role: Role
}

/** The only response that ever carries the full key; it is never retrievable again. */
export interface CreatedApiKey {
  id: string
  api_key: string
  key_prefix: string
  label: string
  role: Role
  created_at: string
  message: string
}

export interface UpdateApiKeyRequest {
  label?: string
  role?: Role
}

export interface MessageResponse {
  message: string
}

export interface Permissions {
  roles: Record<Role, string[]>
}

// ---- /admin/audit ----

export interface AuditEvent {
  /** Increasing number. */
  id: number
  /** Dotted, e.g. `api_key.create`, `auth.login`, `rbac.denied`. */
  action: string
  entity_type: string | null
  entity_id: string | null
  /** `success`, `failure` or `denied`. */
  outcome: string
  /** The acting key id, `env`, `setup` or `system`. */
  actor: string
  /** Extra facts as JSON; the server never puts secrets here. */
  details: unknown
  request_id: string | null
  /** RFC 3339 UTC. */
  created_at: string
}

export interface AuditEventList {
  events: AuditEvent[]
  total_count: number
}

export interface AuditQuery extends PageQuery {
  /** An exact action, or a prefix when it ends in `.` (e.g. `api_key.`). */
  action?: string
  /** RFC 3339 timestamps. */
  since?: string
  until?: string
}

/** The audit log's filters, without paging. */
export type AuditFilter = Omit<AuditQuery, 'limit' | 'offset'>

// ---- /admin/executions (runs) ----

/** The CLIs a run can use. */
export type Backend = 'claude' | 'opencode' | 'gemini' | 'codex'

export type ExecutionStatus =
  | 'queued'
  | 'running'
  | 'paused'
  | 'success'
  | 'failed'
  | 'timeout'
  | 'cancelled'
  | 'interrupted'
  | 'pause_timeout'
  | 'rate_limited'
  | 'budget_blocked'

/** One run. Times are RFC 3339 UTC. */
export interface ExecutionView {
  /** `exec-…`. */
  execution_id: string
  /** The bot that started it, if any. */
  trigger_id: string | null
  /** `api`, `manual`, `webhook`, `github`, `scheduled`, `replay`. */
  trigger_type: string
  trigger_snapshot?: unknown
  backend: string
  model: string | null
  account_id?: string | null
  cli_version: string | null
  /** The exact command line. */
  argv: string[] | null
  prompt: string
  working_dir: string | null
  status: ExecutionStatus
  queued_at: string
  started_at: string | null
  finished_at: string | null
  /** Active duration (paused time excluded). */
  duration_ms: number | null
  exit_code: number | null
  error_message: string | null
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  cache_write_tokens: number
  total_cost_usd: number | null
  session_id: string | null
  /** The run this one replays. */
  replay_of: string | null
  timeout_secs: number
  /** Lines stored. */
  log_lines: number
  /** True when storage stopped at the per-run cap. */
  log_truncated: boolean
}

export interface ExecutionList {
  /** Newest first. */
  executions: ExecutionView[]
  total_count: number
}

export interface ExecutionListQuery extends PageQuery {
  status?: ExecutionStatus
  trigger_id?: string
  backend?: Backend
  /** Queued at or after (RFC 3339). */
  date_from?: string
  /** Queued before (RFC 3339). */
  date_to?: string
  /** Full-text search in prompts and logs. */
  q?: string
}

export interface StartExecutionRequest {
  backend: Backend
  model?: string
  prompt: string
  /** A directory inside the server's workspace root; a fresh temporary one when omitted. */
  working_dir?: string
  /** 1 to 86400. */
  timeout_secs?: number
}

export interface StartedExecution {
  execution_id: string
  status: ExecutionStatus
}

export interface ExecutionQueue {
  /** Queued, running and paused runs, oldest first. */
  executions: ExecutionView[]
  queued: number
  /** Running or paused. */
  running: number
  max_concurrent_runs: number
}

export type LogStreamName = 'stdout' | 'stderr' | 'system'

/** A normalized event parsed from a CLI's output line (`type` tells which). */
export type AgentEvent =
  | { type: 'assistant_text'; text: string }
  | { type: 'tool_call'; id: string; name: string; /** Compact JSON text. */ input: string }
  | { type: 'tool_result'; id: string; output: string; is_error: boolean }
  | { type: 'usage'; input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number }
  | { type: 'cost'; usd: number }
  | { type: 'session_id'; session_id: string }
  | { type: 'result'; text: string; is_error: boolean }
  | { type: 'error'; message: string }
  | { type: 'rate_limit'; message: string; resets_at?: string; retry_after_secs?: number; retrying: boolean }
  | { type: 'raw'; line: string }

/** One stored log line, with the agent events parsed from it. */
export interface ExecutionLogLine {
  /** 1-based, increasing; the SSE `id:`. */
  seq: number
  timestamp: string
  stream: LogStreamName
  content: string
  /** A piece of a line longer than the server's line limit. */
  split?: boolean
  events?: AgentEvent[]
}

export interface ExecutionDetail extends ExecutionView {
  logs: ExecutionLogLine[]
  /** Set when more lines follow: pass it as `log_after`. */
  next_log_after: number | null
}

export interface ExecutionDetailQuery {
  /** Only lines containing this text (case-insensitive). */
  q?: string
  /** Only lines after this sequence number. */
  log_after?: number
  /** 1 to 100000 (default 10000). */
  log_limit?: number
}

/** Answer of cancel, pause and resume. */
export interface ControlAnswer {
  message: string
  execution_id: string
  status: ExecutionStatus
}

export interface BulkCancelResult {
  cancelled: string[]
  failed: { execution_id: string; error: string }[]
}

export interface ReplayResult {
  comparison_id: string
  original_execution_id: string
  replay_execution_id: string
}

export interface ComparedRun {
  execution: ExecutionView
  /** The CLI's final answer, when it gave one. */
  result: string | null
  /** Its stdout lines (at most 5,000). */
  output: string[]
}

export interface ExecutionComparison {
  original: ComparedRun
  replay: ComparedRun
  same_result: boolean
}

export interface ExecutionSearchHit {
  execution_id: string
  source: 'prompt' | 'log'
  /** The matching text with the matched terms in `[…]`. */
  snippet: string
}

export interface ExecutionSearchResults {
  results: ExecutionSearchHit[]
  total_count: number
}

/** SSE `event: log` data (the sequence number is the event's `id:`). */
export interface StreamLogData {
  timestamp: string
  stream: LogStreamName
  content: string
  split?: boolean
}

/** SSE `event: complete` data; the server ends the stream after it. */
export interface StreamCompleteData {
  status: ExecutionStatus
  exit_code: number | null
  error_message: string | null
  duration_ms: number | null
  finished_at: string | null
}
