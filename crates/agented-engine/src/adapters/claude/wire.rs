//! Claude Code's `--output-format stream-json --verbose` lines, as serde types (checked against
//! Claude Code 2.1.197).
//!
//! Only the fields Agented reads are declared; serde ignores the rest, so new fields are harmless.
//! An unknown `type` lands in [`ClaudeLine::Unknown`] and the parser keeps the line as raw.

use serde::Deserialize;

/// One stdout line.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ClaudeLine {
    /// `system` events: `init` (first line), `api_retry`, `status`, hook events...
    System(SystemEvent),
    /// One content block of an assistant message (text, tool_use, thinking).
    Assistant(AssistantEvent),
    /// Tool results fed back to the model.
    User(UserEvent),
    /// The last line: final text, usage, cost, error status.
    Result(ResultEvent),
    /// Raw API SSE events (`--include-partial-messages`); the assembled `assistant` event follows.
    StreamEvent(Ignored),
    /// Subscription (OAuth) rate-limit state.
    RateLimitEvent(RateLimitEvent),
    /// A type this version of Agented does not know.
    #[serde(other)]
    Unknown,
}

/// A line whose content Agented does not need.
#[derive(Debug, Deserialize)]
pub(crate) struct Ignored {}

#[derive(Debug, Deserialize)]
pub(crate) struct SystemEvent {
    pub subtype: Option<String>,
    pub session_id: Option<String>,
    // `api_retry` fields.
    pub attempt: Option<u32>,
    pub max_retries: Option<u32>,
    pub retry_delay_ms: Option<f64>,
    pub error_status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssistantEvent {
    pub message: AssistantMessage,
    pub session_id: Option<String>,
    /// Set on the synthetic message printed when the API call failed, e.g. `rate_limit`.
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssistantMessage {
    #[serde(default)]
    pub content: Vec<ContentBlock>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ContentBlock {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        #[serde(default)]
        input: serde_json::Value,
    },
    /// Thinking, redacted thinking, images...: nothing to normalize.
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
pub(crate) struct UserEvent {
    pub message: UserMessage,
    pub session_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct UserMessage {
    pub content: UserContent,
}

/// A user turn is a list of blocks (tool results) or plain text, which Agented does not need.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum UserContent {
    Blocks(Vec<UserBlock>),
    Other(serde::de::IgnoredAny),
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum UserBlock {
    ToolResult {
        tool_use_id: String,
        #[serde(default)]
        content: ToolResultContent,
        #[serde(default)]
        is_error: bool,
    },
    #[serde(other)]
    Other,
}

/// A tool result is a string or a list of blocks, of which the text ones matter.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum ToolResultContent {
    Text(String),
    Blocks(Vec<serde_json::Value>),
}

impl Default for ToolResultContent {
    fn default() -> Self {
        ToolResultContent::Text(String::new())
    }
}

impl ToolResultContent {
    /// The text of the result; non-text blocks (images) are shown as `[<type>]`.
    pub fn into_text(self) -> String {
        match self {
            ToolResultContent::Text(text) => text,
            ToolResultContent::Blocks(blocks) => blocks
                .iter()
                .map(|b| match b.get("text").and_then(|t| t.as_str()) {
                    Some(text) => text.to_owned(),
                    None => format!(
                        "[{}]",
                        b.get("type").and_then(|t| t.as_str()).unwrap_or("?")
                    ),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResultEvent {
    pub subtype: Option<String>,
    #[serde(default)]
    pub is_error: bool,
    /// The HTTP status of the failed API call, e.g. 429.
    pub api_error_status: Option<u16>,
    pub result: Option<String>,
    /// Error texts on `error_*` subtypes (e.g. `error_max_turns`), which carry no `result`.
    #[serde(default)]
    pub errors: Vec<String>,
    pub session_id: Option<String>,
    pub total_cost_usd: Option<f64>,
    pub usage: Option<Usage>,
}

/// Cumulative usage for the run (`result.usage`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Usage {
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub cache_read_input_tokens: u64,
    #[serde(default)]
    pub cache_creation_input_tokens: u64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RateLimitEvent {
    pub rate_limit_info: RateLimitInfo,
    pub session_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RateLimitInfo {
    /// `allowed`, `allowed_warning` or `rejected`.
    pub status: Option<String>,
    /// Epoch seconds.
    pub resets_at: Option<i64>,
    /// e.g. `five_hour`, `seven_day`.
    pub rate_limit_type: Option<String>,
}
