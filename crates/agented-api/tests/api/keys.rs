//! Key management: setup once from loopback, keys shown once, hashed, revoked immediately.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{assert_error, Req, TestApp};

#[tokio::test]
async fn setup_creates_one_admin_key_once() {
    let app = TestApp::new().await;
    let r = app
        .send(Req::post("/health/setup").json(json!({"label": "ops"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["role"], "admin");
    assert_eq!(r.body["label"], "ops");
    let key = r.body["api_key"].as_str().expect("key");
    assert!(key.starts_with("agd_") && key.len() >= 47);
    let again = app.send(Req::post("/health/setup")).await;
    assert_error(&again, StatusCode::FORBIDDEN, "FORBIDDEN");
    let me = app.send(Req::get("/auth/me").key(key)).await;
    assert_eq!(me.body["role"], "admin");
}

#[tokio::test]
async fn setup_from_a_remote_address_is_refused_unless_allowed() {
    let app = TestApp::new().await;
    let r = app
        .send(Req::post("/health/setup").peer("203.0.113.9:4000"))
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "FORBIDDEN");
    assert!(r.text.contains("AGENTED_ALLOW_REMOTE_SETUP"));
    let status = app.send(Req::get("/health/auth-status")).await;
    assert_eq!(status.body["needs_setup"], true, "nothing was created");

    let open = TestApp::with_config(|c| c.allow_remote_setup = true).await;
    let r = open
        .send(Req::post("/health/setup").peer("203.0.113.9:4000"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_forwarded_loopback_address_from_an_untrusted_peer_is_not_believed() {
    let app = TestApp::new().await;
    let r = app
        .send(
            Req::post("/health/setup")
                .peer("203.0.113.9:4000")
                .header("x-forwarded-for", "127.0.0.1"),
        )
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "FORBIDDEN");
}

#[tokio::test]
async fn setup_is_rate_limited_per_client() {
    let app = TestApp::new().await;
    app.admin_key().await;
    let mut last = None;
    for _ in 0..6 {
        last = Some(app.send(Req::post("/health/setup")).await);
    }
    let r = last.expect("reply");
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    assert!(r.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn a_created_key_is_shown_once_and_listings_never_show_keys_or_hashes() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let (id, key) = app.key_with_role(&admin, "editor").await;
    let list = app.send(Req::get("/admin/rbac/roles").key(&admin)).await;
    assert_eq!(list.body["total_count"], 2);
    assert!(
        !list.text.contains(&key) && !list.text.contains("hash"),
        "{}",
        list.text
    );
    let one = app
        .send(Req::get(&format!("/admin/rbac/roles/{id}")).key(&admin))
        .await;
    assert_eq!(one.body["role"], "editor");
    assert_eq!(one.body["key_prefix"], &key[..12]);
    assert!(!one.text.contains(&key));
}

#[tokio::test]
async fn revocation_takes_effect_on_the_next_request() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let (id, key) = app.key_with_role(&admin, "viewer").await;
    assert_eq!(
        app.send(Req::get("/auth/me").key(&key)).await.status,
        StatusCode::OK
    );
    let r = app
        .send(
            Req::new(
                axum::http::Method::DELETE,
                &format!("/admin/rbac/roles/{id}"),
            )
            .key(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_error(
        &app.send(Req::get("/auth/me").key(&key)).await,
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
    );
    let listed = app
        .send(Req::get("/admin/rbac/roles?include_revoked=true").key(&admin))
        .await;
    assert_eq!(listed.body["total_count"], 2);
    let actions: Vec<_> = app
        .send(Req::get("/admin/audit?action=api_key.").key(&admin))
        .await
        .body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_owned(),
                e["actor"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0].0, "api_key.revoke");
    assert!(
        actions[0].1.starts_with("role-"),
        "the acting key is recorded"
    );
}

#[tokio::test]
async fn role_changes_apply_to_the_next_request() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let (id, key) = app.key_with_role(&admin, "viewer").await;
    assert_eq!(
        app.send(Req::get("/admin/audit").key(&key)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .send(
            Req::new(axum::http::Method::PUT, &format!("/admin/rbac/roles/{id}"))
                .key(&admin)
                .json(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        app.send(Req::get("/admin/audit").key(&key)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn bad_key_input_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    for body in [
        json!({"label": "", "role": "viewer"}),
        json!({"label": "x", "role": "root"}),
        json!({"role": "viewer"}),
    ] {
        let r = app
            .send(
                Req::post("/admin/rbac/roles")
                    .key(&admin)
                    .json(body.clone()),
            )
            .await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
        assert!(
            r.body["details"]["fields"]
                .as_object()
                .is_some_and(|f| !f.is_empty()),
            "{body}: {}",
            r.text
        );
    }
    let unknown = app
        .send(Req::get("/admin/rbac/roles/role-nope").key(&admin))
        .await;
    assert_error(&unknown, StatusCode::NOT_FOUND, "NOT_FOUND");
    let list = app.send(Req::get("/admin/rbac/roles").key(&admin)).await;
    assert_eq!(list.body["total_count"], 1, "no key was created");
}

#[tokio::test]
async fn the_environment_key_acts_as_admin() {
    let env_key = "an-automation-key-that-is-long-enough-1234";
    let app =
        TestApp::with_config(|c| c.env_api_key_hash = Some(agented_api::auth::keys::hash(env_key)))
            .await;
    let r = app
        .send(Req::get("/admin/rbac/roles").header("authorization", &format!("Bearer {env_key}")))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let status = app.send(Req::get("/health/auth-status")).await;
    assert_eq!(status.body["needs_setup"], false);
}

#[tokio::test]
async fn wrong_empty_and_malformed_keys_get_401() {
    let app = TestApp::new().await;
    app.admin_key().await;
    for key in ["agd_wrong", "", "   "] {
        let r = app.send(Req::get("/auth/me").key(key)).await;
        assert_error(&r, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    }
    let r = app
        .send(Req::get("/auth/me").header("authorization", "Basic Zm9vOmJhcg=="))
        .await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    let verify = app
        .send(Req::post("/health/verify-key").json(json!({"api_key": "agd_wrong"})))
        .await;
    assert_eq!(verify.body["valid"], false);
}

#[tokio::test]
async fn repeated_failed_authentication_is_rate_limited() {
    let app = TestApp::with_config(|c| c.rate_limits.auth_failures_per_minute = 3).await;
    app.admin_key().await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.send(Req::get("/auth/me").key("agd_wrong")).await.status);
    }
    assert_eq!(statuses[..3], [StatusCode::UNAUTHORIZED; 3]);
    assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn requests_per_key_are_rate_limited() {
    let app = TestApp::with_config(|c| c.rate_limits.per_key_per_minute = 2).await;
    let admin = app.admin_key().await;
    let statuses: Vec<_> =
        futures_util::future::join_all((0..3).map(|_| app.send(Req::get("/auth/me").key(&admin))))
            .await
            .into_iter()
            .map(|r| r.status)
            .collect();
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}
