//! End to end: a fake CLI replays a real capture (stdout, stderr and exit code) under the supervisor,
//! and the right adapter's parser reads what the supervisor delivers.

use agented_domain::agent_event::AgentEvent;
use agented_domain::Backend;
use agented_engine::adapters::{adapter_for, RunSpec};
use agented_engine::process::{spawn, RunOutcome, Stream};

use crate::support::{capture_dir, fake_cli, spec, test_limits};

/// Installs a fake `<cli>` that replays `scenario`, runs it through the adapter's argv and the
/// supervisor, and parses the output.
async fn replay(backend: Backend, scenario: &str) -> (Vec<AgentEvent>, RunOutcome) {
    let dir = tempfile::tempdir().unwrap();
    let data = capture_dir(backend.as_str());
    let path = |ext: &str| {
        data.join(format!("{scenario}.{ext}"))
            .to_string_lossy()
            .into_owned()
    };
    // Ignores the real CLI's arguments, like a mock binary on PATH would.
    let body = format!(
        "cat '{}'; cat '{}' >&2; exit $(cat '{}')",
        path("stdout.jsonl"),
        path("stderr.txt"),
        path("exit")
    );
    let exe = fake_cli(dir.path(), backend.as_str(), &body);
    let adapter = adapter_for(backend);
    let argv = adapter.build_argv(&RunSpec {
        executable: Some(exe),
        ..RunSpec::new("say hello")
    });
    let (run, mut lines) = spawn(spec(argv, test_limits())).unwrap();
    let mut parser = adapter.new_parser();
    let mut events = Vec::new();
    while let Some(line) = lines.recv().await {
        events.extend(match line.stream {
            Stream::Stdout => parser.parse_line(&line.content),
            Stream::Stderr => parser.parse_stderr_line(&line.content),
        });
    }
    let report = run.wait().await.unwrap();
    events.extend(parser.finish(report.exit_code));
    (events, report.outcome)
}

fn result(events: &[AgentEvent]) -> (String, bool) {
    let results: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::Result { text, is_error } => Some((text.clone(), *is_error)),
            _ => None,
        })
        .collect();
    assert_eq!(results.len(), 1, "{events:?}");
    results[0].clone()
}

#[tokio::test]
async fn claude_tool_run_replays_end_to_end() {
    let (events, outcome) = replay(Backend::Claude, "tool").await;
    assert_eq!(outcome, RunOutcome::Exited(0));
    assert!(events.contains(&AgentEvent::SessionId {
        session_id: "f1574f47-d3f4-4815-aad3-88814696f162".into()
    }));
    assert!(events
        .iter()
        .any(|e| matches!(e, AgentEvent::ToolCall { name, .. } if name == "Bash")));
    assert!(events.iter().any(|e| matches!(e, AgentEvent::Cost { .. })));
    assert_eq!(result(&events), ("The tool returned: hi".into(), false));
}

#[tokio::test]
async fn codex_rate_limit_replays_end_to_end() {
    let (events, outcome) = replay(Backend::Codex, "ratelimit").await;
    assert_eq!(outcome, RunOutcome::Exited(1));
    assert_eq!(events.iter().filter(|e| e.is_final_rate_limit()).count(), 1);
    assert!(result(&events).1);
}

#[tokio::test]
async fn gemini_exit_173_and_stderr_retries_replay_end_to_end() {
    let (events, outcome) = replay(Backend::Gemini, "ratelimit_json").await;
    assert_eq!(outcome, RunOutcome::Exited(173));
    let retries = events
        .iter()
        .filter(|e| matches!(e, AgentEvent::RateLimit { retrying: true, .. }))
        .count();
    assert_eq!(retries, 10);
    assert_eq!(events.iter().filter(|e| e.is_final_rate_limit()).count(), 1);
    assert!(result(&events).1);
}

#[tokio::test]
async fn opencode_text_run_replays_end_to_end() {
    let (events, outcome) = replay(Backend::Opencode, "text").await;
    assert_eq!(outcome, RunOutcome::Exited(0));
    assert!(events.contains(&AgentEvent::Usage {
        input_tokens: 120,
        output_tokens: 12,
        cache_read_tokens: 0,
        cache_write_tokens: 0
    }));
    assert_eq!(result(&events), ("Hello from the mock model".into(), false));
}
