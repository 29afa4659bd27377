//! Runs across server stops: SIGTERM interrupts running agents cleanly; after `kill -9` the next
//! start ends the orphaned process group and marks the run interrupted with its stored lines.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::support::{client, setup, Server};

/// A fake `claude` that records its pid, ignores SIGPIPE (so it would outlive a dead server) and
/// prints a line every 50 ms forever.
fn stubborn_cli(dir: &Path) -> String {
    let path = dir.join("stubborn-claude");
    let pid_file = dir.join("stubborn.pid");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\ntrap '' PIPE\necho $$ > '{}'\ni=0\nwhile true; do echo \"tick $i\"; i=$((i+1)); sleep 0.05; done\n",
            pid_file.display()
        ),
    )
    .expect("write fake");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path.to_string_lossy().into_owned()
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

async fn start_run(server: &Server, key: &str) -> String {
    let r = client()
        .post(server.url("/admin/executions"))
        .header("x-api-key", key)
        .json(&serde_json::json!({"backend": "claude", "prompt": "tick forever"}))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), 202);
    let body: serde_json::Value = r.json().await.expect("json");
    body["execution_id"].as_str().expect("id").to_owned()
}

async fn run(server: &Server, key: &str, id: &str) -> serde_json::Value {
    client()
        .get(server.url(&format!("/admin/executions/{id}")))
        .header("x-api-key", key)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

async fn wait_for_lines(server: &Server, key: &str, id: &str, n: usize) -> serde_json::Value {
    for _ in 0..400 {
        let r = run(server, key, id).await;
        if r["logs"].as_array().is_some_and(|l| l.len() >= n) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("run {id} printed fewer than {n} lines");
}

#[tokio::test]
async fn after_kill_9_the_next_start_ends_the_orphan_and_marks_the_run_interrupted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let cli = stubborn_cli(dir.path());
    let env = [("AGENTED_CLAUDE_BIN", cli.as_str())];
    let mut server = Server::start(&data, &env);
    let key = setup(&server).await;
    let id = start_run(&server, &key).await;
    wait_for_lines(&server, &key, &id, 10).await;
    let pid: i32 = std::fs::read_to_string(dir.path().join("stubborn.pid"))
        .expect("pid")
        .trim()
        .parse()
        .expect("pid");
    // Give the writer time to store the lines printed so far (it flushes every 100 ms).
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.child.kill().expect("kill -9");
    let _ = server.child.wait();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        alive(pid),
        "the fake CLI ignores SIGPIPE, so it outlives the killed server"
    );

    let restarted = Server::start(&data, &env);
    let rec = run(&restarted, &key, &id).await;
    assert_eq!(rec["status"], "interrupted", "{rec}");
    let lines = rec["logs"].as_array().expect("logs");
    assert!(
        lines.len() >= 10,
        "lines stored before the crash are kept: {}",
        lines.len()
    );
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["seq"], i as u64 + 1);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !alive(pid),
        "the next start killed the orphaned process group"
    );
}

#[tokio::test]
async fn sigterm_stops_running_agents_and_marks_them_interrupted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let cli = stubborn_cli(dir.path());
    let env = [
        ("AGENTED_CLAUDE_BIN", cli.as_str()),
        ("AGENTED_KILL_GRACE_SECS", "2"),
    ];
    let server = Server::start(&data, &env);
    let key = setup(&server).await;
    let id = start_run(&server, &key).await;
    wait_for_lines(&server, &key, &id, 5).await;
    let pid: i32 = std::fs::read_to_string(dir.path().join("stubborn.pid"))
        .expect("pid")
        .trim()
        .parse()
        .expect("pid");
    let (status, logs) = server.terminate();
    assert!(status.success(), "{status:?}\n{logs}");
    assert!(!alive(pid), "the agent was stopped with the server");
    let restarted = Server::start(&data, &env);
    let rec = run(&restarted, &key, &id).await;
    assert_eq!(rec["status"], "interrupted", "{rec}");
    let last = rec["logs"]
        .as_array()
        .and_then(|l| l.last())
        .expect("lines");
    assert!(
        last["content"]
            .as_str()
            .is_some_and(|c| c.contains("shutting down")),
        "{last}"
    );
}

#[tokio::test]
async fn a_run_streams_over_real_http_sse_and_resumes_after_a_drop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let cli = dir.path().join("counting-claude");
    std::fs::write(&cli, "#!/bin/sh\ni=1\nwhile [ $i -le 200 ]; do echo \"line $i\"; i=$((i+1)); sleep 0.005; done\n").expect("write");
    std::fs::set_permissions(&cli, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let cli = cli.to_string_lossy().into_owned();
    let server = Server::start(&data, &[("AGENTED_CLAUDE_BIN", cli.as_str())]);
    let key = setup(&server).await;
    let id = start_run(&server, &key).await;
    let url = server.url(&format!("/admin/executions/{id}/stream"));

    // Read part of the stream, then drop the connection mid-run.
    let mut first = client()
        .get(&url)
        .header("x-api-key", &key)
        .send()
        .await
        .expect("stream");
    assert_eq!(first.status(), 200);
    let mut text = String::new();
    while !text.contains("id: 50\n") {
        let chunk = first.chunk().await.expect("chunk").expect("more");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(first);
    let seen: Vec<u64> = text
        .lines()
        .filter_map(|l| l.strip_prefix("id: "))
        .filter_map(|v| v.parse().ok())
        .collect();
    let last = *seen.last().expect("ids");

    // Reconnect with Last-Event-ID: the rest arrives, no line lost or repeated, then `complete`.
    let rest = client()
        .get(&url)
        .header("x-api-key", &key)
        .header("last-event-id", last.to_string())
        .send()
        .await
        .expect("resume")
        .text()
        .await
        .expect("body");
    let resumed: Vec<u64> = rest
        .lines()
        .filter_map(|l| l.strip_prefix("id: "))
        .filter_map(|v| v.parse().ok())
        .collect();
    assert_eq!(resumed.first(), Some(&(last + 1)));
    let all: Vec<u64> = seen.iter().chain(resumed.iter()).copied().collect();
    assert_eq!(
        all,
        (1..=all.len() as u64).collect::<Vec<_>>(),
        "consecutive ids across the drop"
    );
    assert_eq!(all.len(), 201, "200 lines and the exit line");
    assert!(rest.contains("event: complete"), "{rest}");
}
