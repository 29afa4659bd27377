//! Browser sessions, CSRF, stream tokens and readiness details.

use agented_api::auth::token::{self, TokenKind};
use agented_api::SecretKey;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{assert_error, Req, TestApp, SECRET};

#[tokio::test]
async fn a_session_cookie_authenticates_reads_and_ends_with_its_key() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let (id, viewer) = app.key_with_role(&admin, "viewer").await;
    let cookie = app.login(&viewer).await;
    let me = app
        .send(Req::get("/auth/me").header("cookie", &cookie))
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["via"], "cookie");
    app.send(Req::new(Method::DELETE, &format!("/admin/rbac/roles/{id}")).key(&admin))
        .await;
    let after = app
        .send(Req::get("/auth/me").header("cookie", &cookie))
        .await;
    assert_error(&after, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
}

#[tokio::test]
async fn login_with_a_bad_key_is_401_and_audited() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let r = app
        .send(Req::post("/auth/login").json(json!({"api_key": "agd_nope"})))
        .await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    assert!(r.headers.get("set-cookie").is_none());
    app.login(&admin).await;
    let audit = app
        .send(Req::get("/admin/audit?action=auth.login").key(&admin))
        .await;
    let outcomes: Vec<_> = audit.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["outcome"].clone())
        .collect();
    assert_eq!(outcomes, vec![json!("success"), json!("failure")]);
}

#[tokio::test]
async fn cookie_authenticated_writes_need_the_csrf_header_and_our_origin() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let cookie = app.login(&admin).await;
    let create = |extra: &[(&str, &str)]| {
        let mut r = Req::post("/admin/rbac/roles")
            .header("cookie", &cookie)
            .json(json!({"label": "x", "role": "viewer"}));
        for (k, v) in extra {
            r = r.header(k, v);
        }
        r
    };
    let missing = app.send(create(&[])).await;
    assert_error(&missing, StatusCode::FORBIDDEN, "FORBIDDEN");
    assert!(missing.text.contains("CSRF"));
    let foreign = app
        .send(create(&[
            ("x-agented-csrf", "1"),
            ("origin", "https://evil.example"),
        ]))
        .await;
    assert_error(&foreign, StatusCode::FORBIDDEN, "FORBIDDEN");
    let cross_site = app
        .send(create(&[
            ("x-agented-csrf", "1"),
            ("sec-fetch-site", "cross-site"),
        ]))
        .await;
    assert_error(&cross_site, StatusCode::FORBIDDEN, "FORBIDDEN");
    let ours = app
        .send(create(&[
            ("x-agented-csrf", "1"),
            ("origin", "http://localhost:20000"),
        ]))
        .await;
    assert_eq!(ours.status, StatusCode::CREATED, "{}", ours.text);
    // Header-key clients (scripts) need no CSRF header.
    let script = app
        .send(
            Req::post("/admin/rbac/roles")
                .key(&admin)
                .json(json!({"label": "y", "role": "viewer"})),
        )
        .await;
    assert_eq!(script.status, StatusCode::CREATED);
    let list = app.send(Req::get("/admin/rbac/roles").key(&admin)).await;
    assert_eq!(
        list.body["total_count"], 3,
        "the refused requests created nothing"
    );
}

#[tokio::test]
async fn logout_clears_the_cookie() {
    let app = TestApp::new().await;
    let r = app.send(Req::post("/auth/logout")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("Max-Age=0")));
}

#[tokio::test]
async fn a_stream_token_works_on_its_path_only_and_not_after_expiry() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let r = app
        .send(
            Req::post("/auth/stream-token")
                .key(&admin)
                .json(json!({"path": "/auth/me"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let tok = r.body["token"].as_str().expect("token").to_owned();
    let ok = app.send(Req::get(&format!("/auth/me?token={tok}"))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body["via"], "token");
    let wrong_path = app
        .send(Req::get(&format!("/admin/rbac/permissions?token={tok}")))
        .await;
    assert_error(&wrong_path, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    let key_id = ok.body["key_id"].as_str().expect("id");
    let expired = token::sign(
        &SecretKey::new(SECRET.to_vec()),
        TokenKind::Stream,
        &token::claims(
            key_id,
            chrono::Utc::now().timestamp() - 120,
            60,
            Some("/auth/me".into()),
        ),
    );
    let late = app
        .send(Req::get(&format!("/auth/me?token={expired}")))
        .await;
    assert_error(&late, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    let bad = app
        .send(
            Req::post("/auth/stream-token")
                .key(&admin)
                .json(json!({"path": "relative"})),
        )
        .await;
    assert_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_session_token_is_not_a_stream_token() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let cookie = app.login(&admin).await;
    let value = cookie.split_once('=').expect("pair").1;
    let r = app.send(Req::get(&format!("/auth/me?token={value}"))).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
}

#[tokio::test]
async fn readiness_details_only_for_authenticated_callers() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let anon = app.send(Req::get("/health/readiness")).await;
    assert_eq!(anon.status, StatusCode::OK);
    assert_eq!(anon.body["status"], "ok");
    assert!(anon.body.get("components").is_none(), "{}", anon.text);
    let authed = app.send(Req::get("/health/readiness").key(&admin)).await;
    assert_eq!(authed.body["components"]["database"]["journal_mode"], "wal");
    let latest = agented_store::migrate::builtin(agented_store::Dialect::Sqlite).len();
    assert_eq!(
        authed.body["components"]["database"]["schema_version"],
        latest
    );
    let id = app.send(Req::get("/health/instance-id").key(&admin)).await;
    assert_eq!(id.body["instance_id"].as_str().map(str::len), Some(36));
}

#[tokio::test]
async fn readiness_reports_503_when_the_database_is_gone() {
    let app = TestApp::new().await;
    app.state.store.close().await;
    let r = app.send(Req::get("/health/readiness")).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.body["status"], "degraded");
}
