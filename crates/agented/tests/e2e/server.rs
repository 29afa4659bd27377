//! The server as an operator meets it: first start, restarts, shutdown, logs, bad databases.

use std::io::{Read, Write};

use crate::support::{client, run, setup, Server};

#[tokio::test]
async fn a_fresh_start_creates_the_data_folder_database_and_secret_key_and_explains_setup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let banner = server.stdout();
    assert!(
        banner.contains("listening on http://127.0.0.1:"),
        "{banner}"
    );
    assert!(
        banner.contains("agented keys create --role admin"),
        "{banner}"
    );
    assert!(banner.contains("/health/setup"), "{banner}");
    assert!(data.join("agented.db").is_file());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(data.join("secret.key"))
        .expect("secret")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let r = client()
        .get(server.url("/health/liveness"))
        .send()
        .await
        .expect("liveness");
    assert_eq!(r.status(), 200);
    setup(&server).await;
    let (status, logs) = server.terminate();
    assert!(status.success(), "exit {status:?}\n{logs}");
    // Once a key exists the hint is gone.
    let again = Server::start(&data, &[]);
    assert!(!again.stdout().contains("No API key exists yet"));
}

#[tokio::test]
async fn a_session_issued_before_a_restart_is_still_valid_after_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let key = setup(&server).await;
    let login = client()
        .post(server.url("/auth/login"))
        .json(&serde_json::json!({"api_key": key}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let (status, _) = server.terminate();
    assert!(status.success());

    let restarted = Server::start(&data, &[]);
    let me = client()
        .get(restarted.url("/auth/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("me");
    assert_eq!(
        me.status(),
        200,
        "the secret key was reused, so the session survives"
    );
}

#[tokio::test]
async fn sigterm_lets_an_in_flight_request_finish_and_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    // Start a request and leave its body unfinished: it is in flight when SIGTERM arrives.
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    let body = r#"{"api_key":"agd_not_a_real_key"}"#;
    write!(
        stream,
        "POST /health/verify-key HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..5]
    )
    .expect("write head");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let pid = server.child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    std::thread::sleep(std::time::Duration::from_millis(200));
    stream
        .write_all(&body.as_bytes()[5..])
        .expect("finish body");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"valid\":false"));
    let (status, logs) = server.terminate();
    assert!(status.success(), "{status:?}\n{logs}");
    assert!(
        logs.contains("shutting down") && logs.contains("stopped"),
        "{logs}"
    );
}

#[tokio::test]
async fn logs_are_json_lines_with_request_ids_and_never_contain_keys_or_cookies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let server = Server::start(&data, &[("AGENTED_LOG_FORMAT", "json")]);
    let key = setup(&server).await;
    let c = client();
    let r = c
        .get(server.url("/admin/rbac/roles"))
        .header("x-api-key", &key)
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .expect("list");
    assert_eq!(r.status(), 200);
    let login = c
        .post(server.url("/auth/login"))
        .json(&serde_json::json!({"api_key": key}))
        .send()
        .await
        .expect("login");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let session = cookie
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("value");
    c.get(server.url("/auth/me"))
        .header("cookie", format!("agented_session={session}"))
        .send()
        .await
        .expect("me");
    c.get(server.url("/auth/me"))
        .header("authorization", format!("Bearer {key}"))
        .send()
        .await
        .expect("bearer");
    let (_, logs) = server.terminate();
    assert!(!logs.contains(&key), "the API key leaked into the logs");
    assert!(
        !logs.contains(&session),
        "the session cookie leaked into the logs"
    );
    let mut access_lines = 0;
    for line in logs.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if v["target"] == "agented::access" {
            access_lines += 1;
            assert!(v["span"]["request_id"].is_string(), "{line}");
            assert!(
                v["status"].is_number() && v["duration_ms"].is_number() && v["key_id"].is_string(),
                "{line}"
            );
        }
    }
    assert!(access_lines >= 4, "{logs}");
    assert!(
        logs.contains("\"request_id\":\"trace-me-1\""),
        "the client's request id is on its lines"
    );
}

#[tokio::test]
async fn a_header_injection_attempt_in_x_request_id_is_not_echoed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("data"), &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    for id in [
        "abc\r\nSet-Cookie: pwned=1",
        "abc%0d%0aSet-Cookie:%20pwned=1",
        "abc\rSet-Cookie: pwned=1",
    ] {
        let mut s = std::net::TcpStream::connect(&addr).expect("connect");
        write!(s, "GET /health/liveness HTTP/1.1\r\nHost: {addr}\r\nX-Request-ID: {id}\r\nConnection: close\r\n\r\n")
            .expect("write");
        let mut response = String::new();
        s.read_to_string(&mut response).expect("read");
        let lower = response.to_lowercase();
        // Whatever the client smuggles, the response never gains a header from it: a CR/LF pair
        // merely ends the client's header (so "abc" is a sane id and echoed), a bare CR is
        // refused by the HTTP parser, and percent-encoding stays inert text.
        assert!(
            !lower.lines().any(|l| l.starts_with("set-cookie")),
            "{id:?} produced a Set-Cookie:\n{response}"
        );
        assert!(
            response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.1 400"),
            "{response}"
        );
    }
}

#[tokio::test]
async fn a_key_revoked_with_the_cli_is_refused_by_the_running_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let (status, out, err) = run(
        &data,
        &[],
        &["keys", "create", "--role", "viewer", "--label", "ci"],
    );
    assert!(status.success(), "{out}{err}");
    let key = out
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("agd_"))
        .expect("key printed")
        .to_owned();
    let id = out
        .split_whitespace()
        .find(|w| w.starts_with("role-"))
        .expect("id")
        .to_owned();
    let me = client()
        .get(server.url("/auth/me"))
        .header("x-api-key", &key)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200);
    let (status, out, _) = run(&data, &[], &["keys", "revoke", &id]);
    assert!(status.success() && out.contains("Revoked"), "{out}");
    // Revoked behind the server's back: refused once its short credential cache expires (1 s);
    // revocations through the API apply to the very next request (see the API tests).
    let revoked_at = std::time::Instant::now();
    loop {
        let me = client()
            .get(server.url("/auth/me"))
            .header("x-api-key", &key)
            .send()
            .await
            .expect("me");
        if me.status() == 401 {
            break;
        }
        assert!(
            revoked_at.elapsed() < std::time::Duration::from_secs(3),
            "still accepted after 3 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_corrupt_database_stops_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::write(data.join("agented.db"), vec![0x13u8; 16384]).expect("garbage");
    let (status, _, err) = run(&data, &[], &["serve"]);
    assert!(!status.success());
    assert!(err.contains("not a database"), "{err}");
}

#[tokio::test]
async fn a_database_from_a_newer_agented_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let (status, _, err) = run(&data, &[], &["migrate"]);
    assert!(status.success(), "{err}");
    let url = format!("sqlite://{}", data.join("agented.db").display());
    sqlx_insert_future_migration(&url).await;
    let (status, _, err) = run(&data, &[], &["serve"]);
    assert!(!status.success());
    assert!(err.contains("newer than this binary"), "{err}");
}

async fn sqlx_insert_future_migration(url: &str) {
    // The test reaches into the file the way a newer binary would have left it.
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO schema_migrations VALUES (999,'future','x','now')\"); c.commit()",
            url.trim_start_matches("sqlite://"),
        ])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
