//! Turns `opencode run --format json` lines into [`AgentEvent`]s.
//!
//! opencode prints no final event: the process just exits, so `finish` builds the `Result` from the
//! last text (or the error). Usage and cost come per model call in `step_finish`; a cost of 0 means
//! "no price configured" and is not reported. A rate limit is an `error` event whose
//! `data.statusCode` is 429 (a structured field, after opencode's silent retries), with the wait from
//! the provider's `retry-after` header; the subscription "usage limit" wording is also recognized.

use agented_domain::agent_event::AgentEvent;

use super::wire::{ErrorBody, OpencodeEvent, OpencodeLine};
use crate::adapters::ratelimit::{parse_duration, subscription_limit, LimitSignal};
use crate::adapters::state::{raw, ParseState};
use crate::adapters::StreamParser;

/// The HTTP status providers use for rate limits.
const TOO_MANY_REQUESTS: u16 = 429;

/// Parser for one opencode run.
#[derive(Debug, Default)]
pub struct OpencodeParser {
    state: ParseState,
}

impl StreamParser for OpencodeParser {
    fn parse_line(&mut self, line: &str) -> Vec<AgentEvent> {
        if line.trim().is_empty() {
            return Vec::new();
        }
        let Ok(parsed) = serde_json::from_str::<OpencodeLine>(line) else {
            return raw(line);
        };
        if matches!(parsed.event, OpencodeEvent::Unknown) {
            return raw(line);
        }
        let mut out = Vec::new();
        self.state.session(parsed.session_id.as_deref(), &mut out);
        match parsed.event {
            OpencodeEvent::StepStart | OpencodeEvent::Reasoning | OpencodeEvent::Unknown => {}
            OpencodeEvent::Text { part } => self.state.text(&part.text, &mut out),
            OpencodeEvent::ToolUse { part } => {
                let id = part.call_id;
                out.push(AgentEvent::ToolCall {
                    id: id.clone(),
                    name: part.tool,
                    input: part.state.input.to_string(),
                });
                match part.state.status.as_str() {
                    "completed" => out.push(AgentEvent::ToolResult {
                        id,
                        output: part.state.output.unwrap_or_default(),
                        is_error: false,
                    }),
                    "error" => out.push(AgentEvent::ToolResult {
                        id,
                        output: part.state.error.or(part.state.output).unwrap_or_default(),
                        is_error: true,
                    }),
                    // pending / running: the call is reported, its result has not happened yet.
                    _ => {}
                }
            }
            OpencodeEvent::StepFinish { part } => {
                out.push(AgentEvent::Usage {
                    input_tokens: part.tokens.input,
                    output_tokens: part.tokens.output,
                    cache_read_tokens: part.tokens.cache.read,
                    cache_write_tokens: part.tokens.cache.write,
                });
                if let Some(usd) = part.cost.filter(|usd| usd.is_finite() && *usd > 0.0) {
                    out.push(AgentEvent::Cost { usd });
                }
            }
            OpencodeEvent::Error { error } => self.error(error, &mut out),
        }
        out
    }

    fn parse_stderr_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let mut out = Vec::new();
        if let Some(signal) = subscription_limit(line) {
            self.state.rate_limit(signal, false, &mut out);
        }
        out
    }

    fn finish(&mut self, exit_code: Option<i32>) -> Vec<AgentEvent> {
        let mut out = Vec::new();
        self.state.finish(exit_code, &mut out);
        out
    }
}

impl OpencodeParser {
    fn error(&mut self, error: ErrorBody, out: &mut Vec<AgentEvent>) {
        let message = error
            .data
            .message
            .or(error.name)
            .unwrap_or_else(|| "opencode reported an error".to_owned());
        if error.data.status_code == Some(TOO_MANY_REQUESTS) {
            let mut signal =
                subscription_limit(&message).unwrap_or_else(|| LimitSignal::from_message(&message));
            // `retry-after` is seconds (or an HTTP date, which is left alone).
            let header = error
                .data
                .response_headers
                .get("retry-after")
                .and_then(|v| v.as_str());
            if let Some(secs) = header.and_then(|h| h.trim().parse::<u64>().ok()) {
                signal.retry_after_secs = Some(secs);
            } else if signal.retry_after_secs.is_none() {
                signal.retry_after_secs = header.and_then(parse_duration);
            }
            self.state.rate_limit(signal, false, out);
        } else if let Some(signal) = subscription_limit(&message) {
            self.state.rate_limit(signal, false, out);
        } else {
            self.state.error(&message, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_429_errors_are_errors_even_when_the_text_mentions_429() {
        let mut parser = OpencodeParser::default();
        let line = r#"{"type":"error","sessionID":"ses_1","error":{"name":"APIError","data":{"message":"upstream said 429 once","statusCode":500}}}"#;
        let events = parser.parse_line(line);
        assert!(events.contains(&AgentEvent::Error {
            message: "upstream said 429 once".into()
        }));
        assert!(!events.iter().any(|e| e.kind() == "rate_limit"));
        let end = parser.finish(Some(1));
        assert_eq!(
            end,
            vec![AgentEvent::Result {
                text: "upstream said 429 once".into(),
                is_error: true
            }]
        );
    }

    #[test]
    fn pending_tool_is_a_call_without_a_result() {
        let mut parser = OpencodeParser::default();
        let line = r#"{"type":"tool_use","sessionID":"s","part":{"type":"tool","tool":"bash","callID":"c1","state":{"status":"running","input":{"command":"ls"}}}}"#;
        let events = parser.parse_line(line);
        assert!(
            matches!(&events[..], [AgentEvent::SessionId { .. }, AgentEvent::ToolCall { input, .. }] if input == r#"{"command":"ls"}"#)
        );
    }

    #[test]
    fn unknown_types_and_broken_lines_are_raw() {
        let mut parser = OpencodeParser::default();
        for line in [
            r#"{"type":"snapshot","sessionID":"s"}"#,
            r#"{"type":"text","part":{"text":"#,
            "plain",
        ] {
            assert_eq!(
                parser.parse_line(line),
                vec![AgentEvent::Raw { line: line.into() }]
            );
        }
    }
}
