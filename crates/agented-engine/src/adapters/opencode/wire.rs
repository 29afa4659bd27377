//! opencode's `run --format json` lines, as serde types (checked against opencode 1.18.33).
//!
//! Every line is `{"type", "timestamp", "sessionID", ...}`; most carry a `part`. Only the fields
//! Agented reads are declared; an unknown `type` lands in [`OpencodeLine::Unknown`] and is kept raw.

use std::collections::HashMap;

use serde::Deserialize;

/// One stdout line: the session id every line carries, plus the event.
#[derive(Debug, Deserialize)]
pub(crate) struct OpencodeLine {
    #[serde(rename = "sessionID")]
    pub session_id: Option<String>,
    #[serde(flatten)]
    pub event: OpencodeEvent,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum OpencodeEvent {
    /// A model call starts.
    StepStart,
    /// The full text of one step (not a delta).
    Text { part: TextPart },
    /// One finished (or failed) tool call; there is no separate started/result pair.
    ToolUse { part: ToolPart },
    /// A model call ended: tokens and cost for that call.
    StepFinish { part: StepFinishPart },
    /// A fatal error, e.g. the provider's 429 after opencode's silent retries.
    Error { error: ErrorBody },
    /// Reasoning text (only with `--thinking`); nothing to normalize.
    Reasoning,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TextPart {
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ToolPart {
    #[serde(rename = "callID")]
    pub call_id: String,
    pub tool: String,
    pub state: ToolState,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ToolState {
    /// `pending`, `running`, `completed` or `error`.
    pub status: String,
    #[serde(default)]
    pub input: serde_json::Value,
    pub output: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct StepFinishPart {
    #[serde(default)]
    pub tokens: Tokens,
    pub cost: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Tokens {
    #[serde(default)]
    pub input: u64,
    #[serde(default)]
    pub output: u64,
    #[serde(default)]
    pub cache: CacheTokens,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CacheTokens {
    #[serde(default)]
    pub read: u64,
    #[serde(default)]
    pub write: u64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    /// e.g. `APIError`, `ProviderAuthError`, `UnknownError`.
    pub name: Option<String>,
    #[serde(default)]
    pub data: ErrorData,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorData {
    pub message: Option<String>,
    /// The provider's HTTP status.
    pub status_code: Option<u16>,
    /// The provider's response headers, e.g. `retry-after`.
    #[serde(default)]
    pub response_headers: HashMap<String, serde_json::Value>,
}
