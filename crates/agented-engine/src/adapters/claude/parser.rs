//! Turns Claude Code's stream-json lines into [`AgentEvent`]s.
//!
//! Rate limits come from structured fields only: `system/api_retry` with `error_status: 429` (the CLI
//! is retrying), the synthetic assistant message with `error: "rate_limit"`, `result` with
//! `api_error_status: 429`, a subscription `rate_limit_event` with status `rejected`, and the
//! subscription "usage limit reached" wording on an error result. The `429` inside the result's text
//! is never read as a signal. stderr was empty in every capture; only the usage-limit wording is
//! looked for there.

use agented_domain::agent_event::AgentEvent;
use chrono::DateTime;

use super::wire::{
    AssistantEvent, ClaudeLine, ContentBlock, ResultEvent, SystemEvent, UserBlock, UserContent,
};
use crate::adapters::ratelimit::{subscription_limit, LimitSignal};
use crate::adapters::state::{raw, ParseState};
use crate::adapters::StreamParser;

/// The HTTP status Anthropic's API uses for rate limits.
const TOO_MANY_REQUESTS: u16 = 429;

/// Parser for one Claude Code run.
#[derive(Debug, Default)]
pub struct ClaudeParser {
    state: ParseState,
}

impl StreamParser for ClaudeParser {
    fn parse_line(&mut self, line: &str) -> Vec<AgentEvent> {
        if line.trim().is_empty() {
            return Vec::new();
        }
        let Ok(parsed) = serde_json::from_str::<ClaudeLine>(line) else {
            return raw(line);
        };
        let mut out = Vec::new();
        match parsed {
            ClaudeLine::System(event) => self.system(event, &mut out),
            ClaudeLine::Assistant(event) => self.assistant(event, &mut out),
            ClaudeLine::User(event) => {
                self.state.session(event.session_id.as_deref(), &mut out);
                if let UserContent::Blocks(blocks) = event.message.content {
                    for block in blocks {
                        if let UserBlock::ToolResult {
                            tool_use_id,
                            content,
                            is_error,
                        } = block
                        {
                            out.push(AgentEvent::ToolResult {
                                id: tool_use_id,
                                output: content.into_text(),
                                is_error,
                            });
                        }
                    }
                }
            }
            ClaudeLine::Result(event) => self.result(event, &mut out),
            ClaudeLine::StreamEvent(_) => {}
            ClaudeLine::RateLimitEvent(event) => {
                self.state.session(event.session_id.as_deref(), &mut out);
                let info = event.rate_limit_info;
                // `allowed` and `allowed_warning` are informational; only `rejected` stops work.
                if info.status.as_deref() == Some("rejected") {
                    let kind = info.rate_limit_type.as_deref().unwrap_or("subscription");
                    let signal = LimitSignal {
                        message: format!("Claude {kind} rate limit reached"),
                        resets_at: info.resets_at.and_then(|s| DateTime::from_timestamp(s, 0)),
                        retry_after_secs: None,
                    };
                    self.state.rate_limit(signal, false, &mut out);
                }
            }
            ClaudeLine::Unknown => return raw(line),
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

impl ClaudeParser {
    fn system(&mut self, event: SystemEvent, out: &mut Vec<AgentEvent>) {
        self.state.session(event.session_id.as_deref(), out);
        let is_retry = event.subtype.as_deref() == Some("api_retry");
        let limited = event.error_status == Some(TOO_MANY_REQUESTS)
            || event.error.as_deref() == Some("rate_limit");
        if is_retry && limited {
            let attempt = event
                .attempt
                .map_or_else(|| "?".to_owned(), |a| a.to_string());
            let max = event
                .max_retries
                .map_or_else(|| "?".to_owned(), |m| m.to_string());
            let signal = LimitSignal {
                message: format!("API rate limit (HTTP 429); Claude Code retry {attempt}/{max}"),
                resets_at: None,
                retry_after_secs: event
                    .retry_delay_ms
                    .filter(|ms| ms.is_finite() && *ms >= 0.0)
                    .map(|ms| (ms / 1000.0).ceil() as u64),
            };
            self.state.rate_limit(signal, true, out);
        }
    }

    fn assistant(&mut self, event: AssistantEvent, out: &mut Vec<AgentEvent>) {
        self.state.session(event.session_id.as_deref(), out);
        if let Some(kind) = event.error {
            // A synthetic message: its text is the API error, not something the model said.
            let text = event
                .message
                .content
                .into_iter()
                .filter_map(|b| match b {
                    ContentBlock::Text { text } => Some(text),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("\n");
            let message = if text.is_empty() {
                format!("API error: {kind}")
            } else {
                text
            };
            if kind == "rate_limit" {
                let signal = subscription_limit(&message)
                    .unwrap_or_else(|| LimitSignal::from_message(&message));
                self.state.rate_limit(signal, false, out);
            } else if let Some(signal) = subscription_limit(&message) {
                self.state.rate_limit(signal, false, out);
            } else {
                self.state.error(&message, out);
            }
            return;
        }
        for block in event.message.content {
            match block {
                ContentBlock::Text { text } => self.state.text(&text, out),
                ContentBlock::ToolUse { id, name, input } => {
                    out.push(AgentEvent::ToolCall {
                        id,
                        name,
                        input: input.to_string(),
                    });
                }
                ContentBlock::Other => {}
            }
        }
    }

    fn result(&mut self, event: ResultEvent, out: &mut Vec<AgentEvent>) {
        self.state.session(event.session_id.as_deref(), out);
        if let Some(usage) = event.usage {
            out.push(AgentEvent::Usage {
                input_tokens: usage.input_tokens,
                output_tokens: usage.output_tokens,
                cache_read_tokens: usage.cache_read_input_tokens,
                cache_write_tokens: usage.cache_creation_input_tokens,
            });
        }
        if let Some(usd) = event.total_cost_usd.filter(|usd| usd.is_finite()) {
            out.push(AgentEvent::Cost { usd });
        }
        let text = match event.result {
            Some(text) => text,
            None if !event.errors.is_empty() => event.errors.join("\n"),
            None => event.subtype.unwrap_or_default(),
        };
        if event.is_error {
            if event.api_error_status == Some(TOO_MANY_REQUESTS) {
                let signal =
                    subscription_limit(&text).unwrap_or_else(|| LimitSignal::from_message(&text));
                self.state.rate_limit(signal, false, out);
            } else if let Some(signal) = subscription_limit(&text) {
                self.state.rate_limit(signal, false, out);
            }
        }
        self.state.result(&text, event.is_error, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(lines: &[&str]) -> Vec<AgentEvent> {
        let mut parser = ClaudeParser::default();
        let mut out: Vec<_> = lines.iter().flat_map(|l| parser.parse_line(l)).collect();
        out.extend(parser.finish(Some(0)));
        out
    }

    #[test]
    fn subscription_rate_limit_event_reads_the_reset_time() {
        let line = r#"{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1795742041,"rateLimitType":"five_hour"},"session_id":"s1"}"#;
        let events = parse(&[line]);
        assert!(events.iter().any(|e| matches!(e, AgentEvent::RateLimit {
            resets_at: Some(t), retrying: false, ..
        } if t.starts_with("2026-11-27T"))));
        let allowed =
            r#"{"type":"rate_limit_event","rate_limit_info":{"status":"allowed","resetsAt":1}}"#;
        assert!(!parse(&[allowed]).iter().any(|e| e.kind() == "rate_limit"));
    }

    #[test]
    fn usage_limit_result_is_a_rate_limit_with_its_epoch() {
        let line = r#"{"type":"result","subtype":"success","is_error":true,"result":"Claude AI usage limit reached|1795742041","session_id":"s"}"#;
        let events = parse(&[line]);
        assert!(events.iter().any(|e| matches!(
            e,
            AgentEvent::RateLimit {
                resets_at: Some(_),
                ..
            }
        )));
    }

    #[test]
    fn a_429_in_plain_text_is_not_a_rate_limit() {
        let line = r#"{"type":"assistant","message":{"content":[{"type":"text","text":"HTTP 429 means too many requests"}]}}"#;
        let events = parse(&[line]);
        assert!(!events.iter().any(|e| e.kind() == "rate_limit"));
        assert!(events.contains(&AgentEvent::AssistantText {
            text: "HTTP 429 means too many requests".into()
        }));
    }

    #[test]
    fn malformed_and_unknown_lines_are_raw() {
        for line in [
            r#"{"type":"assistant","message":"#,
            r#"{"type":"brand_new"}"#,
            "not json",
            "[1,2]",
        ] {
            let mut parser = ClaudeParser::default();
            assert_eq!(
                parser.parse_line(line),
                vec![AgentEvent::Raw { line: line.into() }]
            );
        }
        assert!(ClaudeParser::default().parse_line("   ").is_empty());
    }

    #[test]
    fn error_subtypes_without_result_text_use_their_errors() {
        let line = r#"{"type":"result","subtype":"error_max_turns","is_error":true,"errors":["max turns"]}"#;
        let events = parse(&[line]);
        assert_eq!(
            events.last(),
            Some(&AgentEvent::Result {
                text: "max turns".into(),
                is_error: true
            })
        );
    }
}
