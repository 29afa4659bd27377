//! Gemini CLI's `--output-format stream-json` lines, as serde types (checked against Gemini CLI
//! 0.61.0).
//!
//! Only the fields Agented reads are declared; serde ignores the rest. An unknown `type` lands in
//! [`GeminiLine::Unknown`] and is kept raw.

use serde::Deserialize;

/// One stdout line.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum GeminiLine {
    /// First line; carries the session id.
    Init { session_id: Option<String> },
    /// A user echo of the prompt, or one assistant chunk (`delta: true`).
    Message {
        role: String,
        #[serde(default)]
        content: String,
        #[serde(default)]
        delta: bool,
    },
    ToolUse {
        tool_id: String,
        tool_name: String,
        #[serde(default)]
        parameters: serde_json::Value,
    },
    ToolResult {
        tool_id: String,
        status: Option<String>,
        #[serde(default)]
        output: String,
        error: Option<ErrorBody>,
    },
    /// A non-fatal error or warning during the run.
    Error {
        #[serde(default)]
        message: String,
    },
    /// The last line: status, stats and, on failure, the error.
    Result {
        status: Option<String>,
        error: Option<ErrorBody>,
        #[serde(default)]
        stats: Stats,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub message: String,
}

/// `result.stats`: totals across every model call, the router's included.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Stats {
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    /// Input tokens served from cache.
    #[serde(default)]
    pub cached: u64,
    /// Input tokens not served from cache, when reported.
    pub input: Option<u64>,
}
