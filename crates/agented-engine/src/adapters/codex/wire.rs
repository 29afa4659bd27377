//! Codex CLI's `codex exec --json` lines, as serde types (checked against Codex CLI 0.171.0, the
//! "canonical turn items" format introduced in 0.144; older releases printed `{"id","msg":{…}}`,
//! which lands in [`CodexLine::Unknown`] and is kept raw).
//!
//! Only the fields Agented reads are declared; serde ignores the rest.

use serde::Deserialize;

/// One stdout line.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub(crate) enum CodexLine {
    /// First line; the thread id is the session id.
    #[serde(rename = "thread.started")]
    ThreadStarted { thread_id: String },
    #[serde(rename = "turn.started")]
    TurnStarted,
    #[serde(rename = "item.started")]
    ItemStarted { item: Item },
    #[serde(rename = "item.updated")]
    ItemUpdated,
    #[serde(rename = "item.completed")]
    ItemCompleted { item: Item },
    /// The turn ended normally; usage is cumulative for the thread.
    #[serde(rename = "turn.completed")]
    TurnCompleted {
        #[serde(default)]
        usage: Usage,
    },
    #[serde(rename = "turn.failed")]
    TurnFailed { error: ErrorBody },
    /// A stream-level error, including "Reconnecting... n/5" retry notices.
    #[serde(rename = "error")]
    Error { message: String },
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub message: String,
}

/// A turn item; `details` holds the type-specific fields.
#[derive(Debug, Deserialize)]
pub(crate) struct Item {
    pub id: String,
    #[serde(flatten)]
    pub details: ItemDetails,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ItemDetails {
    AgentMessage {
        #[serde(default)]
        text: String,
    },
    Reasoning,
    CommandExecution {
        command: String,
        #[serde(default)]
        aggregated_output: String,
        exit_code: Option<i32>,
        status: Option<String>,
    },
    McpToolCall {
        server: Option<String>,
        tool: Option<String>,
        #[serde(default)]
        arguments: serde_json::Value,
        result: Option<serde_json::Value>,
        error: Option<serde_json::Value>,
        status: Option<String>,
    },
    FileChange {
        #[serde(default)]
        changes: serde_json::Value,
        status: Option<String>,
    },
    WebSearch {
        #[serde(default)]
        query: String,
    },
    TodoList,
    /// A non-fatal error item (e.g. unknown model metadata).
    Error {
        message: String,
    },
    #[serde(other)]
    Unknown,
}

/// `turn.completed.usage`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Usage {
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub cached_input_tokens: u64,
    #[serde(default)]
    pub cache_write_input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
}
