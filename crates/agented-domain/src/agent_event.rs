//! The normalized agent event: what every agent CLI's output stream is turned into.
//!
//! Each CLI speaks its own JSON dialect; the engine's adapters translate every line into zero or more
//! `AgentEvent`s. The type is stored as JSON and sent to browsers, so its wire shape
//! (`{"type": "<snake_case variant>", ...fields}`) is a contract: add variants or optional fields,
//! never rename. This file only defines the vocabulary; parsing lives in `agented-engine`.

use serde::{Deserialize, Serialize};

/// One normalized event from an agent CLI run.
///
/// Token and cost events are additive: the run's total is the sum of its `Usage` (and `Cost`) events,
/// as the CLI reports them. A parsed run ends with exactly one `Result`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    /// Text the assistant wrote (one message or one coalesced run of streamed chunks).
    AssistantText {
        /// The text, verbatim.
        text: String,
    },
    /// The assistant asked for a tool to run.
    ToolCall {
        /// The CLI's id for this call; the matching `ToolResult` carries the same id.
        id: String,
        /// The tool's name as the CLI reports it (e.g. `Bash`, `run_shell_command`, `bash`).
        name: String,
        /// The tool's input as compact JSON text (an object for every CLI seen so far).
        input: String,
    },
    /// A tool finished.
    ToolResult {
        /// The id of the `ToolCall` this answers.
        id: String,
        /// The tool's output (or error text) as the CLI reports it.
        output: String,
        /// True if and only if the CLI reported the tool as failed or denied.
        is_error: bool,
    },
    /// Tokens used by one or more model calls.
    Usage {
        /// Input (prompt) tokens, excluding cache reads.
        input_tokens: u64,
        /// Output (completion) tokens.
        output_tokens: u64,
        /// Input tokens served from the prompt cache.
        cache_read_tokens: u64,
        /// Input tokens written to the prompt cache.
        cache_write_tokens: u64,
    },
    /// Money spent, in US dollars, when the CLI reports it (Claude Code and opencode do).
    Cost {
        /// The amount in USD.
        usd: f64,
    },
    /// The CLI's session (or thread) id, which a later run can resume.
    SessionId {
        /// The id, verbatim.
        session_id: String,
    },
    /// The run's final answer.
    Result {
        /// The final text (the last assistant message, or the error text for a failed run).
        text: String,
        /// True if and only if the run failed.
        is_error: bool,
    },
    /// An error the CLI reported that is not a rate limit.
    Error {
        /// The error text.
        message: String,
    },
    /// The model API or the subscription refused the request because of a rate or usage limit.
    RateLimit {
        /// What the CLI said, verbatim.
        message: String,
        /// When the limit resets, as a UTC RFC 3339 timestamp, if the CLI said so unambiguously.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resets_at: Option<String>,
        /// How many seconds to wait before retrying, if the CLI said so.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_secs: Option<u64>,
        /// True if the CLI said it will retry by itself, so the run may still succeed.
        #[serde(default)]
        retrying: bool,
    },
    /// A stdout line that was not understood; kept verbatim so nothing is lost.
    Raw {
        /// The line as read.
        line: String,
    },
}

impl AgentEvent {
    /// The wire name of the variant, the same string as the JSON `type` field.
    pub fn kind(&self) -> &'static str {
        match self {
            AgentEvent::AssistantText { .. } => "assistant_text",
            AgentEvent::ToolCall { .. } => "tool_call",
            AgentEvent::ToolResult { .. } => "tool_result",
            AgentEvent::Usage { .. } => "usage",
            AgentEvent::Cost { .. } => "cost",
            AgentEvent::SessionId { .. } => "session_id",
            AgentEvent::Result { .. } => "result",
            AgentEvent::Error { .. } => "error",
            AgentEvent::RateLimit { .. } => "rate_limit",
            AgentEvent::Raw { .. } => "raw",
        }
    }

    /// Returns true if and only if this is a rate-limit event the CLI will not retry by itself.
    pub fn is_final_rate_limit(&self) -> bool {
        matches!(
            self,
            AgentEvent::RateLimit {
                retrying: false,
                ..
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The JSON wire shape is asserted in `agented-engine` (which has a JSON library); here we check
    // the helpers that the rest of the system branches on.

    #[test]
    fn kind_names_are_snake_case_variant_names() {
        let events = [
            (
                AgentEvent::AssistantText { text: "hi".into() },
                "assistant_text",
            ),
            (AgentEvent::Cost { usd: 0.5 }, "cost"),
            (
                AgentEvent::SessionId {
                    session_id: "s".into(),
                },
                "session_id",
            ),
            (AgentEvent::Raw { line: "?".into() }, "raw"),
        ];
        for (event, kind) in events {
            assert_eq!(event.kind(), kind);
        }
    }

    #[test]
    fn only_non_retrying_rate_limits_are_final() {
        let limit = |retrying| AgentEvent::RateLimit {
            message: "slow down".into(),
            resets_at: None,
            retry_after_secs: Some(1),
            retrying,
        };
        assert!(limit(false).is_final_rate_limit());
        assert!(!limit(true).is_final_rate_limit());
        assert!(!AgentEvent::Error {
            message: "x".into()
        }
        .is_final_rate_limit());
    }
}
