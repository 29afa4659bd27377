//! A test app on a fresh database, and typed request helpers.

use std::net::SocketAddr;

use agented_api::{ApiConfig, AppState};
use agented_store::{Store, StoreConfig};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const SECRET: &[u8] = b"test-secret-key-with-at-least-32-bytes!!";

/// The fake `claude`: prints the recorded `text` capture line by line, slowly enough to watch.
const FAKE_CLAUDE: &str = concat!(
    "#!/bin/sh\n",
    "while IFS= read -r line; do printf '%s\\n' \"$line\"; sleep 0.02; done <<'EOF'\n",
    include_str!("../../../agented-engine/tests/data/cli-streams/claude/text.stdout.jsonl"),
    "EOF\n"
);

pub struct TestApp {
    pub state: AppState,
    pub dir: tempfile::TempDir,
    _stop: tokio::sync::watch::Sender<bool>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: serde_json::Value,
    pub text: String,
}

/// A request being built.
pub struct Req {
    builder: axum::http::request::Builder,
    body: Body,
    peer: Option<SocketAddr>,
}

impl Req {
    pub fn new(method: Method, uri: &str) -> Req {
        Req {
            builder: Request::builder()
                .method(method)
                .uri(uri)
                .header("host", "localhost:20000"),
            body: Body::empty(),
            peer: Some("127.0.0.1:50000".parse().expect("addr")),
        }
    }
    pub fn get(uri: &str) -> Req {
        Req::new(Method::GET, uri)
    }
    pub fn post(uri: &str) -> Req {
        Req::new(Method::POST, uri)
    }
    pub fn key(self, key: &str) -> Req {
        self.header("x-api-key", key)
    }
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.builder = self.builder.header(name, value);
        self
    }
    pub fn json(mut self, value: serde_json::Value) -> Req {
        self.builder = self.builder.header("content-type", "application/json");
        self.body = Body::from(value.to_string());
        self
    }
    pub fn raw_body(mut self, content_type: &str, bytes: Vec<u8>) -> Req {
        self.builder = self.builder.header("content-type", content_type);
        self.body = Body::from(bytes);
        self
    }
    pub fn peer(mut self, peer: &str) -> Req {
        self.peer = Some(peer.parse().expect("addr"));
        self
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with_config(|_| {}).await
    }

    pub async fn with_config(tweak: impl FnOnce(&mut ApiConfig)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::connect(&StoreConfig::sqlite(&dir.path().join("agented.db")))
            .await
            .expect("store");
        store.migrate(None).await.expect("migrate");
        store.seed().await.expect("seed");
        let mut config = ApiConfig::for_tests(SECRET);
        tweak(&mut config);
        // `claude` is a fake that replays a recorded capture; tests can overwrite the script.
        let fake = dir.path().join("fake-claude");
        std::fs::write(&fake, FAKE_CLAUDE).expect("fake cli");
        std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        let workspace = dir.path().join("workspace");
        std::fs::create_dir_all(&workspace).expect("workspace");
        let mut engine_config = agented_engine::EngineConfig {
            workspace_root: workspace,
            ..Default::default()
        };
        engine_config.executables.insert("claude".into(), fake);
        let engine = agented_engine::Engine::new(store.clone(), engine_config);
        engine.start().await.expect("engine");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        TestApp {
            state: AppState::new(store, engine, config, stopped),
            dir,
            _stop: stop,
        }
    }

    /// Replaces the fake `claude` script's body.
    pub fn fake_claude(&self, body: &str) {
        std::fs::write(
            self.dir.path().join("fake-claude"),
            format!("#!/bin/sh\n{body}\n"),
        )
        .expect("write fake");
    }

    /// Sends a request and returns the raw response (for streams).
    pub async fn raw(&self, req: Req) -> axum::response::Response {
        let mut request = req.builder.body(req.body).expect("request");
        if let Some(peer) = req.peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        agented_api::app(self.state.clone())
            .oneshot(request)
            .await
            .expect("infallible")
    }

    pub async fn send(&self, req: Req) -> Reply {
        let mut request = req.builder.body(req.body).expect("request");
        if let Some(peer) = req.peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        let response = agented_api::app(self.state.clone())
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    /// Runs setup and returns the admin key.
    pub async fn admin_key(&self) -> String {
        let r = self.send(Req::post("/health/setup")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["api_key"].as_str().expect("api_key").to_owned()
    }

    /// Creates a key with `role` using `admin` and returns (id, key).
    pub async fn key_with_role(&self, admin: &str, role: &str) -> (String, String) {
        let r = self
            .send(
                Req::post("/admin/rbac/roles")
                    .key(admin)
                    .json(serde_json::json!({"label": role, "role": role})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        (
            r.body["id"].as_str().expect("id").to_owned(),
            r.body["api_key"].as_str().expect("key").to_owned(),
        )
    }

    /// Logs in with `key` and returns the cookie pair `agented_session=…`.
    pub async fn login(&self, key: &str) -> String {
        let r = self
            .send(Req::post("/auth/login").json(serde_json::json!({"api_key": key})))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let cookie = r
            .headers
            .get("set-cookie")
            .expect("cookie")
            .to_str()
            .expect("ascii");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        cookie.split(';').next().expect("pair").to_owned()
    }
}

/// Asserts the unified error body with `code` and a request id equal to the header's.
pub fn assert_error(r: &Reply, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.body["code"], code, "{}", r.text);
    assert_eq!(r.body["message"], r.body["error"]);
    let header = r
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("request id header");
    assert_eq!(r.body["request_id"], header, "{}", r.text);
}
