//! Authentication and authorization: one gate over the whole router.
//!
//! `policy` holds every route's rule; `gate` enforces it; `keys` makes and hashes API keys; `token`
//! signs sessions and stream tokens; `limits` and `usage` bound what a client or key may do.

pub mod cache;
pub mod client_ip;
pub mod gate;
pub mod keys;
pub mod limits;
pub mod policy;
pub mod token;
pub mod usage;

use agented_domain::Role;
use serde::Serialize;

/// Name of the browser session cookie.
pub const SESSION_COOKIE: &str = "agented_session";
/// The header a cookie-authenticated browser must send on mutating requests (CSRF defence: a
/// cross-site form cannot set it, and a cross-site script cannot send it without a CORS preflight
/// that we refuse).
pub const CSRF_HEADER: &str = "x-agented-csrf";

/// How a request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthVia {
    /// `X-API-Key` or `Authorization: Bearer` with a stored key.
    Header,
    /// The session cookie.
    Cookie,
    /// A stream token in `?token=`.
    Token,
    /// `AGENTED_API_KEY`.
    Env,
}

/// The authenticated caller, placed in request extensions by the gate.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The key id (`role-…`), or `env` for `AGENTED_API_KEY`.
    pub key_id: String,
    /// The key's current role.
    pub role: Role,
    /// The key's label.
    pub label: String,
    /// How the request authenticated.
    pub via: AuthVia,
}

/// The key id of the caller, copied into response extensions for the access log.
#[derive(Debug, Clone)]
pub struct AccessKeyId(pub String);

/// The id used for `AGENTED_API_KEY` in sessions, audit events and logs.
pub const ENV_KEY_ID: &str = "env";

/// The caller of a public route, if it sent valid credentials; invalid or missing ones give `None`
/// (public routes never refuse a request for its credentials).
#[derive(Debug, Clone)]
pub struct MaybePrincipal(pub Option<Principal>);

impl axum::extract::FromRequestParts<crate::state::AppState> for MaybePrincipal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::state::AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(MaybePrincipal(Some(p.clone())));
        }
        let found = gate::authenticate(state, &parts.method, &parts.uri, &parts.headers).await;
        Ok(MaybePrincipal(found.ok().flatten()))
    }
}
