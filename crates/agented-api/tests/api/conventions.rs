//! HTTP conventions: the unified error body everywhere, request ids, security headers, CORS,
//! pagination, metrics.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{assert_error, Req, TestApp};

#[tokio::test]
async fn unknown_routes_and_wrong_methods_get_the_unified_body() {
    let app = TestApp::new().await;
    assert_error(
        &app.send(Req::get("/admin/no/such/route")).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    );
    let r = app.send(Req::new(Method::PATCH, "/health/liveness")).await;
    assert_error(&r, StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn malformed_non_object_and_oversized_bodies_are_refused_clearly() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let post = |ct: &str, body: Vec<u8>| {
        Req::post("/admin/rbac/roles")
            .key(&admin)
            .raw_body(ct, body)
    };
    let r = app
        .send(post("application/json", b"{\"label\":".to_vec()))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "BAD_REQUEST");
    let r = app
        .send(post(
            "application/json",
            b"[{\"label\":\"x\",\"role\":\"viewer\"}]".to_vec(),
        ))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "BAD_REQUEST");
    assert!(r.text.contains("JSON object"), "{}", r.text);
    let r = app
        .send(post("application/json", vec![b' '; 20 * 1024 * 1024]))
        .await;
    assert_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    let r = app.send(post("text/plain", b"{}".to_vec())).await;
    assert_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
    );
    let r = app
        .send(
            Req::post("/admin/rbac/roles")
                .key(&admin)
                .json(json!({"label": "x", "role": "viewer", "extra": 1})),
        )
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    let list = app.send(Req::get("/admin/rbac/roles").key(&admin)).await;
    assert_eq!(list.body["total_count"], 1, "nothing was created");
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let app = TestApp::with_config(|c| c.body_limit = 2048).await;
    let r = app
        .send(Req::post("/health/verify-key").raw_body("application/json", vec![b' '; 4096]))
        .await;
    assert_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn a_sane_request_id_is_echoed_and_anything_else_replaced() {
    let app = TestApp::new().await;
    let r = app
        .send(Req::get("/health/liveness").header("x-request-id", "abc-123_trace"))
        .await;
    assert_eq!(r.headers["x-request-id"], "abc-123_trace");
    for bad in ["has space", &"x".repeat(129), "tab\there"] {
        let r = app
            .send(Req::get("/api/nope").header("x-request-id", bad))
            .await;
        let id = r.headers["x-request-id"].to_str().expect("ascii");
        assert!(
            uuid::Uuid::parse_str(id).is_ok(),
            "{bad:?} was replaced by a UUID, got {id}"
        );
        assert_eq!(r.body["request_id"], id);
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    for req in [
        Req::get("/health/liveness"),
        Req::get("/admin/rbac/roles"),
        Req::get("/api/missing"),
        Req::get("/docs"),
    ] {
        let r = app.send(req).await;
        assert!(r.headers["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("default-src 'self'"));
        assert_eq!(r.headers["x-frame-options"], "DENY");
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
        assert_eq!(
            r.headers["referrer-policy"],
            "strict-origin-when-cross-origin"
        );
        assert!(r.headers.get("strict-transport-security").is_none());
    }
    let https = TestApp::with_config(|c| c.force_https = true).await;
    let r = https.send(Req::get("/health/liveness")).await;
    assert!(r.headers.get("strict-transport-security").is_some());
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::new().await;
    let r = app
        .send(Req::get("/health/liveness").header("origin", "https://evil.example"))
        .await;
    assert!(r.headers.get("access-control-allow-origin").is_none());

    let allowed = "https://ui.example.com";
    let app =
        TestApp::with_config(|c| c.cors_origins = vec![allowed.parse().expect("origin")]).await;
    let r = app
        .send(Req::get("/health/liveness").header("origin", allowed))
        .await;
    assert_eq!(r.headers["access-control-allow-origin"], allowed);
    let pre = app
        .send(
            Req::new(Method::OPTIONS, "/admin/rbac/roles")
                .header("origin", allowed)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "x-api-key,content-type,x-request-id,last-event-id,authorization",
                ),
        )
        .await;
    assert!(pre.status.is_success(), "{}", pre.status);
    let headers = pre.headers["access-control-allow-headers"]
        .to_str()
        .expect("ascii")
        .to_lowercase();
    for h in [
        "x-api-key",
        "authorization",
        "content-type",
        "x-request-id",
        "last-event-id",
    ] {
        assert!(headers.contains(h), "{h} in {headers}");
    }
    let evil = app
        .send(Req::get("/health/liveness").header("origin", "https://evil.example"))
        .await;
    assert!(evil.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn lists_paginate_with_limit_offset_and_total_count() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    for i in 0..4 {
        app.send(
            Req::post("/admin/rbac/roles")
                .key(&admin)
                .json(json!({"label": format!("k{i}"), "role": "viewer"})),
        )
        .await;
    }
    let r = app
        .send(Req::get("/admin/rbac/roles?limit=2&offset=1").key(&admin))
        .await;
    assert_eq!(r.body["roles"].as_array().map(Vec::len), Some(2));
    assert_eq!(r.body["total_count"], 5);
    for bad in ["limit=0", "limit=501", "limit=abc", "offset=-1"] {
        let r = app
            .send(Req::get(&format!("/admin/rbac/roles?{bad}")).key(&admin))
            .await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    }
    let r = app
        .send(Req::get("/admin/audit?since=yesterday").key(&admin))
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    assert!(r.body["details"]["fields"]["since"].is_string());
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    app.send(Req::get("/health/liveness")).await;
    let r = app.send(Req::get("/metrics").key(&admin)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("agented_http_requests_total{method=\"GET\",route=\"/health/liveness\",status=\"200\"} 1"), "{}", r.text);
    assert!(r
        .text
        .contains("agented_http_request_duration_seconds_bucket"));
    assert!(r.text.contains("agented_db_pool_connections"));
}

#[tokio::test]
async fn docs_and_openapi_are_public() {
    let app = TestApp::new().await;
    let doc = app.send(Req::get("/openapi.json")).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["paths"]["/admin/rbac/roles"]["post"].is_object());
    let page = app.send(Req::get("/docs")).await;
    assert!(page.text.contains("/docs/app.js"));
    let js = app.send(Req::get("/docs/app.js")).await;
    assert!(js.headers["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/javascript"));
}

#[tokio::test]
async fn the_web_ui_is_served_for_client_routes_but_never_under_api_prefixes() {
    let app = TestApp::new().await;
    for path in ["/", "/runs/exec-123", "/settings/api-keys"] {
        let r = app.send(Req::get(path)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            r.headers["content-type"]
                .to_str()
                .expect("ct")
                .starts_with("text/html"),
            "{path}"
        );
        assert!(r.text.contains("<title>"), "{path}: {}", r.text);
    }
    for path in [
        "/admin/nothing",
        "/api/nothing",
        "/health/nothing",
        "/auth/nothing",
    ] {
        assert_error(
            &app.send(Req::get(path)).await,
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        );
    }
    assert_error(
        &app.send(Req::post("/some/page")).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    );
    if agented_api::ui::is_built() {
        assert_error(
            &app.send(Req::get("/assets/missing-123.js")).await,
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        );
        let index = app.send(Req::get("/")).await;
        let asset = index
            .text
            .split("src=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("script");
        let js = app.send(Req::get(asset)).await;
        assert_eq!(js.status, StatusCode::OK);
        assert!(js.headers["cache-control"]
            .to_str()
            .expect("cc")
            .contains("immutable"));
        assert!(js.headers["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/javascript"));
    } else {
        assert!(app.send(Req::get("/")).await.text.contains("npm run build"));
    }
}
