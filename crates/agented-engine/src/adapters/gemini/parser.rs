//! Turns Gemini CLI's stream-json lines, stderr and exit code into [`AgentEvent`]s.
//!
//! Assistant text arrives as chunks (`delta: true`) with no assembled message, so chunks are
//! buffered and flushed as one `AssistantText` when anything else happens. The final `result` has no
//! text; a successful run's answer is the last flushed message.
//! Rate limits: Gemini retries silently on stdout and writes `Attempt N failed: <quota message>` to
//! stderr (retrying), then a `…QuotaError:` line and a `result` with status `error` (final), and exits
//! with 173, which is `process.exit(429)` truncated to a byte. Quota wording is matched only in those
//! places, never a bare `429`.

use agented_domain::agent_event::AgentEvent;

use super::wire::{GeminiLine, Stats};
use crate::adapters::ratelimit::{subscription_limit, LimitSignal};
use crate::adapters::state::{raw, ParseState};
use crate::adapters::StreamParser;

/// Gemini's exit status for an HTTP 429: it exits with the status code, and 429 % 256 == 173.
pub const EXIT_RATE_LIMITED: i32 = 173;

/// Wording of Google's 429 `RESOURCE_EXHAUSTED` errors and Gemini CLI's quota error classes.
const QUOTA_PHRASES: &[&str] = &[
    "resource_exhausted",
    "exceeded your current quota",
    "quota exceeded",
    "request a quota increase",
    "retryablequotaerror",
    "terminalquotaerror",
];

fn quota_signal(message: &str) -> Option<LimitSignal> {
    if let Some(signal) = subscription_limit(message) {
        return Some(signal);
    }
    let lower = message.to_ascii_lowercase();
    QUOTA_PHRASES
        .iter()
        .any(|p| lower.contains(p))
        .then(|| LimitSignal::from_message(message))
}

/// Parser for one Gemini CLI run.
#[derive(Debug, Default)]
pub struct GeminiParser {
    state: ParseState,
    /// Assistant chunks not yet reported.
    pending: String,
}

impl StreamParser for GeminiParser {
    fn parse_line(&mut self, line: &str) -> Vec<AgentEvent> {
        if line.trim().is_empty() {
            return Vec::new();
        }
        let Ok(parsed) = serde_json::from_str::<GeminiLine>(line) else {
            let mut out = self.flush();
            out.extend(raw(line));
            return out;
        };
        if let GeminiLine::Message {
            role,
            content,
            delta,
        } = &parsed
        {
            if role == "assistant" && *delta {
                self.pending.push_str(content);
                return Vec::new();
            }
        }
        let mut out = self.flush();
        match parsed {
            GeminiLine::Init { session_id } => self.state.session(session_id.as_deref(), &mut out),
            GeminiLine::Message { role, content, .. } => {
                // The user message echoes the prompt, which the run already stores.
                if role == "assistant" {
                    self.state.text(&content, &mut out);
                }
            }
            GeminiLine::ToolUse {
                tool_id,
                tool_name,
                parameters,
            } => out.push(AgentEvent::ToolCall {
                id: tool_id,
                name: tool_name,
                input: parameters.to_string(),
            }),
            GeminiLine::ToolResult {
                tool_id,
                status,
                output,
                error,
            } => {
                let is_error = status.as_deref() != Some("success");
                let output = match error {
                    Some(error) if output.is_empty() => error.message,
                    _ => output,
                };
                out.push(AgentEvent::ToolResult {
                    id: tool_id,
                    output,
                    is_error,
                });
            }
            GeminiLine::Error { message } => match quota_signal(&message) {
                Some(signal) => self.state.rate_limit(signal, false, &mut out),
                None => self.state.error(&message, &mut out),
            },
            GeminiLine::Result {
                status,
                error,
                stats,
            } => self.result(status, error, stats, &mut out),
            GeminiLine::Unknown => out.extend(raw(line)),
        }
        out
    }

    fn parse_stderr_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let mut out = Vec::new();
        let Some(signal) = quota_signal(line) else {
            return out;
        };
        // `Attempt 3 failed: <message>` is a retry; the `…QuotaError:` line follows the last one.
        let retrying = line.starts_with("Attempt ") && line.contains(" failed: ");
        let final_report = line.contains("QuotaError:") || subscription_limit(line).is_some();
        if retrying || final_report {
            self.state
                .rate_limit(signal, retrying && !final_report, &mut out);
        }
        out
    }

    fn finish(&mut self, exit_code: Option<i32>) -> Vec<AgentEvent> {
        let mut out = self.flush();
        if exit_code == Some(EXIT_RATE_LIMITED) && !self.state.final_limit_emitted() {
            let signal = LimitSignal::from_message("Gemini CLI exited with status 173 (HTTP 429)");
            self.state.rate_limit(signal, false, &mut out);
        }
        self.state.finish(exit_code, &mut out);
        out
    }
}

impl GeminiParser {
    fn flush(&mut self) -> Vec<AgentEvent> {
        let mut out = Vec::new();
        if !self.pending.is_empty() {
            let text = std::mem::take(&mut self.pending);
            self.state.text(&text, &mut out);
        }
        out
    }

    fn result(
        &mut self,
        status: Option<String>,
        error: Option<super::wire::ErrorBody>,
        stats: Stats,
        out: &mut Vec<AgentEvent>,
    ) {
        out.push(AgentEvent::Usage {
            input_tokens: stats
                .input
                .unwrap_or(stats.input_tokens.saturating_sub(stats.cached)),
            output_tokens: stats.output_tokens,
            cache_read_tokens: stats.cached,
            cache_write_tokens: 0,
        });
        if status.as_deref() == Some("success") {
            let text = self.state.last_text().to_owned();
            self.state.result(&text, false, out);
            return;
        }
        let message = error
            .map(|e| e.message)
            .unwrap_or_else(|| "Gemini CLI reported an error".into());
        match quota_signal(&message) {
            Some(signal) => self.state.rate_limit(signal, false, out),
            None => self.state.error(&message, out),
        }
        self.state.result(&message, true, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_coalesced_until_something_else_happens() {
        let mut parser = GeminiParser::default();
        let chunk = |t: &str| {
            format!(r#"{{"type":"message","role":"assistant","content":"{t}","delta":true}}"#)
        };
        assert!(parser.parse_line(&chunk("Hello ")).is_empty());
        assert!(parser.parse_line(&chunk("world")).is_empty());
        let events = parser.finish(Some(0));
        assert_eq!(
            events,
            vec![
                AgentEvent::AssistantText {
                    text: "Hello world".into()
                },
                AgentEvent::Result {
                    text: "Hello world".into(),
                    is_error: false
                },
            ]
        );
    }

    #[test]
    fn exit_173_alone_is_a_final_rate_limit() {
        let mut parser = GeminiParser::default();
        let events = parser.finish(Some(EXIT_RATE_LIMITED));
        assert!(events.iter().any(AgentEvent::is_final_rate_limit));
        let mut other = GeminiParser::default();
        assert!(!other
            .finish(Some(1))
            .iter()
            .any(|e| e.kind() == "rate_limit"));
    }

    #[test]
    fn stderr_noise_and_bare_429_are_ignored() {
        let mut parser = GeminiParser::default();
        for line in [
            "Ripgrep is not available. Falling back to GrepTool.",
            "    code: 429,",
            "  status: 429",
        ] {
            assert!(parser.parse_stderr_line(line).is_empty(), "{line}");
        }
    }

    #[test]
    fn truncated_json_flushes_pending_text_then_is_raw() {
        let mut parser = GeminiParser::default();
        parser.parse_line(r#"{"type":"message","role":"assistant","content":"Hi","delta":true}"#);
        let events = parser.parse_line(r#"{"type":"tool_use","tool_na"#);
        assert!(matches!(
            &events[..],
            [AgentEvent::AssistantText { .. }, AgentEvent::Raw { .. }]
        ));
    }
}
