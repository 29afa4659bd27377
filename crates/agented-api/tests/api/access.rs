//! The gate, walked over every route in the OpenAPI document: 401 without credentials (except the
//! public allowlist), 403 for a role below the route's, and public routes reachable anonymously.

use std::collections::BTreeSet;

use agented_api::auth::policy::{Access, ROUTES};
use axum::http::{Method, StatusCode};

use crate::support::{assert_error, Req, TestApp};

/// Every (method, path, x-required-role) in the document.
fn operations() -> Vec<(Method, String, String)> {
    let doc = serde_json::to_value(agented_api::openapi_document()).expect("doc");
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let Ok(m) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            let role = op["x-required-role"]
                .as_str()
                .unwrap_or("missing")
                .to_owned();
            out.push((m, path.clone(), role));
        }
    }
    out
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "role-doesnotexist")
}

#[test]
fn the_route_table_and_the_openapi_document_list_the_same_operations() {
    let documented: BTreeSet<(String, String)> = operations()
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), p))
        .collect();
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(documented, table);
    assert!(operations()
        .iter()
        .all(|(_, _, role)| role != "unlisted" && role != "missing"));
}

#[test]
fn the_document_is_openapi_3_1() {
    let doc = serde_json::to_value(agented_api::openapi_document()).expect("doc");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3.1"));
}

#[tokio::test]
async fn every_protected_route_answers_401_without_credentials() {
    let app = TestApp::new().await;
    app.admin_key().await;
    for (method, path, role) in operations() {
        let r = app.send(Req::new(method.clone(), &concrete(&path))).await;
        if role == "public" {
            assert_ne!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} is public: {}",
                r.text
            );
            assert_ne!(
                r.status,
                StatusCode::NOT_FOUND,
                "{method} {path} must exist: {}",
                r.text
            );
        } else {
            assert_error(&r, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
        }
    }
}

#[tokio::test]
async fn every_route_refuses_a_role_below_its_own_with_403() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let mut keys = std::collections::HashMap::new();
    for role in ["viewer", "operator", "editor"] {
        keys.insert(role, app.key_with_role(&admin, role).await.1);
    }
    let below = |role: &str| match role {
        "operator" => Some("viewer"),
        "editor" => Some("operator"),
        "admin" => Some("editor"),
        _ => None,
    };
    let mut checked = 0;
    for (method, path, role) in operations() {
        let Some(lower) = below(&role) else { continue };
        let r = app
            .send(Req::new(method.clone(), &concrete(&path)).key(&keys[lower]))
            .await;
        assert_error(&r, StatusCode::FORBIDDEN, "FORBIDDEN");
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} routes were checked");
    // Each denial is audited with the acting key.
    let audit = app
        .send(Req::get("/admin/audit?action=rbac.denied").key(&admin))
        .await;
    assert_eq!(audit.body["total_count"], checked);
}

#[tokio::test]
async fn the_route_rule_matches_the_role_that_is_let_through() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let (_, viewer) = app.key_with_role(&admin, "viewer").await;
    for rule in ROUTES
        .iter()
        .filter(|r| r.method == "GET" && !r.path.contains('{'))
    {
        let key = match rule.access {
            Access::Role(agented_domain::Role::Viewer) => &viewer,
            Access::Role(_) => &admin,
            Access::Public(_) => continue,
        };
        let r = app.send(Req::get(rule.path).key(key)).await;
        // Let through: success, or the route's own answer to missing parameters (422).
        assert!(
            r.status.is_success() || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "GET {} with the right role: {} {}",
            rule.path,
            r.status,
            r.text
        );
    }
}

#[tokio::test]
async fn paths_match_with_and_without_a_trailing_slash() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    assert_eq!(
        app.send(Req::get("/health/liveness/")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.send(Req::get("/admin/rbac/roles/").key(&admin))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.send(Req::get("/admin/rbac/roles/")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn before_setup_protected_routes_fail_closed_and_point_to_setup() {
    let app = TestApp::new().await;
    let r = app.send(Req::get("/admin/rbac/roles")).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    assert!(
        r.body["message"]
            .as_str()
            .expect("msg")
            .contains("/health/setup"),
        "{}",
        r.text
    );
    let status = app.send(Req::get("/health/auth-status")).await;
    assert_eq!(
        status.body,
        serde_json::json!({"needs_setup": true, "auth_required": true, "authenticated": false})
    );
}
