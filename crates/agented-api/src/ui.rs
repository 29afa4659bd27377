//! The embedded web UI: static files with the right content types, long cache headers on hashed
//! assets, and `index.html` for client routes — never under the API's own prefixes, which answer
//! 404 in the unified error body instead. A binary built without the UI serves a page that says
//! how to build it.

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

include!(concat!(env!("OUT_DIR"), "/ui_files.rs"));

/// Path prefixes that belong to the server, never to the UI.
const API_PREFIXES: &[&str] = &[
    "/admin",
    "/api",
    "/health",
    "/auth",
    "/docs",
    "/openapi.json",
    "/metrics",
    "/webhooks",
];

const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>Agented</title>\
<body style=\"font:16px system-ui;max-width:40rem;margin:3rem auto\"><h1>Agented is running</h1>\
<p>This binary was built without the web UI. Build it with:</p>\
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build\ncargo build --release</pre>\
<p>or start with <code>./scripts/start</code>, which does both. The API is available meanwhile; see \
<a href=\"/docs\">/docs</a>.</p></body>";

/// Returns true if and only if the binary carries a built UI.
pub fn is_built() -> bool {
    FILES.iter().any(|(p, _)| *p == "/index.html")
}

fn file(path: &str) -> Option<&'static [u8]> {
    FILES.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json" | "map") => "application/json",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn is_api_path(path: &str) -> bool {
    API_PREFIXES.iter().any(|p| {
        path == *p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// The router's fallback: a UI file, the UI shell for a client route, or a 404.
pub async fn fallback(req: Request) -> Response {
    let path = req.uri().path();
    let readable = req.method() == Method::GET || req.method() == Method::HEAD;
    if is_api_path(path) || !readable {
        return ApiError::not_found(format!("No route for {} {path}", req.method()))
            .into_response();
    }
    if !is_built() {
        return (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            NOT_BUILT,
        )
            .into_response();
    }
    if let Some(bytes) = file(path).filter(|_| path != "/index.html") {
        // Vite puts content hashes in the names under /assets/, so those never change.
        let cache = if path.starts_with("/assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return (
            [
                (header::CONTENT_TYPE, content_type(path)),
                (header::CACHE_CONTROL, cache),
            ],
            bytes,
        )
            .into_response();
    }
    if path.starts_with("/assets/") {
        // A missing asset is a real 404 (an old tab asking for a file from an earlier build).
        return ApiError::not_found(format!("No asset {path}")).into_response();
    }
    let Some(index) = file("/index.html") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut resp = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], index).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_prefixes_are_never_the_ui() {
        assert!(is_api_path("/admin"));
        assert!(is_api_path("/admin/triggers"));
        assert!(is_api_path("/openapi.json"));
        assert!(!is_api_path("/administrator"));
        assert!(!is_api_path("/runs/exec-1"));
        assert!(!is_api_path("/"));
    }

    #[test]
    fn content_types_follow_extensions() {
        assert_eq!(
            content_type("/assets/index-abc.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("/favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("/assets/x.css"), "text/css; charset=utf-8");
    }
}
