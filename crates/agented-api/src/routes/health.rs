//! `/health/*`: liveness, readiness (details only for an authenticated caller), auth status,
//! first-run setup, key verification and the instance id.

use agented_domain::Role;
use agented_store::{AuditEntry, NewApiKey};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::client_ip::client_ip;
use crate::auth::gate::{count_failure, principal_for_key, AuthFailure};
use crate::auth::{keys, MaybePrincipal};
use crate::error::{ApiError, ApiResult, RequestId};
use crate::extract::ApiJson;
use crate::state::AppState;

/// The health routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(liveness))
        .routes(routes!(readiness))
        .routes(routes!(auth_status))
        .routes(routes!(setup))
        .routes(routes!(verify_key))
        .routes(routes!(instance_id))
}

/// `{"status": "ok"}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Liveness {
    /// Always `ok` while the process serves requests.
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/health/liveness", tag = "health", responses((status = 200, body = Liveness)))]
async fn liveness() -> Json<Liveness> {
    Json(Liveness { status: "ok" })
}

/// Readiness; `components` only for an authenticated caller.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ok` or `degraded`.
    pub status: &'static str,
    /// RFC 3339 UTC.
    pub timestamp: String,
    /// Per-component details (authenticated callers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub components: Option<serde_json::Value>,
}

/// Whether the server can serve: the database answers. 503 when it does not.
#[utoipa::path(get, path = "/health/readiness", tag = "health",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
async fn readiness(
    State(state): State<AppState>,
    MaybePrincipal(principal): MaybePrincipal,
) -> Response {
    let health = state.store.health().await;
    let status = if health.is_ok() { "ok" } else { "degraded" };
    let components = principal.map(|_| {
        let database = match &health {
            Ok(h) => serde_json::json!({
                "status": "ok",
                "latency_ms": h.latency.as_secs_f64() * 1000.0,
                "journal_mode": h.journal_mode,
                "schema_version": h.schema_version,
                "dialect": format!("{:?}", state.store.dialect()).to_lowercase(),
                "pool": {"size": h.pool_size, "idle": h.pool_idle},
            }),
            Err(e) => serde_json::json!({"status": "error", "error": e.to_string()}),
        };
        serde_json::json!({
            "database": database,
            "startup": {"status": "ok", "warnings": *state.startup_warnings},
            "uptime_seconds": state.started_at.elapsed().as_secs(),
        })
    });
    let code = if health.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        Json(Readiness {
            status,
            timestamp: agented_domain::time::now_rfc3339(),
            components,
        }),
    )
        .into_response()
}

/// What the UI needs to know before it shows a login page.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuthStatus {
    /// True while no API key exists (and no `AGENTED_API_KEY` is set).
    pub needs_setup: bool,
    /// Always true: every protected route needs a key, even before setup.
    pub auth_required: bool,
    /// True when this request carried valid credentials.
    pub authenticated: bool,
}

/// Whether setup is needed and whether the caller is authenticated.
#[utoipa::path(get, path = "/health/auth-status", tag = "health", responses((status = 200, body = AuthStatus)))]
async fn auth_status(
    State(state): State<AppState>,
    MaybePrincipal(principal): MaybePrincipal,
) -> ApiResult<Json<AuthStatus>> {
    let needs_setup =
        state.config.env_api_key_hash.is_none() && state.store.count_active_api_keys().await? == 0;
    Ok(Json(AuthStatus {
        needs_setup,
        auth_required: true,
        authenticated: principal.is_some(),
    }))
}

/// `POST /health/setup` body.
#[derive(Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    /// A label for the first key (default "admin").
    #[serde(default)]
    pub label: Option<String>,
}

/// The first admin key, shown once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SetupResponse {
    /// The key. Store it now: it is never shown again.
    pub api_key: String,
    /// Its id.
    pub role_id: String,
    /// Always `admin`.
    pub role: Role,
    /// Its label.
    pub label: String,
    /// What to do next.
    pub message: String,
}

/// Creates the first admin key — only while no key exists, only from loopback unless
/// `AGENTED_ALLOW_REMOTE_SETUP=1`; 403 afterwards.
#[utoipa::path(post, path = "/health/setup", tag = "health", request_body = SetupRequest,
    responses((status = 201, body = SetupResponse), (status = 403, body = crate::error::ErrorBody)))]
async fn setup(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    req_ip: ClientIp,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<SetupResponse>)> {
    let audit = |outcome: &str, reason: &str| AuditEntry {
        action: "auth.setup".into(),
        entity_type: Some("api_key".into()),
        outcome: outcome.into(),
        actor: "setup".into(),
        details: Some(
            serde_json::json!({"reason": reason, "client_ip": req_ip.0.map(|i| i.to_string())}),
        ),
        request_id: Some(request_id.0.clone()),
        ..Default::default()
    };
    let from_loopback = req_ip.0.is_some_and(|ip| ip.is_loopback());
    if !from_loopback && !state.config.allow_remote_setup {
        state
            .store
            .record_audit(audit("denied", "not from loopback"))
            .await?;
        return Err(ApiError::forbidden(
            "Setup is only allowed from the server's own machine (set AGENTED_ALLOW_REMOTE_SETUP=1 to allow it remotely)",
        ));
    }
    if state.config.env_api_key_hash.is_some() {
        return Err(ApiError::forbidden(
            "Setup is not needed: AGENTED_API_KEY is set",
        ));
    }
    // The body is optional: an empty POST uses the default label.
    let request: SetupRequest = if body.iter().all(u8::is_ascii_whitespace) {
        SetupRequest::default()
    } else {
        crate::extract::parse_json(&body)?
    };
    let label = request
        .label
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "admin".to_owned());
    if label.chars().count() > 200 {
        return Err(ApiError::validation(
            "label is too long",
            [("label", "at most 200 characters")],
        ));
    }
    let key = keys::generate();
    let new = NewApiKey {
        id: agented_domain::id::new_id("role", 12),
        key_hash: key.hash.clone(),
        key_prefix: key.visible_prefix.clone(),
        label: label.clone(),
        role: Role::Admin,
        created_by: Some("setup".into()),
    };
    let Some(record) = state.store.create_first_api_key(new).await? else {
        state
            .store
            .record_audit(audit("denied", "already set up"))
            .await?;
        return Err(ApiError::forbidden(
            "Setup has already been done: an API key exists",
        ));
    };
    let mut entry = audit("success", "first admin key created");
    entry.entity_id = Some(record.id.clone());
    state.store.record_audit(entry).await?;
    Ok((
        StatusCode::CREATED,
        Json(SetupResponse {
            api_key: key.plaintext,
            role_id: record.id,
            role: Role::Admin,
            label,
            message: "Admin key created. Store it now: it will not be shown again.".into(),
        }),
    ))
}

/// `POST /health/verify-key` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct VerifyKeyRequest {
    /// The key to check.
    pub api_key: String,
}

/// Whether a key is valid.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VerifyKeyResponse {
    /// True if and only if the key is active.
    pub valid: bool,
    /// Why.
    pub message: String,
}

/// Checks a key without logging in.
#[utoipa::path(post, path = "/health/verify-key", tag = "health", request_body = VerifyKeyRequest,
    responses((status = 200, body = VerifyKeyResponse)))]
async fn verify_key(
    State(state): State<AppState>,
    req_ip: ClientIp,
    ApiJson(body): ApiJson<VerifyKeyRequest>,
) -> ApiResult<Json<VerifyKeyResponse>> {
    match principal_for_key(&state, body.api_key.trim()).await {
        Ok(p) => Ok(Json(VerifyKeyResponse {
            valid: true,
            message: format!("Valid {} key", p.role),
        })),
        Err(AuthFailure::Invalid(why)) => {
            count_failure(&state, req_ip.0)?;
            Ok(Json(VerifyKeyResponse {
                valid: false,
                message: why.to_owned(),
            }))
        }
        Err(AuthFailure::Store(e)) => Err(e.into()),
    }
}

/// `{"instance_id": …}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InstanceId {
    /// A UUID created with the database.
    pub instance_id: String,
}

/// The UUID created with this database.
#[utoipa::path(get, path = "/health/instance-id", tag = "health", responses((status = 200, body = InstanceId)))]
async fn instance_id(State(state): State<AppState>) -> ApiResult<Json<InstanceId>> {
    Ok(Json(InstanceId {
        instance_id: state.store.instance_id().await?,
    }))
}

/// The client's address as the gate resolved it (peer, or trusted proxy's `X-Forwarded-For`).
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl axum::extract::FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(
            &parts.headers,
            &parts.extensions,
            &state.config.trusted_proxies,
        )))
    }
}
