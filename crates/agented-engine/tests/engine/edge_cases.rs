//! Hand-made hostile input for every parser: truncated JSON, unknown event types, wrong field types,
//! non-JSON text, a 5 MB line and blank lines. None may panic; anything not understood is kept raw.

use agented_domain::agent_event::AgentEvent;
use agented_domain::Backend;
use agented_engine::adapters::adapter_for;

fn raw(line: &str) -> Vec<AgentEvent> {
    vec![AgentEvent::Raw {
        line: line.to_owned(),
    }]
}

#[test]
fn malformed_lines_become_raw_for_every_backend() {
    let lines = [
        r#"{"type":"result","subtype":"success","is_err"#,
        r#"{"type":"a_type_from_the_future","payload":{}}"#,
        r#"{"no_type_at_all":true}"#,
        r#"{"type":42}"#,
        "plain text from a confused CLI",
        "]]]",
        "\u{0}\u{1b}[31mcontrol characters",
    ];
    for backend in Backend::ALL {
        let mut parser = adapter_for(backend).new_parser();
        for line in lines {
            assert_eq!(parser.parse_line(line), raw(line), "{backend}: {line}");
        }
        let end = parser.finish(Some(0));
        assert!(
            matches!(&end[..], [AgentEvent::Result { .. }]),
            "{backend}: {end:?}"
        );
    }
}

#[test]
fn blank_lines_yield_nothing() {
    for backend in Backend::ALL {
        let mut parser = adapter_for(backend).new_parser();
        for line in ["", " ", "\t", "\r"] {
            assert!(parser.parse_line(line).is_empty(), "{backend}: {line:?}");
            assert!(
                parser.parse_stderr_line(line).is_empty(),
                "{backend}: {line:?}"
            );
        }
    }
}

#[test]
fn five_megabyte_lines_are_handled() {
    let garbage = "x".repeat(5 * 1024 * 1024);
    let big_text = "y".repeat(5 * 1024 * 1024);
    let valid = [
        (
            Backend::Claude,
            format!(
                r#"{{"type":"assistant","message":{{"content":[{{"type":"text","text":"{big_text}"}}]}}}}"#
            ),
        ),
        (
            Backend::Codex,
            format!(
                r#"{{"type":"item.completed","item":{{"id":"i","type":"agent_message","text":"{big_text}"}}}}"#
            ),
        ),
        (
            Backend::Gemini,
            format!(r#"{{"type":"message","role":"assistant","content":"{big_text}"}}"#),
        ),
        (
            Backend::Opencode,
            format!(r#"{{"type":"text","sessionID":"s","part":{{"text":"{big_text}"}}}}"#),
        ),
    ];
    for (backend, line) in valid {
        let mut parser = adapter_for(backend).new_parser();
        assert_eq!(parser.parse_line(&garbage).len(), 1, "{backend}");
        let events = parser.parse_line(&line);
        let text_len = events.iter().find_map(|e| match e {
            AgentEvent::AssistantText { text } => Some(text.len()),
            _ => None,
        });
        assert_eq!(text_len, Some(big_text.len()), "{backend}");
        assert!(parser.parse_stderr_line(&garbage).is_empty(), "{backend}");
        // A chunk of a split line (the supervisor cuts at 1 MiB) is just malformed JSON.
        assert_eq!(
            parser.parse_line(&line[..1024 * 1024]).len(),
            1,
            "{backend}"
        );
    }
}

#[test]
fn known_types_with_wrong_field_types_are_raw() {
    let cases = [
        (Backend::Claude, r#"{"type":"result","is_error":"yes"}"#),
        (Backend::Codex, r#"{"type":"thread.started","thread_id":7}"#),
        (Backend::Gemini, r#"{"type":"tool_use","tool_id":null}"#),
        (
            Backend::Opencode,
            r#"{"type":"step_finish","part":{"tokens":{"input":-5}}}"#,
        ),
    ];
    for (backend, line) in cases {
        let mut parser = adapter_for(backend).new_parser();
        assert_eq!(parser.parse_line(line), raw(line), "{backend}");
    }
}

#[test]
fn a_bare_429_never_means_rate_limit() {
    let lines = [
        "429",
        "error 429",
        "processed 429 files",
        r#"{"note":"HTTP 429 happened somewhere"}"#,
    ];
    for backend in Backend::ALL {
        let mut parser = adapter_for(backend).new_parser();
        for line in lines {
            let mut events = parser.parse_line(line);
            events.extend(parser.parse_stderr_line(line));
            assert!(
                !events.iter().any(|e| e.kind() == "rate_limit"),
                "{backend}: {line}"
            );
        }
        let end = parser.finish(Some(1));
        assert!(!end.iter().any(|e| e.kind() == "rate_limit"), "{backend}");
    }
}

#[test]
fn subscription_usage_limit_on_stderr_is_recognized_everywhere() {
    let line = "Claude AI usage limit reached|1795742041";
    for backend in Backend::ALL {
        let mut parser = adapter_for(backend).new_parser();
        let events = parser.parse_stderr_line(line);
        assert!(
            matches!(
                &events[..],
                [AgentEvent::RateLimit {
                    resets_at: Some(_),
                    retrying: false,
                    ..
                }]
            ),
            "{backend}: {events:?}"
        );
    }
}
