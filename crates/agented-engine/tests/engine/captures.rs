//! Every parser over every real capture of its CLI. A new capture without expectations fails the
//! test, so captures cannot be added without being checked.

use agented_domain::agent_event::AgentEvent;
use agented_domain::Backend;

use crate::support::{captures, parse_capture, session_in, Capture};

const HELLO: &str = "Hello from the mock model";

/// Facts about a parsed capture.
struct Parsed {
    events: Vec<AgentEvent>,
}

impl Parsed {
    fn texts(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter_map(|e| match e {
                AgentEvent::AssistantText { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
    fn usage(&self) -> Vec<(u64, u64, u64, u64)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                AgentEvent::Usage {
                    input_tokens,
                    output_tokens,
                    cache_read_tokens,
                    cache_write_tokens,
                } => Some((
                    *input_tokens,
                    *output_tokens,
                    *cache_read_tokens,
                    *cache_write_tokens,
                )),
                _ => None,
            })
            .collect()
    }
    fn costs(&self) -> Vec<f64> {
        self.events
            .iter()
            .filter_map(|e| {
                if let AgentEvent::Cost { usd } = e {
                    Some(*usd)
                } else {
                    None
                }
            })
            .collect()
    }
    fn result(&self) -> (&str, bool) {
        let results: Vec<_> = self
            .events
            .iter()
            .filter_map(|e| match e {
                AgentEvent::Result { text, is_error } => Some((text.as_str(), *is_error)),
                _ => None,
            })
            .collect();
        assert_eq!(results.len(), 1, "exactly one result: {:?}", self.events);
        results[0]
    }
    /// (retrying rate limits, final rate limits)
    fn limits(&self) -> (usize, usize) {
        let retrying = self
            .events
            .iter()
            .filter(|e| matches!(e, AgentEvent::RateLimit { retrying: true, .. }))
            .count();
        let finals = self
            .events
            .iter()
            .filter(|e| e.is_final_rate_limit())
            .count();
        (retrying, finals)
    }
    fn final_limit(&self) -> (&str, Option<&str>, Option<u64>) {
        self.events
            .iter()
            .find_map(|e| match e {
                AgentEvent::RateLimit {
                    message,
                    resets_at,
                    retry_after_secs,
                    retrying: false,
                } => Some((message.as_str(), resets_at.as_deref(), *retry_after_secs)),
                _ => None,
            })
            .expect("a final rate limit")
    }
    fn tool_calls(&self) -> Vec<(&str, &str, &str)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                AgentEvent::ToolCall { id, name, input } => {
                    Some((id.as_str(), name.as_str(), input.as_str()))
                }
                _ => None,
            })
            .collect()
    }
    fn tool_results(&self) -> Vec<(&str, &str, bool)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                AgentEvent::ToolResult {
                    id,
                    output,
                    is_error,
                } => Some((id.as_str(), output.as_str(), *is_error)),
                _ => None,
            })
            .collect()
    }
    fn count(&self, kind: &str) -> usize {
        self.events.iter().filter(|e| e.kind() == kind).count()
    }
}

/// Checks that hold for every capture, then returns the parse for scenario-specific checks.
fn parse_checked(backend: Backend, capture: &Capture) -> Parsed {
    let parsed = Parsed {
        events: parse_capture(backend, capture),
    };
    let sessions: Vec<String> = parsed
        .events
        .iter()
        .filter_map(|e| {
            if let AgentEvent::SessionId { session_id } = e {
                Some(session_id.clone())
            } else {
                None
            }
        })
        .collect();
    let expected: Vec<String> = session_in(&capture.stdout).into_iter().collect();
    assert_eq!(
        sessions, expected,
        "{backend}/{}: session ids",
        capture.scenario
    );
    let (_, is_error) = parsed.result();
    assert_eq!(
        is_error,
        capture.exit != 0,
        "{backend}/{}: result error flag",
        capture.scenario
    );
    assert!(
        parsed.limits().1 <= 1,
        "{backend}/{}: at most one final rate limit",
        capture.scenario
    );
    if !capture.scenario.starts_with("ratelimit") {
        assert_eq!(
            parsed.limits(),
            (0, 0),
            "{backend}/{}: no rate limit",
            capture.scenario
        );
    }
    parsed
}

fn tool_round_trip(p: &Parsed, name: &str, input_has: &str, output: &str, is_error: bool) {
    let calls = p.tool_calls();
    let results = p.tool_results();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(calls[0].1, name);
    assert!(calls[0].2.contains(input_has), "{}", calls[0].2);
    assert!(
        serde_json::from_str::<serde_json::Value>(calls[0].2).is_ok(),
        "input is JSON"
    );
    assert_eq!(
        (results[0].0, results[0].1, results[0].2),
        (calls[0].0, output, is_error)
    );
}

#[test]
fn claude_captures() {
    for cap in captures("claude") {
        let p = parse_checked(Backend::Claude, &cap);
        assert_eq!(p.count("raw"), 0, "{}", cap.scenario);
        match cap.scenario.as_str() {
            "text" | "resume" | "text_partial" => {
                assert_eq!(p.texts(), [HELLO]);
                assert_eq!(p.usage(), [(120, 12, 0, 0)]);
                assert!((p.costs()[0] - 0.0009).abs() < 1e-9);
                assert_eq!(p.result(), (HELLO, false));
            }
            "text_json" => {
                assert!(p.texts().is_empty());
                assert_eq!(p.usage(), [(120, 12, 0, 0)]);
                assert_eq!(p.result(), (HELLO, false));
            }
            "tool" => {
                assert_eq!(
                    p.texts(),
                    ["I'll run the command.", "The tool returned: hi"]
                );
                tool_round_trip(&p, "Bash", "echo hi", "hi", false);
                assert_eq!(p.usage(), [(240, 24, 0, 0)]);
                assert_eq!(p.result(), ("The tool returned: hi", false));
            }
            "tool_denied" => {
                let results = p.tool_results();
                assert!(
                    results[0].1.contains("was blocked") && results[0].2,
                    "{results:?}"
                );
                assert!(!p.result().1);
            }
            "ratelimit" => {
                assert_eq!(p.limits(), (10, 1));
                let first_retry = p.events.iter().find_map(|e| match e {
                    AgentEvent::RateLimit {
                        retrying: true,
                        retry_after_secs,
                        ..
                    } => *retry_after_secs,
                    _ => None,
                });
                assert_eq!(first_retry, Some(1));
                assert!(p
                    .final_limit()
                    .0
                    .starts_with("API Error: Request rejected (429)"));
                assert!(
                    p.texts().is_empty(),
                    "the synthetic error message is not assistant text"
                );
            }
            "ratelimit_noretry" | "ratelimit_json" => {
                assert_eq!(p.limits(), (0, 1));
                assert!(p.result().0.contains("rate limit"));
            }
            "ratelimit_recover" => {
                assert_eq!(p.limits(), (1, 0));
                assert_eq!(p.result(), (HELLO, false));
            }
            other => panic!("claude capture {other} has no expectations"),
        }
    }
}

#[test]
fn codex_captures() {
    for cap in captures("codex") {
        let p = parse_checked(Backend::Codex, &cap);
        assert_eq!(p.count("raw"), 0, "{}", cap.scenario);
        assert_eq!(p.count("cost"), 0, "codex reports no cost");
        match cap.scenario.as_str() {
            "text" | "text_unknown_model" => {
                assert_eq!(p.texts(), [HELLO]);
                assert_eq!(p.usage(), [(120, 12, 0, 0)]);
                assert_eq!(p.result(), (HELLO, false));
                let warned = cap.scenario == "text_unknown_model";
                assert_eq!(p.count("error"), usize::from(warned));
            }
            "resume" => {
                // Codex reports usage cumulative for the thread: two single-call turns.
                assert_eq!(p.usage(), [(240, 24, 0, 0)]);
                assert_eq!(p.result(), (HELLO, false));
            }
            "tool" | "tool_sandboxed" => {
                tool_round_trip(&p, "command_execution", "echo hi", "hi\n", false);
                assert_eq!(p.result(), ("The tool returned: hi", false));
            }
            "ratelimit" => {
                assert_eq!(p.limits(), (5, 1));
                assert!(p.final_limit().0.contains("429 Too Many Requests"));
            }
            "ratelimit_recover" => {
                assert_eq!(p.limits(), (1, 0));
                assert_eq!(p.result(), (HELLO, false));
            }
            "ratelimit_usage_limit" => {
                assert_eq!(p.limits(), (0, 1));
                let (message, resets_at, retry_after) = p.final_limit();
                assert!(message.contains("hit your usage limit"));
                // "try again at 1:10 AM" is a local clock time: kept in the message only.
                assert_eq!((resets_at, retry_after), (None, None));
            }
            other => panic!("codex capture {other} has no expectations"),
        }
    }
}

#[test]
fn gemini_captures() {
    for cap in captures("gemini") {
        let p = parse_checked(Backend::Gemini, &cap);
        match cap.scenario.as_str() {
            "text" | "resume" | "resume_latest" | "ratelimit_recover" => {
                assert_eq!(p.texts(), [HELLO]);
                // Totals include Gemini's router call.
                assert_eq!(p.usage(), [(240, 24, 0, 0)]);
                assert_eq!(p.result(), (HELLO, false));
                let retries = usize::from(cap.scenario == "ratelimit_recover");
                assert_eq!(p.limits(), (retries, 0));
            }
            "text_json" => {
                // The single pretty-printed document is not stream-json: kept line by line.
                assert_eq!(
                    p.count("raw"),
                    cap.stdout.lines().filter(|l| !l.trim().is_empty()).count()
                );
                assert_eq!(p.result(), ("", false));
            }
            "tool" => {
                assert_eq!(
                    p.texts(),
                    ["I'll run the command.", "The tool returned: hi"]
                );
                tool_round_trip(&p, "run_shell_command", "echo hi", "hi", false);
                assert_eq!(p.result(), ("The tool returned: hi", false));
            }
            "tool_readfile" => {
                tool_round_trip(&p, "read_file", "hello.txt", "", false);
                assert_eq!(p.result(), ("The tool returned: hi from hello.txt", false));
            }
            "ratelimit" | "ratelimit_json" => {
                assert_eq!(cap.exit, 173);
                assert_eq!(p.limits(), (10, 1));
                assert!(p.final_limit().0.contains("exceeded your current quota"));
                assert_eq!(p.final_limit().2, Some(1), "'Please retry in 1s'");
            }
            other => panic!("gemini capture {other} has no expectations"),
        }
        if cap.scenario != "text_json" {
            assert_eq!(p.count("raw"), 0, "{}", cap.scenario);
        }
    }
}

#[test]
fn opencode_captures() {
    for cap in captures("opencode") {
        let p = parse_checked(Backend::Opencode, &cap);
        assert_eq!(p.count("raw"), 0, "{}", cap.scenario);
        match cap.scenario.as_str() {
            "text" | "resume" | "ratelimit_recover" => {
                assert_eq!(p.texts(), [HELLO]);
                assert_eq!(p.usage(), [(120, 12, 0, 0)]);
                assert_eq!(p.costs(), [0.000144]);
                assert_eq!(p.result(), (HELLO, false));
                // opencode's retries are silent: a recovered 429 leaves no trace in the stream.
                assert_eq!(p.limits(), (0, 0));
            }
            "tool" => {
                tool_round_trip(&p, "bash", "echo hi", "hi\n", false);
                assert_eq!(p.usage(), [(120, 12, 0, 0), (120, 12, 0, 0)]);
                assert_eq!(p.result(), ("The tool returned: hi", false));
            }
            "ratelimit" => {
                assert_eq!(p.limits(), (0, 1));
                let (message, _, retry_after) = p.final_limit();
                assert!(message.starts_with("Mock: Rate limit reached"));
                assert_eq!(
                    retry_after,
                    Some(1),
                    "from the retry-after header, not the text's 20s"
                );
                assert!(p.result().0.starts_with("Mock: Rate limit reached"));
            }
            other => panic!("opencode capture {other} has no expectations"),
        }
    }
}
