//! CORS: an explicit allowlist of origins. With none configured, no cross-origin request gets an
//! `Access-Control-Allow-Origin`, so browsers keep the API same-origin.

use axum::http::{header, HeaderName, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::auth::CSRF_HEADER;

/// The CORS layer for the configured origins.
pub fn layer(origins: &[axum::http::HeaderValue]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            HeaderName::from_static("x-api-key"),
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("last-event-id"),
            HeaderName::from_static(CSRF_HEADER),
        ])
        .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
        .allow_credentials(true)
        .max_age(std::time::Duration::from_secs(600))
}
