//! The gate: a single middleware over every route that decides, from the route table, whether a
//! request may proceed. It authenticates (header key, `AGENTED_API_KEY`, session cookie, stream
//! token), enforces roles, CSRF for cookie sessions, and rate limits.

use std::net::IpAddr;

use agented_store::AuditEntry;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::client_ip::{client_ip, is_https};
use super::policy::{Access, Lookup, PublicLimit};
use super::token::{self, TokenKind};
use super::{keys, AccessKeyId, AuthVia, Principal, CSRF_HEADER, ENV_KEY_ID, SESSION_COOKIE};
use crate::error::{ApiError, RequestId};
use crate::state::AppState;

/// The gate middleware; installed once by `router()`.
pub async fn gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(route) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        // No route matched: the fallback answers 404 (or serves the web UI's shell) and needs no key.
        return next.run(req).await;
    };
    let access = match state.policy.lookup(req.method(), &route) {
        Lookup::Rule(access) => access,
        // The router will answer 405 for a method the route does not have.
        Lookup::MethodNotListed => return next.run(req).await,
        Lookup::Unlisted => {
            tracing::error!(route, "route has no access rule; refusing");
            return ApiError::forbidden("This route has no access rule").into_response();
        }
    };
    let ip = client_ip(
        req.headers(),
        req.extensions(),
        &state.config.trusted_proxies,
    );
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());

    match access {
        Access::Public(limit) => {
            let limiter = match limit {
                PublicLimit::None => None,
                PublicLimit::General => Some(&state.limiters.public),
                PublicLimit::Setup => Some(&state.limiters.setup),
            };
            if let (Some(limiter), Some(ip)) = (limiter, ip) {
                if let Err(wait) = limiter.check(&ip) {
                    return ApiError::rate_limited(wait).into_response();
                }
            }
            // Public handlers that care who is calling (readiness, auth-status) ask for a
            // `MaybePrincipal`; everything else skips the lookup.
            next.run(req).await
        }
        Access::Role(required) => {
            let principal = match authenticate(&state, req.method(), req.uri(), req.headers()).await
            {
                Ok(Some(p)) => p,
                Ok(None) => return missing_credentials(&state).await,
                Err(e) => return failed_credentials(&state, ip, e),
            };
            if principal.via == AuthVia::Cookie && is_mutating(req.method()) {
                if let Err(why) = check_csrf(&state, &req) {
                    tracing::warn!(key_id = principal.key_id, why, "CSRF check failed");
                    return ApiError::forbidden(format!("CSRF check failed: {why}"))
                        .into_response();
                }
            }
            // Limited before the role check: a denied request writes an audit event, and a flood of
            // them must not become an unlimited write path.
            if let Err(wait) = state.limiters.per_key.check(&principal.key_id) {
                return ApiError::rate_limited(wait).into_response();
            }
            if !principal.role.satisfies(required) {
                let entry = AuditEntry {
                    action: "rbac.denied".into(),
                    entity_type: Some("route".into()),
                    entity_id: Some(format!("{} {route}", req.method())),
                    outcome: "denied".into(),
                    actor: principal.key_id.clone(),
                    details: Some(serde_json::json!({
                        "role": principal.role, "required": required
                    })),
                    request_id,
                };
                if let Err(e) = state.store.record_audit(entry).await {
                    tracing::error!(error = %e, "could not record rbac.denied");
                }
                let mut resp = ApiError::forbidden(format!(
                    "This action needs the {required} role; your key has {}",
                    principal.role
                ))
                .into_response();
                resp.extensions_mut().insert(AccessKeyId(principal.key_id));
                return resp;
            }
            note_key_use(&state, &principal);
            let key_id = principal.key_id.clone();
            req.extensions_mut().insert(principal);
            let mut resp = next.run(req).await;
            resp.extensions_mut().insert(AccessKeyId(key_id));
            resp
        }
    }
}

/// Why presented credentials were refused.
#[derive(Debug)]
pub enum AuthFailure {
    /// The key, session or token is unknown, revoked, expired, or for another path.
    Invalid(&'static str),
    /// The database could not be asked.
    Store(agented_store::StoreError),
}

/// Finds the caller from the request's credentials. `Ok(None)` when none were presented.
pub async fn authenticate(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Option<Principal>, AuthFailure> {
    if let Some(key) = presented_key(headers) {
        return principal_for_key(state, key).await.map(Some);
    }
    if method == Method::GET {
        if let Some(tok) = query_param(uri.query(), "token") {
            let claims = token::verify(&state.config.secret_key, TokenKind::Stream, &tok, now())
                .map_err(|_| AuthFailure::Invalid("invalid or expired stream token"))?;
            if claims.path.as_deref() != Some(uri.path()) {
                return Err(AuthFailure::Invalid("stream token is for another path"));
            }
            return principal_for_id(state, &claims.key_id, AuthVia::Token)
                .await
                .map(Some);
        }
    }
    if let Some(cookie) = session_cookie(headers) {
        let claims = token::verify(&state.config.secret_key, TokenKind::Session, cookie, now())
            .map_err(|_| AuthFailure::Invalid("session expired or invalid; log in again"))?;
        return principal_for_id(state, &claims.key_id, AuthVia::Cookie)
            .await
            .map(Some);
    }
    Ok(None)
}

/// The caller for a plaintext key (header or login body).
pub async fn principal_for_key(state: &AppState, key: &str) -> Result<Principal, AuthFailure> {
    let hash = keys::hash(key);
    if state.config.env_api_key_hash.as_deref() == Some(hash.as_str()) {
        return Ok(env_principal(AuthVia::Env));
    }
    let cache_key = format!("h:{hash}");
    if let Some(p) = state.principals.get(&cache_key) {
        return Ok(p);
    }
    match state.store.active_api_key_by_hash(&hash).await {
        Ok(Some(rec)) => {
            let p = Principal {
                key_id: rec.id,
                role: rec.role,
                label: rec.label,
                via: AuthVia::Header,
            };
            state.principals.put(cache_key, p.clone());
            Ok(p)
        }
        Ok(None) => Err(AuthFailure::Invalid("invalid or revoked API key")),
        Err(e) => Err(AuthFailure::Store(e)),
    }
}

/// The caller for a key id from a signed session or token; the key must still be active.
async fn principal_for_id(
    state: &AppState,
    key_id: &str,
    via: AuthVia,
) -> Result<Principal, AuthFailure> {
    if key_id == ENV_KEY_ID {
        return match state.config.env_api_key_hash {
            Some(_) => Ok(env_principal(via)),
            None => Err(AuthFailure::Invalid(
                "the key behind this session no longer exists",
            )),
        };
    }
    let cache_key = format!("i:{key_id}");
    if let Some(p) = state.principals.get(&cache_key) {
        return Ok(Principal { via, ..p });
    }
    match state.store.api_key(key_id).await {
        Ok(rec) if rec.revoked_at.is_none() => {
            let p = Principal {
                key_id: rec.id,
                role: rec.role,
                label: rec.label,
                via,
            };
            state.principals.put(cache_key, p.clone());
            Ok(p)
        }
        Ok(_) | Err(agented_store::StoreError::NotFound(_)) => Err(AuthFailure::Invalid(
            "the key behind this session was revoked",
        )),
        Err(e) => Err(AuthFailure::Store(e)),
    }
}

fn env_principal(via: AuthVia) -> Principal {
    Principal {
        key_id: ENV_KEY_ID.to_owned(),
        role: agented_domain::Role::Admin,
        label: "AGENTED_API_KEY".to_owned(),
        via,
    }
}

/// 401 for a request without credentials; before setup the message says how to create the
/// first key (fail closed, but helpful).
async fn missing_credentials(state: &AppState) -> Response {
    let no_keys = state.config.env_api_key_hash.is_none()
        && matches!(state.store.count_active_api_keys().await, Ok(0));
    let message = if no_keys {
        "No API key exists yet. Create the first admin key with `agented keys create --role admin \
         --label NAME` on the server, or POST /health/setup from the server's own machine."
    } else {
        "Authentication required: send an API key in X-API-Key or Authorization: Bearer, or log in"
    };
    ApiError::unauthorized(message).into_response()
}

fn failed_credentials(state: &AppState, ip: Option<IpAddr>, failure: AuthFailure) -> Response {
    match failure {
        AuthFailure::Store(e) => ApiError::from(e).into_response(),
        AuthFailure::Invalid(why) => match count_failure(state, ip) {
            Err(limited) => limited.into_response(),
            Ok(()) => ApiError::unauthorized(why).into_response(),
        },
    }
}

/// Counts one failed authentication from `ip` (a bad key on any route, login or verify-key);
/// `Err` is the 429 to answer once the client is over its failure allowance.
pub fn count_failure(state: &AppState, ip: Option<IpAddr>) -> Result<(), ApiError> {
    let Some(ip) = ip else { return Ok(()) };
    state.limiters.auth_failures.check(&ip).map_err(|wait| {
        tracing::warn!(%ip, "too many failed authentication attempts");
        ApiError::rate_limited(wait)
    })
}

fn note_key_use(state: &AppState, principal: &Principal) {
    if principal.key_id == ENV_KEY_ID || !state.key_usage.due(&principal.key_id) {
        return;
    }
    let store = state.store.clone();
    let key_id = principal.key_id.clone();
    tokio::spawn(async move {
        if let Err(e) = store
            .touch_api_key(&key_id, &agented_domain::time::now_rfc3339())
            .await
        {
            tracing::warn!(error = %e, "could not record key use");
        }
    });
}

fn is_mutating(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The CSRF defence for cookie sessions: the custom header must be present, a cross-site fetch is
/// refused, and an `Origin`, when sent, must be this server or an allowed CORS origin.
fn check_csrf(state: &AppState, req: &Request) -> Result<(), &'static str> {
    let headers = req.headers();
    if headers.get(CSRF_HEADER).is_none_or(|v| v.is_empty()) {
        return Err("missing X-Agented-CSRF header");
    }
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err("cross-site request");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        if state.config.cors_origins.iter().any(|o| o == origin) {
            return Ok(());
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .ok_or("missing Host")?;
        let scheme = if is_https(
            headers,
            req.extensions(),
            &state.config.trusted_proxies,
            state.config.force_https,
        ) {
            "https"
        } else {
            "http"
        };
        if origin.to_str().ok() != Some(format!("{scheme}://{host}").as_str()) {
            return Err("foreign Origin");
        }
    }
    Ok(())
}

/// The key from `X-API-Key` or `Authorization: Bearer`.
fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(k) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(k.trim());
    }
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = auth.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

/// The session cookie's value, if the request carries one.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| {
            // Tokens are base64url and dots, so they never need percent-decoding.
            v.to_owned()
        })
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
