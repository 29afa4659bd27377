//! The outermost middleware of every request.
//!
//! It assigns the request id (the client's, when sane, otherwise a UUID v4), opens the request's
//! tracing span so every log line of the request carries the id, turns a handler panic into a 500
//! without internals, writes the unified error body for every error response (including the
//! router's own 404/405 and the body limit's 413), sets the security headers, records metrics and
//! writes one access line. Bodies, cookies and keys are never logged.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use tracing::Instrument;

use crate::auth::AccessKeyId;
use crate::error::{ApiError, ErrorBody, PendingErrorBody, RequestId};
use crate::state::AppState;

/// The request id header.
pub const REQUEST_ID: &str = "x-request-id";

/// Returns the client's request id if it is sane: 1 to 128 printable ASCII characters.
/// Anything else (control characters, CR/LF header injection, non-ASCII, too long) is replaced.
pub fn sane_request_id(value: Option<&HeaderValue>) -> Option<String> {
    let bytes = value?.as_bytes();
    let ok =
        !bytes.is_empty() && bytes.len() <= 128 && bytes.iter().all(|b| (0x21..=0x7e).contains(b));
    // The bytes are printable ASCII, so this conversion cannot fail.
    ok.then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// A UUID v4 from the thread-local CSPRNG (`Uuid::new_v4` would make a `getrandom` system call on
/// every request).
fn new_request_id() -> String {
    let bytes: [u8; 16] = rand::random();
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The observe middleware; installed once by `router()`.
pub async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = sane_request_id(req.headers().get(REQUEST_ID)).unwrap_or_else(new_request_id);
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %method, path = %path);

    let result = AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .instrument(span.clone())
        .await;
    let mut response = match result {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            span.in_scope(|| tracing::error!(panic = %what, "handler panicked"));
            ApiError::internal().into_response()
        }
    };

    finish_error_body(&mut response, &request_id);
    set_security_headers(&mut response, state.config.force_https);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }

    let status = response.status();
    let elapsed = started.elapsed();
    let key_id = response
        .extensions()
        .get::<AccessKeyId>()
        .map(|k| k.0.as_str())
        .unwrap_or("-");
    let route_label = route.as_deref().unwrap_or("unmatched");
    state
        .metrics
        .observe_request(method.as_str(), route_label, status.as_u16(), elapsed);
    span.in_scope(|| {
        tracing::info!(
            target: "agented::access",
            status = status.as_u16(),
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            key_id,
            "{method} {path} {}",
            status.as_u16()
        )
    });
    response
}

/// Writes the unified error body on error responses that do not have one yet.
fn finish_error_body(response: &mut Response, request_id: &str) {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return;
    }
    let body = match response.extensions_mut().remove::<PendingErrorBody>() {
        Some(pending) => ErrorBody {
            code: pending.0.code.clone(),
            message: pending.0.message.clone(),
            error: pending.0.error.clone(),
            details: pending.0.details.clone(),
            request_id: Some(request_id.to_owned()),
        },
        // A handler wrote its own JSON (none should, but keep whatever it said).
        None if is_json(response) => return,
        // Errors made outside our handlers: the router's 404/405, the body limit's 413, ...
        None => {
            let message = default_message(status);
            ErrorBody {
                code: ApiError::code_for(status).to_owned(),
                message: message.clone(),
                error: message,
                details: None,
                request_id: Some(request_id.to_owned()),
            }
        }
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response.headers_mut().remove(header::CONTENT_LENGTH);
    *response.body_mut() = Body::from(bytes);
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn default_message(status: StatusCode) -> String {
    match status {
        StatusCode::NOT_FOUND => "No such route".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed on this route".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => "Request body too large".to_owned(),
        _ => status.canonical_reason().unwrap_or("Error").to_owned(),
    }
}

/// The Content-Security-Policy: everything from our own origin; the API docs page and the web UI
/// use only same-origin scripts and styles (inline styles are allowed for Vue's style bindings).
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                   object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

fn set_security_headers(response: &mut Response, force_https: bool) {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if force_https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("secret internal detail")
    }

    #[tokio::test]
    async fn a_panicking_handler_becomes_a_500_with_the_request_id_and_no_internals() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = agented_store::Store::connect(&agented_store::StoreConfig::sqlite(
            &dir.path().join("t.db"),
        ))
        .await
        .expect("store");
        let engine =
            agented_engine::Engine::new(store.clone(), agented_engine::EngineConfig::default());
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        let state = AppState::new(
            store,
            engine,
            crate::ApiConfig::for_tests(b"0123456789abcdef0123456789abcdef"),
            stopped,
        );
        let app = axum::Router::new()
            .route("/boom", get(boom))
            .layer(axum::middleware::from_fn_with_state(state.clone(), observe))
            .with_state(state);
        let req = axum::http::Request::get("/boom")
            .header(REQUEST_ID, "req-42")
            .body(Body::empty())
            .expect("req");
        let res = app.oneshot(req).await.expect("infallible");
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(res.headers()[REQUEST_ID], "req-42");
        let bytes = http_body_util::BodyExt::collect(res.into_body())
            .await
            .expect("body")
            .to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(body["code"], "INTERNAL_SERVER_ERROR");
        assert_eq!(body["request_id"], "req-42");
        assert!(!String::from_utf8_lossy(&bytes).contains("secret internal detail"));
    }

    #[test]
    fn request_ids_must_be_short_printable_ascii() {
        let v = |s: &str| HeaderValue::from_str(s).ok();
        assert_eq!(
            sane_request_id(v("abc-1").as_ref()),
            Some("abc-1".to_owned())
        );
        assert_eq!(sane_request_id(v("a b").as_ref()), None);
        assert_eq!(sane_request_id(v(&"x".repeat(129)).as_ref()), None);
        assert_eq!(
            sane_request_id(HeaderValue::from_bytes(b"caf\xc3\xa9").ok().as_ref()),
            None
        );
        assert_eq!(sane_request_id(None), None);
    }
}
