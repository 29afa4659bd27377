//! Turns `codex exec --json` lines into [`AgentEvent`]s.
//!
//! Codex has no final-answer event: `turn.completed` ends a good run (its text is the last agent
//! message) and `turn.failed` a bad one. Rate limits are read from the messages of `error` and
//! `turn.failed` events only, by Codex's own wording: "Reconnecting... n/m (…)" while it retries and
//! "… last status: 429 Too Many Requests" when it gives up (a status phrase, never a bare `429`), and
//! the ChatGPT-plan "You've hit your usage limit" / `usage_limit_reached`. Codex reports no cost.

use std::collections::HashSet;

use agented_domain::agent_event::AgentEvent;

use super::wire::{CodexLine, Item, ItemDetails};
use crate::adapters::ratelimit::{subscription_limit, LimitSignal};
use crate::adapters::state::{raw, ParseState};
use crate::adapters::StreamParser;

/// Codex's wording for an HTTP 429 that made it retry or give up.
const STATUS_429: &str = "status: 429 too many requests";
/// OpenAI's standard 429 body text.
const OPENAI_RATE_LIMIT: &str = "rate limit reached for";

/// Parser for one Codex run.
#[derive(Debug, Default)]
pub struct CodexParser {
    state: ParseState,
    /// Tool items whose `ToolCall` was already reported (from `item.started`).
    started: HashSet<String>,
}

/// Classifies a Codex error message: `Some((signal, retrying))` if it is a rate or usage limit.
pub(crate) fn classify(message: &str) -> Option<(LimitSignal, bool)> {
    if let Some(signal) = subscription_limit(message) {
        return Some((signal, false));
    }
    let lower = message.to_ascii_lowercase();
    if lower.contains(STATUS_429) || lower.contains(OPENAI_RATE_LIMIT) {
        let retrying = message.starts_with("Reconnecting...");
        return Some((LimitSignal::from_message(message), retrying));
    }
    None
}

impl StreamParser for CodexParser {
    fn parse_line(&mut self, line: &str) -> Vec<AgentEvent> {
        if line.trim().is_empty() {
            return Vec::new();
        }
        let Ok(parsed) = serde_json::from_str::<CodexLine>(line) else {
            return raw(line);
        };
        let mut out = Vec::new();
        match parsed {
            CodexLine::ThreadStarted { thread_id } => {
                self.state.session(Some(&thread_id), &mut out)
            }
            CodexLine::TurnStarted | CodexLine::ItemUpdated => {}
            CodexLine::ItemStarted { item } => self.tool_call(&item, &mut out),
            CodexLine::ItemCompleted { item } => {
                if matches!(item.details, ItemDetails::Unknown) {
                    return raw(line);
                }
                self.item_completed(item, &mut out);
            }
            CodexLine::TurnCompleted { usage } => {
                out.push(AgentEvent::Usage {
                    // OpenAI counts cached input inside `input_tokens`; ours excludes it.
                    input_tokens: usage.input_tokens.saturating_sub(usage.cached_input_tokens),
                    output_tokens: usage.output_tokens,
                    cache_read_tokens: usage.cached_input_tokens,
                    cache_write_tokens: usage.cache_write_input_tokens,
                });
                let text = self.state.last_text().to_owned();
                self.state.result(&text, false, &mut out);
            }
            CodexLine::TurnFailed { error } => {
                self.message(&error.message, &mut out);
                self.state.result(&error.message, true, &mut out);
            }
            CodexLine::Error { message } => self.message(&message, &mut out),
            CodexLine::Unknown => return raw(line),
        }
        out
    }

    fn parse_stderr_line(&mut self, line: &str) -> Vec<AgentEvent> {
        // stderr holds "Reading additional input from stdin..." and, on failures, the same
        // messages as the JSON errors; only limit wording is worth an event.
        let mut out = Vec::new();
        if let Some((signal, retrying)) = classify(line) {
            self.state.rate_limit(signal, retrying, &mut out);
        }
        out
    }

    fn finish(&mut self, exit_code: Option<i32>) -> Vec<AgentEvent> {
        let mut out = Vec::new();
        self.state.finish(exit_code, &mut out);
        out
    }
}

impl CodexParser {
    fn message(&mut self, message: &str, out: &mut Vec<AgentEvent>) {
        match classify(message) {
            Some((signal, retrying)) => self.state.rate_limit(signal, retrying, out),
            None => self.state.error(message, out),
        }
    }

    fn tool_call(&mut self, item: &Item, out: &mut Vec<AgentEvent>) {
        let (name, input) = match &item.details {
            ItemDetails::CommandExecution { command, .. } => (
                "command_execution".to_owned(),
                serde_json::json!({ "command": command }),
            ),
            ItemDetails::McpToolCall {
                server,
                tool,
                arguments,
                ..
            } => {
                let name = format!(
                    "{}/{}",
                    server.as_deref().unwrap_or("mcp"),
                    tool.as_deref().unwrap_or("?")
                );
                (name, arguments.clone())
            }
            ItemDetails::FileChange { changes, .. } => (
                "file_change".to_owned(),
                serde_json::json!({ "changes": changes }),
            ),
            ItemDetails::WebSearch { query } => (
                "web_search".to_owned(),
                serde_json::json!({ "query": query }),
            ),
            _ => return,
        };
        if self.started.insert(item.id.clone()) {
            out.push(AgentEvent::ToolCall {
                id: item.id.clone(),
                name,
                input: input.to_string(),
            });
        }
    }

    fn item_completed(&mut self, item: Item, out: &mut Vec<AgentEvent>) {
        // Some items (file changes, web searches) only ever complete; report their call first.
        self.tool_call(&item, out);
        let id = item.id;
        let failed = |status: &Option<String>| {
            matches!(status.as_deref(), Some("failed") | Some("declined"))
        };
        match item.details {
            ItemDetails::AgentMessage { text } => self.state.text(&text, out),
            ItemDetails::Error { message } => self.message(&message, out),
            ItemDetails::CommandExecution {
                aggregated_output,
                exit_code,
                status,
                ..
            } => {
                let is_error = failed(&status) || exit_code.is_some_and(|code| code != 0);
                out.push(AgentEvent::ToolResult {
                    id,
                    output: aggregated_output,
                    is_error,
                });
            }
            ItemDetails::McpToolCall {
                result,
                error,
                status,
                ..
            } => {
                let is_error = error.is_some() || failed(&status);
                let output = error.or(result).map(|v| v.to_string()).unwrap_or_default();
                out.push(AgentEvent::ToolResult {
                    id,
                    output,
                    is_error,
                });
            }
            ItemDetails::FileChange { status, .. } => {
                let is_error = failed(&status);
                out.push(AgentEvent::ToolResult {
                    id,
                    output: String::new(),
                    is_error,
                });
            }
            ItemDetails::WebSearch { .. } => {
                out.push(AgentEvent::ToolResult {
                    id,
                    output: String::new(),
                    is_error: false,
                });
            }
            ItemDetails::Reasoning | ItemDetails::TodoList | ItemDetails::Unknown => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnecting_is_retrying_and_giving_up_is_final() {
        let retry = "Reconnecting... 1/5 (exceeded retry limit, last status: 429 Too Many Requests, request id: r)";
        assert!(matches!(classify(retry), Some((_, true))));
        let gave_up = "exceeded retry limit, last status: 429 Too Many Requests, request id: r";
        assert!(matches!(classify(gave_up), Some((_, false))));
        assert!(classify("stream error: 429 bytes read").is_none());
        assert!(classify("last status: 500 Internal Server Error").is_none());
    }

    #[test]
    fn items_that_only_complete_still_get_a_call_and_a_result() {
        let mut parser = CodexParser::default();
        let line = r#"{"type":"item.completed","item":{"id":"item_3","type":"file_change","changes":[{"path":"a.rs","kind":"add"}],"status":"completed"}}"#;
        let events = parser.parse_line(line);
        assert!(
            matches!(&events[..], [AgentEvent::ToolCall { name, .. }, AgentEvent::ToolResult { is_error: false, .. }] if name == "file_change")
        );
    }

    #[test]
    fn old_format_and_unknown_items_are_raw() {
        let mut parser = CodexParser::default();
        for line in [
            r#"{"id":"0","msg":{"type":"task_started"}}"#,
            r#"{"type":"item.completed","item":{"id":"i","type":"hologram"}}"#,
            r#"{"type":"turn.completed","usage":{"input_tokens":"many"}}"#,
        ] {
            assert_eq!(
                parser.parse_line(line),
                vec![AgentEvent::Raw { line: line.into() }]
            );
        }
    }

    #[test]
    fn killed_run_without_turn_end_gets_an_error_result() {
        let mut parser = CodexParser::default();
        parser.parse_line(r#"{"type":"thread.started","thread_id":"t"}"#);
        let events = parser.finish(None);
        assert!(matches!(
            &events[..],
            [AgentEvent::Result { is_error: true, .. }]
        ));
    }
}
