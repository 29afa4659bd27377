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
