//! `/auth/*`: browser sessions (an HttpOnly, SameSite=Strict cookie holding a signed, expiring
//! session bound to a key), the current caller, and 60-second stream tokens for one path.

use agented_store::AuditEntry;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::health::ClientIp;
use crate::auth::client_ip::is_https;
use crate::auth::gate::{count_failure, now, principal_for_key, AuthFailure};
use crate::auth::token::{self, TokenKind};
use crate::auth::{AuthVia, Principal, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult, RequestId};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Stream tokens live this long.
const STREAM_TOKEN_TTL_SECS: i64 = 60;

/// The session routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(stream_token))
}

/// `POST /auth/login` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// An API key.
    pub api_key: String,
}

/// The session that was started.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// The key the session is bound to.
    pub key_id: String,
    /// Its role.
    pub role: agented_domain::Role,
    /// Its label.
    pub label: String,
    /// When the session ends (RFC 3339 UTC).
    pub expires_at: String,
}

/// Exchanges an API key for a session cookie.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    ClientIp(ip): ClientIp,
    IsHttps(secure): IsHttps,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let principal = match principal_for_key(&state, body.api_key.trim()).await {
        Ok(p) => p,
        Err(AuthFailure::Store(e)) => return Err(e.into()),
        Err(AuthFailure::Invalid(why)) => {
            state
                .store
                .record_audit(AuditEntry {
                    action: "auth.login".into(),
                    outcome: "failure".into(),
                    actor: "anonymous".into(),
                    details: Some(serde_json::json!({"client_ip": ip.map(|i| i.to_string())})),
                    request_id: Some(request_id.0),
                    ..Default::default()
                })
                .await?;
            count_failure(&state, ip)?;
            return Err(ApiError::unauthorized(why));
        }
    };
    let ttl = state.config.session_ttl.as_secs() as i64;
    let claims = token::claims(&principal.key_id, now(), ttl, None);
    let cookie_value = token::sign(&state.config.secret_key, TokenKind::Session, &claims);
    let cookie = format!(
        "{SESSION_COOKIE}={cookie_value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={ttl}{}",
        if secure { "; Secure" } else { "" }
    );
    state
        .store
        .record_audit(AuditEntry {
            action: "auth.login".into(),
            entity_type: Some("api_key".into()),
            entity_id: Some(principal.key_id.clone()),
            outcome: "success".into(),
            actor: principal.key_id.clone(),
            request_id: Some(request_id.0),
            ..Default::default()
        })
        .await?;
    let expires_at = chrono::DateTime::from_timestamp(claims.exp, 0)
        .map(agented_domain::time::to_rfc3339)
        .unwrap_or_default();
    let mut resp = Json(LoginResponse {
        key_id: principal.key_id.clone(),
        role: principal.role,
        label: principal.label,
        expires_at,
    })
    .into_response();
    let header_value = HeaderValue::from_str(&cookie).map_err(|_| ApiError::internal())?;
    resp.headers_mut().insert(header::SET_COOKIE, header_value);
    resp.extensions_mut()
        .insert(crate::auth::AccessKeyId(principal.key_id));
    Ok(resp)
}

/// Ends the browser session (clears the cookie).
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout() -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("agented_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    resp
}

/// The current caller.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The key id, or `env`.
    pub key_id: String,
    /// Its role.
    pub role: agented_domain::Role,
    /// Its label.
    pub label: String,
    /// How this request authenticated.
    pub via: AuthVia,
}

/// Who the caller is.
#[utoipa::path(get, path = "/auth/me", tag = "auth", responses((status = 200, body = Me)))]
async fn me(Extension(p): Extension<Principal>) -> Json<Me> {
    Json(Me {
        key_id: p.key_id,
        role: p.role,
        label: p.label,
        via: p.via,
    })
}

/// `POST /auth/stream-token` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct StreamTokenRequest {
    /// The one path the token will be valid on, e.g. `/admin/executions/exec-…/stream`.
    pub path: String,
}

/// A token for `?token=` on one path.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StreamTokenResponse {
    /// The token.
    pub token: String,
    /// The path it is valid on.
    pub path: String,
    /// When it expires (RFC 3339 UTC), 60 s from now.
    pub expires_at: String,
}

/// Issues a 60-second token valid on one path, for stream consumers that cannot send headers.
#[utoipa::path(post, path = "/auth/stream-token", tag = "auth", request_body = StreamTokenRequest,
    responses((status = 200, body = StreamTokenResponse)))]
async fn stream_token(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    ApiJson(body): ApiJson<StreamTokenRequest>,
) -> ApiResult<Json<StreamTokenResponse>> {
    if !body.path.starts_with('/') || body.path.contains('?') || body.path.len() > 512 {
        return Err(ApiError::validation(
            "path must be an absolute path without a query",
            [(
                "path",
                "an absolute path such as /admin/executions/exec-…/stream",
            )],
        ));
    }
    let claims = token::claims(
        &p.key_id,
        now(),
        STREAM_TOKEN_TTL_SECS,
        Some(body.path.clone()),
    );
    let expires_at = chrono::DateTime::from_timestamp(claims.exp, 0)
        .map(agented_domain::time::to_rfc3339)
        .unwrap_or_default();
    Ok(Json(StreamTokenResponse {
        token: token::sign(&state.config.secret_key, TokenKind::Stream, &claims),
        path: body.path,
        expires_at,
    }))
}

/// Whether the request came over HTTPS as far as we can believe (for the cookie's `Secure`).
pub struct IsHttps(pub bool);

impl axum::extract::FromRequestParts<AppState> for IsHttps {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let cfg = &state.config;
        Ok(IsHttps(is_https(
            &parts.headers,
            &parts.extensions,
            &cfg.trusted_proxies,
            cfg.force_https,
        )))
    }
}
