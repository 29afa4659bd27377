//! A run from queue to final status: argv, version, tokens, cost, logs, failures.

use agented_domain::agent_event::AgentEvent;
use agented_domain::{ExecutionStatus, LogStream};

use crate::support::{assert_consecutive, capture, request, TestEngine};

#[tokio::test]
async fn a_claude_run_is_recorded_with_argv_usage_cost_session_and_every_line() {
    let cap = capture("claude", "text");
    let t = TestEngine::with_claude(&format!("cat '{}'", cap.display()), |_| {}).await;
    let rec = t
        .submit("say hello; $(rm -rf /) `echo pwned` \"quoted\"")
        .await;
    assert_eq!(rec.status, ExecutionStatus::Queued);
    let done = t.finished(&rec.id, 20).await;
    assert_eq!(
        done.status,
        ExecutionStatus::Success,
        "{:?}",
        done.error_message
    );
    let argv = done.argv.expect("argv stored");
    assert!(argv[0].ends_with("fake-claude"));
    // The prompt is one argv element, untouched (no shell ever sees it).
    assert!(
        argv.contains(&"say hello; $(rm -rf /) `echo pwned` \"quoted\"".to_owned()),
        "{argv:?}"
    );
    assert!(
        argv.contains(&"stream-json".to_owned()) || argv.iter().any(|a| a.contains("stream-json"))
    );
    assert_eq!((done.input_tokens, done.output_tokens), (120, 12));
    assert!(done.total_cost_usd.is_some_and(|c| c > 0.0));
    assert!(done.session_id.is_some());
    assert_eq!(done.exit_code, Some(0));
    assert!(done.started_at.is_some() && done.finished_at.is_some() && done.duration_ms.is_some());
    let lines = t.lines(&rec.id).await;
    assert_eq!(
        done.log_lines as usize,
        lines.len(),
        "the record counts every stored line"
    );
    assert_consecutive(&lines, 1);
    let expected = std::fs::read_to_string(&cap)
        .expect("capture")
        .lines()
        .count();
    let stdout: Vec<_> = lines
        .iter()
        .filter(|l| l.line.stream == LogStream::Stdout)
        .collect();
    assert_eq!(stdout.len(), expected);
    let texts: Vec<_> = lines
        .iter()
        .flat_map(|l| &l.events)
        .filter_map(|e| match e {
            AgentEvent::AssistantText { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Hello from the mock model")),
        "{texts:?}"
    );
    assert!(lines.last().is_some_and(
        |l| l.line.stream == LogStream::System && l.line.content.contains("exited with code 0")
    ));
}

#[tokio::test]
async fn a_rate_limited_claude_run_ends_rate_limited() {
    let cap = capture("claude", "ratelimit_noretry");
    let t = TestEngine::with_claude(&format!("cat '{}'; exit 1", cap.display()), |_| {}).await;
    let rec = t.submit("hello").await;
    let done = t.finished(&rec.id, 20).await;
    assert_eq!(
        done.status,
        ExecutionStatus::RateLimited,
        "{:?}",
        done.error_message
    );
    assert_eq!(done.exit_code, Some(1));
}

#[tokio::test]
async fn a_cli_that_prints_garbage_and_fails_is_failed_with_its_last_words() {
    let t = TestEngine::with_claude("echo 'not json {'; printf '\\377\\376 bad utf8\\n'; echo 'fatal: no credentials' >&2; exit 3", |_| {}).await;
    let rec = t.submit("hello").await;
    let done = t.finished(&rec.id, 20).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(done.exit_code, Some(3));
    let msg = done.error_message.expect("message");
    assert!(msg.contains("code 3"), "{msg}");
    let lines = t.lines(&rec.id).await;
    assert!(
        lines.iter().any(|l| l.line.content.contains('\u{FFFD}')),
        "invalid UTF-8 was replaced, not fatal"
    );
    assert!(lines
        .iter()
        .any(|l| l.line.stream == LogStream::Stderr && l.line.content.contains("no credentials")));
}

#[tokio::test]
async fn a_missing_executable_fails_the_run_with_a_clear_message() {
    let t = TestEngine::with_claude("true", |c| {
        c.executables
            .insert("claude".into(), "/nonexistent/claude".into());
    })
    .await;
    let rec = t.submit("hello").await;
    let done = t.finished(&rec.id, 20).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert!(
        done.error_message
            .as_deref()
            .is_some_and(|m| m.contains("/nonexistent/claude")),
        "{:?}",
        done.error_message
    );
}

#[tokio::test]
async fn the_log_cap_stops_storage_with_a_marker_and_keeps_draining() {
    let t = TestEngine::with_claude("i=0; while [ $i -lt 3000 ]; do echo \"line $i with some padding to fill the log quickly\"; i=$((i+1)); done", |c| {
        c.log_cap_bytes = 20_000;
    })
    .await;
    let rec = t.submit("hello").await;
    let done = t.finished(&rec.id, 30).await;
    assert_eq!(
        done.status,
        ExecutionStatus::Success,
        "the process was drained to its end"
    );
    let lines = t.lines(&rec.id).await;
    assert!(lines.len() < 600, "{} lines stored", lines.len());
    assert!(lines
        .iter()
        .any(|l| l.line.stream == LogStream::System && l.line.content.contains("log truncated")));
    assert_consecutive(&lines, 1);
}

#[tokio::test]
async fn queued_runs_respect_the_concurrency_limit_and_all_finish() {
    let t = TestEngine::with_claude("sleep 0.3; echo done", |c| c.max_concurrent_runs = 2).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(t.submit(&format!("run {i}")).await.id);
    }
    let mut max_seen = 0;
    loop {
        let active = t.store.active_execution_counts().await.expect("counts");
        let running: i64 = active.iter().map(|a| a.2).sum();
        max_seen = max_seen.max(running);
        let all_done = {
            let mut done = true;
            for id in &ids {
                done &= t
                    .store
                    .execution(id)
                    .await
                    .expect("run")
                    .status
                    .is_terminal();
            }
            done
        };
        if all_done {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(max_seen <= 2, "{max_seen} ran at once");
    for id in &ids {
        assert_eq!(
            t.store.execution(id).await.expect("run").status,
            ExecutionStatus::Success
        );
    }
}

#[tokio::test]
async fn a_working_dir_outside_the_workspace_is_refused_before_queueing() {
    let t = TestEngine::with_claude("pwd", |_| {}).await;
    for dir in ["../", "/etc", "sub/../../.."] {
        let mut req = request("hello");
        req.working_dir = Some(dir.into());
        let err = t.engine.submit(req).await.expect_err(dir);
        assert!(
            matches!(
                err,
                agented_engine::EngineError::Invalid {
                    field: "working_dir",
                    ..
                }
            ),
            "{dir}: {err}"
        );
    }
    let link = t.dir.path().join("workspace/escape");
    std::os::unix::fs::symlink("/etc", &link).expect("symlink");
    let mut req = request("hello");
    req.working_dir = Some("escape".into());
    assert!(
        t.engine.submit(req).await.is_err(),
        "a symlink out of the workspace is refused"
    );
    std::fs::create_dir_all(t.dir.path().join("workspace/project")).expect("mkdir");
    let mut req = request("hello");
    req.working_dir = Some("project".into());
    let rec = t.engine.submit(req).await.expect("inside is fine");
    let done = t.finished(&rec.id, 20).await;
    let lines = t.lines(&rec.id).await;
    assert!(
        lines[0].line.content.ends_with("/workspace/project"),
        "{:?}",
        lines[0].line.content
    );
    assert_eq!(done.status, ExecutionStatus::Success);
}

#[tokio::test]
async fn a_replay_reruns_the_stored_argv_as_a_linked_run() {
    let cap = capture("claude", "text");
    let t = TestEngine::with_claude(&format!("cat '{}'", cap.display()), |_| {}).await;
    let first = t.submit("say hello").await;
    let first = t.finished(&first.id, 20).await;
    let replay = t.engine.replay(&first.id, None).await.expect("replay");
    let replay = t.finished(&replay.id, 20).await;
    assert_eq!(replay.replay_of.as_deref(), Some(first.id.as_str()));
    assert_eq!(replay.argv, first.argv);
    assert_eq!(replay.trigger_type, "replay");
    assert_eq!(replay.status, ExecutionStatus::Success);
}

#[tokio::test]
async fn a_run_with_not_before_waits_until_then_and_per_backend_limits_hold() {
    let t = TestEngine::with_claude("sleep 0.2; echo done", |c| {
        c.max_runs_per_backend.insert("claude".into(), 1);
    })
    .await;
    let later = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let rec = t
        .store
        .enqueue_execution(agented_store::NewExecution {
            id: "exec-notbefore1".into(),
            trigger_type: "api".into(),
            backend: "claude".into(),
            prompt: "later".into(),
            not_before: Some(agented_domain::time::to_rfc3339(later)),
            timeout_secs: 60,
            ..Default::default()
        })
        .await
        .expect("enqueue");
    t.engine.wake();
    let a = t.submit("a").await;
    let b = t.submit("b").await;
    // Per-backend limit 1: a and b never overlap.
    let mut overlap = false;
    loop {
        let (ra, rb) = (
            t.store.execution(&a.id).await.expect("a"),
            t.store.execution(&b.id).await.expect("b"),
        );
        overlap |= !ra.status.is_terminal()
            && ra.status != ExecutionStatus::Queued
            && rb.status == ExecutionStatus::Running;
        if ra.status.is_terminal() && rb.status.is_terminal() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        !overlap,
        "two claude runs ran at once despite the limit of 1"
    );
    let before = t.store.execution(&rec.id).await.expect("run");
    if chrono::Utc::now() < later {
        assert_eq!(
            before.status,
            ExecutionStatus::Queued,
            "not started before not_before"
        );
    }
    let done = t.finished(&rec.id, 20).await;
    let started = done
        .started_at
        .and_then(|s| agented_domain::time::parse_rfc3339(&s))
        .expect("started");
    assert!(started >= later, "started at {started}, not before {later}");
    assert_eq!(done.status, ExecutionStatus::Success);
}
